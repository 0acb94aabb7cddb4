"""Calibration of the market simulator to stylised facts by simulated moments.

Moments of a parameter point θ (``seeds`` runs each of the baseline and the leak scenario, months
12–35 standing for 2023–2024)::

    hhi               mean HHI of foundation-layer revenue (baseline)
    frontier_firms    mean number of firms within 0.5 nats of the frontier (baseline)
    entries_per_year  entries in the window × 12 / 24 (baseline)
    price_fall        1 − exp(12 · mean monthly Δ ln qa_price) (baseline): the yearly fall of the
                      price per unit of capability
    lineage_share     share of start-up and academic models descending from the leaked model, 12
                      months after the leak (leak scenario; Azoulay et al. 2024, §3.4)

Loss L(θ) = Σ_k ((m_k(θ) − target_k) / scale_k)². The free parameters are searched on a seeded
Latin hypercube over their ranges; the best point is the fit. A parameter the targets cannot pin
down is one whose good points (the best ``good`` share by loss) spread widely over its range: their
interquartile range exceeds a quarter of the range (a uniform spread has one half). Points are written to
``points.csv`` as they finish, so an interrupted calibration resumes where it stopped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .._toml import load_toml
from .._validate import ParameterError
from ..errors import InputFileError
from .ensemble import seed_sequences
from .model import MarketModel
from .params import MarketParams, make_params, nested
from .scenario import load_scenario

WINDOW = (12, 36)  # months standing for 2023–2024
MOMENTS = ("hhi", "frontier_firms", "entries_per_year", "price_fall", "lineage_share")

#: free parameters and their search ranges (reasons in docs/market.md)
FREE: dict[str, tuple[float, float]] = {
    "entry_cost": (0.0, 0.4),
    "adopt_cost": (0.005, 0.5),
    "adopt_noise": (0.0, 3.0),
    "imitation": (0.1, 1.0),
    "fixed_cost_growth": (0.0, 0.03),
    "scaling": (0.5, 2.0),
}


@dataclass(frozen=True)
class Target:
    """One stylised fact: the value, the tolerance of the loss, its source."""

    name: str
    value: float
    scale: float
    source: str = ""


@dataclass
class CalibrationResult:
    """Fitted values, fit per target, identification per parameter, and every point evaluated."""

    fitted: dict[str, float]
    fit: pd.DataFrame
    identification: pd.DataFrame
    points: pd.DataFrame
    meta: dict = field(default_factory=dict)


def load_targets(path: str | os.PathLike | None = None) -> list[Target]:
    """Targets from a TOML file (default: the packaged ``market/data/targets.toml``)."""
    if path is None:
        path = Path(str(resources.files("moatlab.market") / "data" / "targets.toml"))
    doc = load_toml(Path(path), "targets file", error=InputFileError)
    out = []
    for name, t in doc.items():
        if name not in MOMENTS:
            raise InputFileError(f"{path}: [{name}] is not allowed: must be one of {', '.join(MOMENTS)}")
        if not isinstance(t, dict) or not isinstance(t.get("value"), int | float):
            raise InputFileError(f"{path}: {name}.value is missing or not a number")
        scale = t.get("scale", 1.0)
        if not isinstance(scale, int | float) or scale <= 0:
            raise InputFileError(f"{path}: {name}.scale = {scale!r} is not allowed: must be a number > 0")
        out.append(Target(name, float(t["value"]), float(scale), str(t.get("source", ""))))
    if not out:
        raise InputFileError(f"{path}: no targets")
    return out


def moments(base: pd.DataFrame, leak: pd.DataFrame | None, leak_period: int = 12) -> dict[str, float]:
    """The simulated moments of one baseline run and one leak run (see the module docstring)."""
    a, b = WINDOW
    w = base.iloc[a:b]
    lp = np.log(w["qa_price"].to_numpy(float))
    dl = np.diff(lp[np.isfinite(lp)])
    out = {
        "hhi": float(w["hhi"].mean()),
        "frontier_firms": float(w["frontier_firms"].mean()),
        "entries_per_year": float(w["entries"].sum() * 12 / len(w)),
        "price_fall": float(1 - np.exp(12 * dl.mean())) if dl.size else np.nan,
        "lineage_share": np.nan,
    }
    if leak is not None and leak_period + 12 < len(leak):
        out["lineage_share"] = float(leak["lineage_share"].iloc[leak_period + 12])
    return out


def _point(args) -> dict[str, float]:
    overrides, seeds, seed, periods = args
    base = make_params({**overrides, "periods": periods}, base=load_scenario("baseline").params)
    leak = make_params({**overrides, "periods": periods}, base=load_scenario("leak").params)
    rows = []
    for ss in seed_sequences(seed, seeds):
        b = MarketModel(base, rng=ss).run()
        k = MarketModel(leak, rng=ss).run()
        rows.append(moments(b, k, leak.leak.period if leak.leak else 12))
    df = pd.DataFrame(rows)
    return {m: float(np.nanmean(df[m])) if df[m].notna().any() else np.nan for m in MOMENTS}


def loss(m: dict[str, float], targets: Sequence[Target]) -> float:
    """Σ ((moment − target) / scale)² (inf when a targeted moment is undefined)."""
    z = [((m[t.name] - t.value) / t.scale) ** 2 for t in targets]
    return float(np.sum(z)) if np.all(np.isfinite(z)) else float("inf")


def calibrate(
    targets: Sequence[Target] | None = None,
    *,
    free: dict[str, tuple[float, float]] | None = None,
    samples: int = 64,
    seeds: int = 4,
    periods: int = 48,
    rng: int | np.random.SeedSequence | np.random.Generator | None = 0,
    workers: int = 1,
    scheduler: str | None = None,
    client=None,
    out: str | os.PathLike | None = None,
    good: float = 0.2,
    progress: Callable[[int], None] | None = None,
) -> CalibrationResult:
    """Fit ``free`` parameters (name → (low, high)) to ``targets`` by simulated moments.

    Parameters
    ----------
    targets : list of Target, optional
        Default: :func:`load_targets` (the packaged stylised facts).
    samples : int
        Points of the seeded Latin hypercube (1–100,000).
    seeds : int
        Runs per scenario and point (common random numbers across points).
    periods : int
        Months per run (>= 36: the window is months 12–35).
    rng : int, SeedSequence or Generator
        Seeds the design and the runs.
    workers : int
        Processes (1 = in-process).
    scheduler : str, optional
        Address of a Dask scheduler: the points run on its cluster (the sweep runner's client).
    client : distributed.Client, optional
        An existing Dask client (instead of ``scheduler``).
    out : path, optional
        Folder where ``points.csv`` grows as points finish; an existing one with the same design is
        resumed.
    good : float
        Share of best points used to judge identification.

    Returns
    -------
    CalibrationResult
    """
    from scipy.stats import qmc

    targets = list(targets) if targets is not None else load_targets()
    free = dict(FREE if free is None else free)
    if not (isinstance(samples, int) and 1 <= samples <= 100_000):
        raise ParameterError("samples", samples, "an integer in [1, 100000]")
    if not (isinstance(seeds, int) and 1 <= seeds <= 1000):
        raise ParameterError("seeds", seeds, "an integer in [1, 1000]")
    if not (isinstance(periods, int) and 36 <= periods <= 1000):
        raise ParameterError("periods", periods, "an integer in [36, 1000]")
    if not (isinstance(workers, int) and workers >= 1):
        raise ParameterError("workers", workers, "an integer >= 1")
    for name, (lo, hi) in free.items():
        if not lo < hi:
            raise ParameterError(f"free.{name}", (lo, hi), "low < high")
        make_params(nested(name, lo))
        make_params(nested(name, hi))
    gen = np.random.default_rng(rng)
    design_seed = int(gen.integers(2**31))
    run_seed = int(gen.integers(2**31))
    u = qmc.LatinHypercube(d=len(free), seed=design_seed).random(samples)
    lo = np.array([v[0] for v in free.values()])
    hi = np.array([v[1] for v in free.values()])
    x = lo + u * (hi - lo)
    names = list(free)
    meta = {"samples": samples, "seeds": seeds, "periods": periods, "design_seed": design_seed,
            "run_seed": run_seed, "free": {k: list(v) for k, v in free.items()}}  # fmt: skip
    done: dict[int, dict] = {}
    path = None
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        path = Path(out) / "points.csv"
        spec = Path(out) / "design.json"
        if spec.exists() and path.exists() and json.loads(spec.read_text()) == meta:
            prev = pd.read_csv(path)
            done = {int(r["point"]): r.to_dict() for _, r in prev.iterrows()}
        else:
            spec.write_text(json.dumps(meta))
            path.write_text(",".join(["point", *names, *MOMENTS]) + "\n")
    todo = [k for k in range(samples) if k not in done]
    jobs = [({n: float(x[k, j]) for j, n in enumerate(names)}, seeds, run_seed, periods) for k in todo]

    def record(k: int, m: dict[str, float]) -> None:
        row = {"point": k, **{n: float(x[k, j]) for j, n in enumerate(names)}, **m}
        done[k] = row
        if path is not None:
            with path.open("a") as f:
                f.write(",".join(repr(float(row[c])) for c in ["point", *names, *MOMENTS]) + "\n")
        if progress:
            progress(1)

    if client is not None or scheduler:
        import contextlib

        from ..sweep.runner import _client

        ctx = contextlib.nullcontext(client) if client is not None else _client(None, scheduler)
        with ctx as c:
            futures = c.map(_point, jobs, pure=False)
            for k, fut in zip(todo, futures, strict=True):
                record(k, fut.result())
    elif workers == 1:
        for k, job in zip(todo, jobs, strict=True):
            record(k, _point(job))
    else:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            for k, m in zip(todo, ex.map(_point, jobs), strict=True):
                record(k, m)
    pts = pd.DataFrame([done[k] for k in sorted(done)])
    pts["point"] = pts["point"].astype(int)
    pts["loss"] = [loss(r, targets) for r in pts.to_dict("records")]
    best = pts.loc[pts["loss"].idxmin()]
    fitted = {n: float(best[n]) for n in names}
    fit = pd.DataFrame(
        [
            {"target": t.name, "value": t.value, "simulated": float(best[t.name]), "scale": t.scale,
             "z": (float(best[t.name]) - t.value) / t.scale, "source": t.source}
            for t in targets
        ]
    )  # fmt: skip
    k_good = max(2, int(np.ceil(good * len(pts))))
    top = pts.nsmallest(k_good, "loss")
    ident = []
    for n in names:
        width = hi[names.index(n)] - lo[names.index(n)]
        q1, q3 = np.percentile(top[n], [25, 75])
        spread = float((q3 - q1) / width)
        j = names.index(n)
        ident.append(
            {"parameter": n, "fitted": fitted[n], "low": lo[j], "high": hi[j], "good_iqr_share": spread,
             "pinned_down": spread <= 0.25}
        )  # fmt: skip
    return CalibrationResult(fitted, fit, pd.DataFrame(ident), pts, meta)


def fitted_params(result: CalibrationResult, base: MarketParams | None = None) -> MarketParams:
    """The parameter set with the fitted values applied."""
    over: dict = {}
    for k, v in result.fitted.items():
        over.update(nested(k, v))
    return make_params(over, base=base)
