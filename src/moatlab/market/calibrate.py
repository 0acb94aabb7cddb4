"""Calibration of the market simulator to stylised facts by simulated moments.

Moments of a parameter point θ (``seeds`` runs each of the baseline and the leak scenario, months
12–35 standing for 2023–2024)::

    hhi               mean HHI of foundation-layer revenue (baseline)
    frontier_firms    mean number of firms within half an order of magnitude of the largest
                      model's effective compute (baseline)
    entries_per_year  entries in the window × 12 / 24 (baseline)
    exits_per_year    exits in the window × 12 / 24 (baseline)
    price_fall        1 − exp(12 · mean monthly Δ ln qa_price) (baseline): the yearly fall of the
                      price per unit of capability
    lineage_share     share of start-up and academic models descending from the leaked model, 12
                      months after the leak (leak scenario; Azoulay et al. 2024, §3.4)
    startup_funding   outside money reaching the active start-ups in the window × 12 / 24 ($B a
                      year; baseline)

Loss L(θ) = Σ_k ((m_k(θ) − target_k) / scale_k)². Four steps:

1. the free parameters are searched on a seeded Latin hypercube over their ranges; points are
   written to ``points.csv`` as they finish, so an interrupted calibration resumes where it stopped;
2. the ``refine`` best points are run again on fresh seeds (``refine_seeds`` per scenario) and the
   best of them there is the start of the polish, so that it is not chosen for a lucky draw;
3. the polish: ``polish`` passes of a coordinate search on the same seeds (common random numbers),
   each trying every parameter in turn at ±25 % and ±10 % of its range (first pass), then ±5 % and
   ±2 % (second), and keeping a move when it lowers the loss — a Latin hypercube of a few hundred
   points over six parameters leaves the best point far from the optimum along weakly identified
   directions;
4. the Jacobian J of the scaled moments m_k/scale_k at the fit (central differences of ±5 % of each
   range, common random numbers) gives local standard errors ``se = sqrt(diag((JᵀJ)⁻¹))``
   (:func:`standard_errors`): how far a parameter can move, the others re-adjusting, before the loss
   rises by one unit. A parameter is pinned down when its standard error is under a quarter of its
   range; ``se_alone`` holds the others fixed, and ``good_iqr_share`` is the spread of the best
   ``good`` share of design points (a uniform spread has one half).
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
MOMENTS = (
    "hhi",
    "frontier_firms",
    "entries_per_year",
    "exits_per_year",
    "price_fall",
    "lineage_share",
    "startup_funding",
)

#: the polish's passes: each tries every parameter at these fractions of its range on either side
POLISH_STEPS = ((0.25, 0.1), (0.05, 0.02))

#: free parameters and their search ranges (reasons in docs/market.md)
FREE: dict[str, tuple[float, float]] = {
    "scaling": (0.5, 2.0),
    "quality_sensitivity": (0.1, 2.0),
    "types.challenger.funding": (0.01, 1.0),
    "entry_cost": (0.0, 0.4),
    "adopt_cost": (0.005, 0.5),
    "types.challenger.train_share": (0.0, 1.0),
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
    jacobian: pd.DataFrame | None = None


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
        "exits_per_year": float(w["exits"].sum() * 12 / len(w)),
        "price_fall": float(1 - np.exp(12 * dl.mean())) if dl.size else np.nan,
        "lineage_share": np.nan,
        "startup_funding": float(w["startup_funding"].sum() * 12 / len(w)),
    }
    if leak is not None and leak_period + 12 < len(leak):
        out["lineage_share"] = float(leak["lineage_share"].iloc[leak_period + 12])
    return out


def _overrides(values: dict[str, float], periods: int) -> dict:
    """Dotted names (``types.challenger.funding``) → nested overrides for :func:`make_params`."""
    out: dict = {"periods": periods}
    for k, v in values.items():
        _deep_update(out, nested(k, v))
    return out


def _deep_update(a: dict, b: dict) -> None:
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(a.get(k), dict):
            _deep_update(a[k], v)
        else:
            a[k] = v


def _point(args) -> dict[str, float]:
    values, seeds, seed, periods = args
    over = _overrides(values, periods)
    base = make_params(over, base=load_scenario("baseline").params)
    leak = make_params(over, base=load_scenario("leak").params)
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
    refine: int = 8,
    refine_seeds: int | None = None,
    polish: int = 2,
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
        Share of best points whose spread is reported (``good_iqr_share``).
    refine : int
        The best ``refine`` points of the design are run again on fresh seeds (``refine_seeds``,
        default 4 × ``seeds``); the best of them there starts the polish, so that it is not chosen on luck.
    refine_seeds : int, optional
        Runs per scenario for the re-check, the polish and the Jacobian.
    polish : int
        Passes of the local coordinate search from the re-checked best (0–2; see the module docstring).

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
    if not (isinstance(refine, int) and 1 <= refine <= 1000):
        raise ParameterError("refine", refine, "an integer in [1, 1000]")
    refine_seeds = 4 * seeds if refine_seeds is None else refine_seeds
    if not (isinstance(refine_seeds, int) and 1 <= refine_seeds <= 1000):
        raise ParameterError("refine_seeds", refine_seeds, "an integer in [1, 1000]")
    if not (isinstance(polish, int) and 0 <= polish <= len(POLISH_STEPS)):
        raise ParameterError("polish", polish, f"an integer in [0, {len(POLISH_STEPS)}]")
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
            "run_seed": run_seed, "free": {k: list(v) for k, v in free.items()},
            "moments": list(MOMENTS)}  # fmt: skip
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

    run = _Runner(workers, scheduler, client)
    with run:
        for k, m in zip(todo, run.map(jobs), strict=True):
            record(k, m)
        pts = pd.DataFrame([done[k] for k in sorted(done)])
        pts["point"] = pts["point"].astype(int)
        pts["loss"] = [loss(r, targets) for r in pts.to_dict("records")]
        # 2. the best few points again, on fresh and more seeds: the design's best is partly luck
        check_seed = int(gen.integers(2**31))
        cand = pts.nsmallest(min(refine, len(pts)), "loss")
        cjobs = [({n: float(r[n]) for n in names}, refine_seeds, check_seed, periods)
                 for _, r in cand.iterrows()]
        checked = pd.DataFrame(list(run.map(cjobs)))
        checked["loss"] = [loss(r, targets) for r in checked.to_dict("records")]
        b = int(np.argmin(checked["loss"].to_numpy()))
        fitted = {n: float(cand.iloc[b][n]) for n in names}
        best = checked.iloc[b]
        # 2b. local polish: coordinate search from the re-checked best, on the re-check's seeds
        moves = 0
        for steps in POLISH_STEPS[:polish]:
            for j, n in enumerate(names):
                width = hi[j] - lo[j]
                vals = sorted({float(np.clip(fitted[n] + sgn * f * width, lo[j], hi[j]))
                               for f in steps for sgn in (-1, 1)} - {fitted[n]})  # fmt: skip
                if not vals:
                    continue
                pjobs = [({**fitted, n: v}, refine_seeds, check_seed, periods) for v in vals]
                tried = pd.DataFrame(list(run.map(pjobs)))
                tried["loss"] = [loss(r, targets) for r in tried.to_dict("records")]
                k = int(np.argmin(tried["loss"].to_numpy()))
                if tried["loss"].iloc[k] < best["loss"]:
                    fitted = {**fitted, n: vals[k]}
                    best = tried.iloc[k]
                    moves += 1
        # 3. local identification: the Jacobian of the scaled moments at the fit (common random numbers)
        theta = np.array([fitted[n] for n in names])
        h = 0.05 * (hi - lo)
        up, dn = np.minimum(theta + h, hi), np.maximum(theta - h, lo)
        jjobs = []
        for j, n in enumerate(names):
            for v in (up[j], dn[j]):
                jjobs.append(({**fitted, n: float(v)}, refine_seeds, check_seed, periods))
        jm = pd.DataFrame(list(run.map(jjobs)))
    tnames = [t.name for t in targets]
    scales = np.array([t.scale for t in targets])
    jac = np.zeros((len(targets), len(names)))
    for j in range(len(names)):
        mu, md = jm.iloc[2 * j][tnames].to_numpy(float), jm.iloc[2 * j + 1][tnames].to_numpy(float)
        jac[:, j] = (mu - md) / (up[j] - dn[j]) / scales
    jac = np.where(np.isfinite(jac), jac, 0.0)
    se, rank = standard_errors(jac)
    with np.errstate(divide="ignore"):
        se_alone = 1.0 / np.sqrt((np.where(np.isfinite(jac), jac, 0.0) ** 2).sum(axis=0))
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
    for j, n in enumerate(names):
        width = hi[j] - lo[j]
        q1, q3 = np.percentile(top[n], [25, 75])
        ident.append(
            {"parameter": n, "fitted": fitted[n], "low": lo[j], "high": hi[j], "se": float(se[j]),
             "se_share": float(se[j] / width), "se_alone": float(se_alone[j]),
             "good_iqr_share": float((q3 - q1) / width),
             "pinned_down": bool(se[j] <= 0.25 * width)}
        )  # fmt: skip
    meta.update(refine=int(len(cand)), refine_seeds=refine_seeds, check_seed=check_seed, polish=polish,
                polish_moves=moves, design_loss=float(checked["loss"].iloc[b]), jacobian_rank=rank,
                loss=float(best["loss"]))  # fmt: skip
    return CalibrationResult(fitted, fit, pd.DataFrame(ident), pts, meta, jacobian=pd.DataFrame(
        jac, index=tnames, columns=names))


def standard_errors(jac: np.ndarray) -> tuple[np.ndarray, int]:
    """Local standard errors of the parameters from the Jacobian of the scaled moments.

    ``jac[k, j]`` = ∂(m_k / scale_k)/∂θ_j at the fit. With the loss L = Σ_k ((m_k − target_k)/scale_k)²,
    the curvature is 2 JᵀJ, and ``se_j = sqrt([(JᵀJ)⁻¹]_jj)`` is how far θ_j can move — the other
    parameters re-adjusting — before the loss rises by one unit (one target missed by one scale). A
    direction the moments do not see at all (a zero eigenvalue of JᵀJ) gives the parameters on it an
    infinite standard error. Returns (se, rank of JᵀJ).

    >>> se, rank = standard_errors(np.array([[1.0, 0.0], [0.0, 0.0]]))
    >>> float(se[0]), bool(np.isinf(se[1])), rank
    (1.0, True, 1)
    """
    jac = np.where(np.isfinite(jac), jac, 0.0)
    info = jac.T @ jac
    top = max(float(np.abs(info).max(initial=0.0)), 1e-300)
    eigval, eigvec = np.linalg.eigh(info)
    flat = eigval <= 1e-8 * top
    rank = int((~flat).sum())
    se = np.sqrt(np.maximum(np.diag(np.linalg.pinv(info, hermitian=True)), 0.0))
    if flat.any():
        unseen = (np.abs(eigvec[:, flat]) > 0.1).any(axis=1)
        se = np.where(unseen, np.inf, se)
    return se, rank


class _Runner:
    """Evaluates moment jobs in-process, in a process pool, or on a Dask cluster (same numbers)."""

    def __init__(self, workers: int, scheduler: str | None, client) -> None:
        self.workers, self.scheduler, self.client = workers, scheduler, client
        self._stack = None

    def __enter__(self):
        import contextlib

        self._stack = contextlib.ExitStack()
        self._c = self._ex = None
        if self.client is not None or self.scheduler:
            from ..sweep.runner import _client

            if self.client is not None:
                ctx = contextlib.nullcontext(self.client)
            else:
                ctx = _client(None, self.scheduler)
            self._c = self._stack.enter_context(ctx)
        elif self.workers > 1:
            self._ex = self._stack.enter_context(ProcessPoolExecutor(max_workers=self.workers))
        return self

    def __exit__(self, *exc):
        return self._stack.__exit__(*exc)

    def map(self, jobs):
        if not jobs:
            return iter(())
        if self._c is not None:
            return (f.result() for f in self._c.map(_point, jobs, pure=False))
        if self._ex is not None:
            return self._ex.map(_point, jobs)
        return map(_point, jobs)


def fitted_params(result: CalibrationResult, base: MarketParams | None = None) -> MarketParams:
    """The parameter set with the fitted values applied."""
    over: dict = {}
    for k, v in result.fitted.items():
        _deep_update(over, nested(k, v))
    return make_params(over, base=base)
