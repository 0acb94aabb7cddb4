"""Are 30 seeds enough? The market claims' key statistics at growing ensembles (~3 minutes, 2 cores).

    python benchmarks/market_ensemble_size.py [--seeds 120] [--workers 2]

Every market finding in docs/market.md is decided on 30 seeded runs per scenario (paired across
scenarios). A referee asks whether a verdict would change with more. The ensemble's seeds are the
children of ``SeedSequence(0)``, so the first 30 runs of this ensemble are the docs' 30 and each
smaller ensemble is a prefix of the larger. For n = 10, 30, 60 and all runs it prints the mean and
95 % interval (t-based; paired differences for the comparisons) of the statistic each claim tests,
months 60–119, and the claim's threshold:

    M1  baseline HHI                                    lower end above 2,500
    M2  HHI(generic_assets) − HHI(baseline)             upper end below 0
    M3  HHI(rogue_giant)                                lower end above 2,500
    M5  HHI(fractionalisation) − HHI(baseline)          upper end below 0
    M5  user surplus(public_benchmarks) − baseline      lower end above 0 ($B a month)
    the compute knock-out: HHI(weight 0) − baseline     upper end below 0 (the one asset whose
                                                        30-seed knock-out test fails)
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats

from moatlab.market import make_params
from moatlab.market.ensemble import run_ensemble, run_means
from moatlab.market.scenario import MarketScenario, load_scenario

SCENARIOS = ["baseline", "generic_assets", "rogue_giant", "fractionalisation", "public_benchmarks"]
ROWS = [  # label, scenario, minus (None: level), metric, which end is tested, threshold
    ("M1 baseline HHI", "baseline", None, "hhi", "lo", 2500.0),
    ("M2 HHI generic − baseline", "generic_assets", "baseline", "hhi", "hi", 0.0),
    ("M3 rogue giant HHI", "rogue_giant", None, "hhi", "lo", 2500.0),
    ("M5 HHI fractionalisation − baseline", "fractionalisation", "baseline", "hhi", "hi", 0.0),
    ("M5 surplus benchmarks − baseline", "public_benchmarks", "baseline", "consumer_surplus", "lo", 0.0),
    ("knock-out: HHI no compute − baseline", "no_compute", "baseline", "hhi", "hi", 0.0),
]


def interval(x: np.ndarray) -> tuple[float, float, float]:
    h = float(stats.t.ppf(0.975, x.size - 1)) * x.std(ddof=1) / np.sqrt(x.size)
    return float(x.mean()), float(x.mean() - h), float(x.mean() + h)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=120)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    if not 30 <= a.seeds <= 1000:
        ap.error(f"--seeds = {a.seeds} is not allowed: must be an integer in [30, 1000]")
    base = load_scenario("baseline").params
    knock = make_params({"assets": {"compute": {"weight": 0.0}}}, base=base)
    no_compute = MarketScenario("no_compute", knock)
    rm = run_means(run_ensemble([load_scenario(s) for s in SCENARIOS] + [no_compute], seeds=a.seeds, seed=0,
                                workers=a.workers))  # fmt: skip
    sizes = sorted({10, 30, 60, a.seeds})
    print("| statistic | " + " | ".join(f"n = {n}" for n in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for label, sc, minus, metric, end, thr in ROWS:
        x = rm[metric].sel(scenario=sc).values
        if minus is not None:
            x = x - rm[metric].sel(scenario=minus).values
        cells = []
        for n in sizes:
            m, lo, hi = interval(x[:n])
            ok = (lo > thr) if end == "lo" else (hi < thr)
            fmt = "{:,.0f}" if metric == "hhi" else "{:+.2f}"
            cells.append(f"{fmt.format(m)} [{fmt.format(lo)}, {fmt.format(hi)}] {'holds' if ok else 'fails'}")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
