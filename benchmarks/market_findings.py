"""Every number docs/market.md cites, from 30-seed ensembles (takes ~10 minutes on one core).

    python benchmarks/market_findings.py                  # the claims' numbers
    python benchmarks/market_findings.py --sensitivity    # Morris screening of HHI (moatlab.sweep)
    python benchmarks/market_findings.py --fragility      # M1 with one parameter moved (FRAGILITY)
    python benchmarks/market_findings.py --figures docs/img   # also the docs' figures, same runs

Prints: the scenario table (means over months 60–119 with 95% CIs), the paired differences the
claims M1–M5 test, the asset knock-outs, the competition sweep (M4), the appropriability sweep,
and the lineage statistic beside the paper's figure. Thresholds are those of docs/market.md.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from moatlab.market import ASSETS, make_params
from moatlab.market.ensemble import difference, lineage_statistic, run_ensemble, run_means, summary, sweep
from moatlab.market.scenario import MarketScenario, load_scenario

SEEDS = 30
NAMES = ["baseline", "generic_assets", "rogue_giant", "leak", "public_benchmarks", "legal_clarity",
         "fractionalisation", "platform_cap", "openness_regulation", "all_levers"]  # fmt: skip
SHOW = ["hhi", "active", "entries", "growth", "open_share", "consumer_surplus", "price", "outside_share"]


def lower(x: np.ndarray) -> float:
    return float(x.mean() - stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))


def main(figures: str | None = None) -> None:
    base = load_scenario("baseline").params
    knock = [
        MarketScenario(f"no_{a}", make_params({"assets": {a: {"weight": 0.0}}}, base=base)) for a in ASSETS
    ]
    ds = run_ensemble([load_scenario(n) for n in NAMES] + knock, seeds=SEEDS, seed=0)
    s = summary(ds)
    print("| scenario | " + " | ".join(SHOW) + " |")
    for sc in NAMES:
        cells = []
        for m in SHOW:
            r = s[(s.scenario == sc) & (s.metric == m)].iloc[0]
            cells.append(f"{r['mean']:,.4g} [{r['lo']:,.4g}, {r['hi']:,.4g}]")
        print(f"| {sc} | " + " | ".join(cells) + " |")
    print("\npaired differences (mean, lo, hi):")
    pairs = [("generic_assets", "hhi"), ("generic_assets", "entries"), ("rogue_giant", "open_share"),
             ("leak", "open_share"), ("rogue_giant", "derivatives"), ("leak", "derivatives"),
             ("fractionalisation", "hhi"), ("fractionalisation", "entries"),
             ("public_benchmarks", "consumer_surplus")]  # fmt: skip
    for sc, m in pairs:
        print(f"  {sc} − baseline, {m}: " + ", ".join(f"{v:,.4g}" for v in difference(ds, sc, "baseline", m)))
    print("\nknock-outs (weight 0), HHI minus baseline:")
    for a in ASSETS:
        print(f"  {a}: " + ", ".join(f"{v:,.0f}" for v in difference(ds, f"no_{a}", "baseline", "hhi")))
    print("\nlineage statistic 12 months after the release (mean, lo, hi); the paper: close to 0.30")
    for sc in ("rogue_giant", "leak"):
        print(f"  {sc}: " + ", ".join(f"{v:.3f}" for v in lineage_statistic(ds, sc)))
    rm = run_means(ds)
    for sc in ("baseline", "rogue_giant", "leak"):
        print(f"  HHI lower 95% bound, {sc}: {lower(rm.hhi.sel(scenario=sc).values):,.0f}")
    d = run_ensemble([make_params({"appropriability": 0.15}, base=base)], seeds=SEEDS, seed=0)
    print(f"  M1 at appropriability 0.15: HHI lower bound {lower(run_means(d).hhi.values.ravel()):,.0f}")
    vals = [0.0, 0.25, 0.5, 0.75, 1.0]
    rm = sweep(base, "competition", vals, seeds=SEEDS, seed=0)
    if figures:
        _figures(figures, ds, rm)
    print("\ncompetition sweep (M4):", vals)
    print("  innovation:", np.round(rm.growth.mean("seed").values, 5))
    print("  HHI:", np.round(rm.hhi.mean("seed").values, 0))
    vals = [0.0, 0.3, 0.6, 1.0]
    rm = sweep(base, "appropriability", vals, seeds=SEEDS, seed=0)
    print("appropriability sweep:", vals)
    print("  innovation:", np.round(rm.growth.mean("seed").values, 5))
    print("  HHI:", np.round(rm.hhi.mean("seed").values, 0))


def _figures(folder: str, ds, rm_competition) -> None:
    """docs/img/market_bands.png, market_compare.png and market_innovation.png from these ensembles."""
    from pathlib import Path

    from moatlab.plots.market import plot_bands, plot_compare, plot_innovation

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    plot_bands(ds.sel(scenario=["baseline", "rogue_giant", "leak", "fractionalisation"])).savefig(
        out / "market_bands.png", dpi=110)
    s = summary(ds)
    plot_compare(s[s.scenario.isin(NAMES)]).savefig(out / "market_compare.png", dpi=110)
    plot_innovation(rm_competition, field="competition").savefig(out / "market_innovation.png", dpi=110)
    print(f"figures written to {out}")


def _half_twice(name: str) -> tuple[float, float]:
    """Half and twice the shipped default of a top-level market parameter."""
    v = float(getattr(load_scenario("baseline").params, name))
    return (round(v / 2, 6), round(2 * v, 6))


# the calibrated quality sensitivity and scaling, and demand growth: half to twice the shipped defaults
SENSITIVITY = {
    "appropriability": (0.0, 1.0),
    "competition": (0.0, 1.0),
    "quality_sensitivity": _half_twice("quality_sensitivity"),
    "scaling": _half_twice("scaling"),
    "demand_growth": _half_twice("demand_growth"),
    "quality_noise": (0.25, 1.0),
    "adopt_cost": (0.005, 0.5),
    "entry_cost": (0.0, 0.4),
    "funding_runway": (6.0, 120.0),
    "outside_tracking": (0.5, 1.0),
}


def sensitivity(trajectories: int = 10) -> None:
    """Morris elementary effects of the baseline's HHI (mean over months 60–119, one seeded run per
    point) over SENSITIVITY's ranges, with the sweep package's SALib wrapper."""
    from moatlab.sweep.sensitivity import sensitivity as morris
    from moatlab.sweep.spec import spec_from_dict

    params = {k: {"dist": "uniform", "low": lo, "high": hi} for k, (lo, hi) in SENSITIVITY.items()}
    spec = spec_from_dict({"model": "market", "parameters": params, "outcomes": ["hhi"], "seed": 0,
                           "options": {"scenario": "baseline", "start": 0.5}})  # fmt: skip
    res = morris(spec, "hhi", method="morris", n=trajectories, seed=0)
    print(f"Morris screening of HHI, {res.evaluations} runs:")
    print(res.table.sort_values("mu_star", ascending=False).round(1).to_string())


# half and twice the shipped defaults, read from the packaged baseline (never a stale copy of them)
FRAGILITY = {k: _half_twice(k) for k in ("quality_sensitivity", "scaling", "demand_growth", "competition",
                                         "quality_noise")}  # fmt: skip


def fragility() -> None:
    """M1's rule (lower 95% bound of HHI above 2,500, 30 seeds) with one parameter at each end of
    FRAGILITY's ranges."""
    base = load_scenario("baseline").params
    sc = [
        MarketScenario(f"{k}={v}", make_params({k: v}, base=base)) for k, vs in FRAGILITY.items() for v in vs
    ]
    rm = run_means(run_ensemble(sc, seeds=SEEDS, seed=0))
    for name in rm.scenario.values:
        h = rm.hhi.sel(scenario=name).values
        verdict = "holds" if lower(h) > 2500 else "fails"
        print(f"{name}: HHI {h.mean():,.0f}, lower bound {lower(h):,.0f}, M1 {verdict}")


if __name__ == "__main__":
    import sys

    if "--sensitivity" in sys.argv:
        sensitivity()
    elif "--fragility" in sys.argv:
        fragility()
    else:
        main(sys.argv[sys.argv.index("--figures") + 1] if "--figures" in sys.argv else None)
