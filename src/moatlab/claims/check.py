r"""How robust is a claim? Sample its plausible space, decide at every point, summarise.

For a claim with decision :math:`h(x) \in \{0, 1\}` and margin :math:`m(x)` over its plausible space
:math:`X` (a product of the stated distributions):

* **share** :math:`\hat s = \frac1N \sum_i h(x_i)` over a Latin hypercube (or scrambled Sobol')
  sample of :math:`N` points, seeded; its 95 % interval is Wilson's
  :math:`\big(\hat s + \tfrac{z^2}{2N} \pm z\sqrt{\hat s(1-\hat s)/N + z^2/4N^2}\big) / (1 + z^2/N)`,
  z = 1.96 (a Latin hypercube's variance never exceeds simple random sampling's by more than
  N/(N − 1), so the interval is not optimistic);
* **where it fails**: PRIM boxes (:func:`moatlab.sweep.discover`, density ≥ 0.8) on the failing
  points, peeled one after another, written in words;
* **what matters**: first-order Sobol' indices :math:`S_i = \mathrm{Var}(E[m \mid x_i]) / \mathrm{Var}(m)`
  of the margin, estimated from the same sample (SALib's given-data estimator, bootstrap intervals),
  and, with ``sobol_base = n > 0``, first- and total-order indices from a Saltelli design of
  n·(k + 2) further points;
* **verdict**: ``fails at defaults`` when the claim does not hold at the model's default point,
  else ``fragile`` when :math:`\hat s < 1/2`, else ``robust``.

Points are evaluated on the sweep runner (:func:`moatlab.sweep.run_sweep`: chunked, resumable,
in-process or on Dask); point ``i`` of a stochastic claim gets ``SeedSequence(seed, spawn_key=(2, i))``.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError, require_extra
from .registry import Claim, ClaimError, get

Z95 = 1.959963984540054
MAX_SAMPLES = 1_000_000
MAX_BOXES = 3
VERDICTS = ("robust", "fragile", "fails at defaults")
RESULTS = Path(__file__).parent / "results" / "latest.json"


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial share ``k / n`` (95 % by default).

    >>> [round(v, 3) for v in wilson(64, 128)]
    [0.415, 0.585]
    """
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    lo = 0.0 if k == 0 else max(0.0, min(p, mid - half))
    hi = 1.0 if k == n else min(1.0, max(p, mid + half))
    return (lo, hi)


@dataclass(frozen=True)
class ClaimModel:
    """A claim as a sweep model: outcomes ``holds`` (0/1) and ``margin`` at each point."""

    claim: Claim
    ensemble: int = 0
    name = "claim"

    @property
    def options(self) -> dict[str, Any]:
        return {"claim": self.claim.name, "ensemble": self.ensemble, "threshold": self.claim.threshold,
                "rule": self.claim.rule}

    @property
    def outcomes(self) -> dict[str, str]:
        return {"holds": f"1 if {self.claim.name} holds at the point", "margin": self.claim.margin}

    def check(self, space) -> None:
        from ..sweep.space import SpecError

        if tuple(space.names) != self.claim.parameters:
            allowed = f"the claim's: {', '.join(self.claim.parameters)}"
            raise SpecError("parameters", list(space.names), allowed)

    def evaluate(self, values: dict[str, np.ndarray], rows: np.ndarray, seed: int) -> dict[str, np.ndarray]:
        seeds = [np.random.SeedSequence(seed, spawn_key=(2, int(r))) for r in rows]
        pts = {k: values[k] for k in self.claim.parameters}
        holds, margin = self.claim.evaluate(pts, seeds, self.ensemble)
        return {"holds": holds.astype(np.int8), "margin": margin}


@dataclass(frozen=True)
class ClaimResult:
    """Robustness of one claim over its plausible space (see the module docstring)."""

    claim: Claim
    samples: int
    seed: int
    design: str
    ensemble: int
    holds_at_defaults: bool
    margin_at_defaults: float
    n_holds: int
    share_holds: float
    ci_low: float
    ci_high: float
    verdict: str
    failure_boxes: list[dict]
    sensitivity: pd.DataFrame
    sensitivity_method: str
    points: pd.DataFrame = field(repr=False)
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.claim.name

    def failures_in_words(self) -> str:
        return "; ".join(b["text"] for b in self.failure_boxes) or "none"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.claim.model,
            "statement": self.claim.statement,
            "source": self.claim.source,
            "rule": self.claim.rule,
            "threshold": self.claim.threshold,
            "verdict": self.verdict,
            "share_holds": self.share_holds,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n_holds": self.n_holds,
            "samples": self.samples,
            "seed": self.seed,
            "design": self.design,
            "ensemble": self.ensemble,
            "holds_at_defaults": self.holds_at_defaults,
            "margin_at_defaults": self.margin_at_defaults,
            "defaults": self.claim.defaults,
            "failure_boxes": self.failure_boxes,
            "sensitivity_method": self.sensitivity_method,
            "sensitivity": self.sensitivity.reset_index().to_dict("records"),
            "space": self.claim.describe()["space"],
            "seconds": self.seconds,
        }

    def row(self) -> dict[str, Any]:
        """One row of the summary table."""
        top = self.sensitivity["S1"].dropna() if "S1" in self.sensitivity else pd.Series(dtype=float)
        return {
            "name": self.name,
            "model": self.claim.model,
            "verdict": self.verdict,
            "share_holds": self.share_holds,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "holds_at_defaults": self.holds_at_defaults,
            "samples": self.samples,
            "ensemble": self.ensemble,
            "seed": self.seed,
            "most_influential": str(top.idxmax()) if len(top) else "",
            "failure_boxes": self.failures_in_words(),
            "seconds": round(self.seconds, 1),
        }


def require_extras(claims: Sequence[Claim]) -> None:
    """Stop with one line naming the extra to install when a library the check needs is missing."""
    require_extra("SALib", "sweep", "moatlab claims check (Sobol' indices)")
    require_extra("ema_workbench", "sweep", "moatlab claims check (failure boxes)")
    for c in claims:
        for module, extra in c.requires:
            require_extra(module, extra, f"claim {c.name}")


def _check_int(name: str, v: Any, lo: int, hi: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo:
        raise ParameterError(name, v, f"an integer >= {lo}")
    if hi is not None and v > hi:
        raise ParameterError(name, v, f"an integer in [{lo}, {hi:,}]")
    return int(v)


def check_claim(
    claim: Claim | str,
    samples: int = 128,
    seed: int = 0,
    *,
    out: str | os.PathLike | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    resume: bool = False,
    ensemble: int | None = None,
    design: str = "lhs",
    sobol_base: int = 0,
    progress: Callable[[int], None] | None = None,
) -> ClaimResult:
    """Check one claim over its plausible space.

    Parameters
    ----------
    claim : Claim or str
        A claim or the name of a registered one.
    samples : int
        Points of the space to decide at.
    seed : int
        Seeds the design, every point's ensemble and the bootstrap; recorded in the result.
    out : path, optional
        Folder for the chunks of the sweep (resumable); nothing is written without it.
    workers, scheduler, client
        As in :func:`moatlab.sweep.run_sweep` (a local Dask cluster, a running scheduler, a client).
    resume : bool
        Continue the sweep already in ``out``.
    ensemble : int, optional
        Seeded runs per point of a stochastic claim (default: the claim's own; fewer runs widen its
        intervals, so a claim is never easier to pass).
    design : {"lhs", "sobol"}
        Latin hypercube (default) or scrambled Sobol' points.
    sobol_base : int
        When > 0, also estimate first- and total-order Sobol' indices of the margin from a Saltelli
        design of ``sobol_base·(k + 2)`` points (k parameters).

    Returns
    -------
    ClaimResult
    """
    from ..sweep import ParameterSpace, SweepSpec, run_sweep

    c = get(claim) if isinstance(claim, str) else claim
    require_extras([c])
    samples = _check_int("samples", samples, 2, MAX_SAMPLES)
    seed = _check_int("seed", seed, 0)
    sobol_base = _check_int("sobol_base", sobol_base, 0, MAX_SAMPLES)
    if design not in ("lhs", "sobol"):
        raise ParameterError("design", design, "one of lhs, sobol")
    e = c.ensemble if ensemble is None else _check_int("ensemble", ensemble, 2 if c.stochastic else 0)
    if not c.stochastic:
        e = 0
    t0 = time.perf_counter()
    space = ParameterSpace([a.parameter for a in c.space], ("holds", "margin"))
    chunk = max(1, min(c.chunk, samples))
    spec = SweepSpec(ClaimModel(c, e), space, design=design, samples=samples, seed=seed, chunk_size=chunk)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the Sobol' design warns about sample sizes not a power of 2
        ds = run_sweep(spec, out, workers=workers, scheduler=scheduler, client=client, resume=resume,
                       progress=progress)
    points = ds[[*c.parameters, "holds", "margin"]].to_dataframe().reset_index(drop=True)
    ok_def, m_def = c.at_defaults(seed, e)
    return _summarise(c, points, samples, seed, design, e, ok_def, m_def, sobol_base, spec, t0)


def _summarise(c, points, samples, seed, design, e, ok_def, m_def, sobol_base, spec, t0) -> ClaimResult:
    holds = points["holds"].to_numpy().astype(bool)
    k = int(holds.sum())
    n = holds.size
    share = k / n
    lo, hi = wilson(k, n)
    if not ok_def:
        verdict = "fails at defaults"
    elif share < 0.5:
        verdict = "fragile"
    else:
        verdict = "robust"
    boxes = failure_boxes(points, list(c.parameters))
    if sobol_base > 0:
        sens, method = _saltelli(spec, sobol_base, seed)
    else:
        sens, method = _given_data(points, list(c.parameters), seed)
    return ClaimResult(c, n, seed, design, e, ok_def, m_def, k, share, lo, hi, verdict, boxes, sens, method,
                       points, time.perf_counter() - t0)


def _given_data(points: pd.DataFrame, params: list[str], seed: int) -> tuple[pd.DataFrame, str]:
    """First-order Sobol' indices of the margin from the sample itself (SALib, given data)."""
    method = "first-order Sobol' indices of the margin from the sample (SALib given-data estimator)"
    y = points["margin"].to_numpy(float)
    idx = pd.Index(params, name="parameter")
    empty = pd.DataFrame({"S1": np.nan, "S1_conf": np.nan}, index=idx)
    fin = y[np.isfinite(y)]
    if fin.size < 20 or np.ptp(fin) <= 1e-9 * max(float(np.abs(fin).max()), 1e-12):
        return empty, method + ": not estimated (margin constant to 1e-9, or fewer than 20 points)"
    y = np.where(np.isfinite(y), y, fin.min())
    require_extra("SALib", "sweep", "the Sobol' indices of a claims check")
    from SALib.analyze import delta

    problem = {"num_vars": len(params), "names": params,
               "bounds": [[float(points[p].min()), float(points[p].max())] for p in params]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            si = delta.analyze(problem, points[params].to_numpy(float), y, seed=seed, method="sobol")
    return pd.DataFrame({"S1": np.asarray(si["S1"], float), "S1_conf": np.asarray(si["S1_conf"], float)},
                        index=idx), method


def _saltelli(spec, n: int, seed: int) -> tuple[pd.DataFrame, str]:
    require_extra("SALib", "sweep", "the Sobol' indices of a claims check")
    from ..sweep import sensitivity

    k = len(spec.space.uncertain)
    res = sensitivity(spec, "margin", method="sobol", n=n, seed=seed, nan=None)
    return res.table[["S1", "S1_conf", "ST", "ST_conf"]], (
        f"first- and total-order Sobol' indices of the margin (Saltelli design, {n * (k + 2):,} points)")


def _fmt(v: float) -> str:
    a = abs(v)
    if a == 0 or 1e-3 <= a < 1e5:
        return f"{v:.3g}" if a < 1000 else f"{v:,.0f}"
    return f"{v:.2e}"


def box_words(limits: pd.DataFrame, full: pd.DataFrame) -> str:
    """A PRIM box as conditions in words: ``quality_sensitivity < 0.9 and demand_growth > 0.02``."""
    parts = []
    for p, row in limits.iterrows():
        lo_cut = row["min"] > full.loc["min", p]
        hi_cut = row["max"] < full.loc["max", p]
        if lo_cut and hi_cut:
            parts.append(f"{_fmt(row['min'])} ≤ {p} ≤ {_fmt(row['max'])}")
        elif lo_cut:
            parts.append(f"{p} > {_fmt(row['min'])}")
        elif hi_cut:
            parts.append(f"{p} < {_fmt(row['max'])}")
    return " and ".join(parts)


def failure_boxes(points: pd.DataFrame, params: list[str], max_boxes: int = MAX_BOXES,
                  density: float = 0.8) -> list[dict]:
    """PRIM boxes of the failing points, peeled one after another, each with its text."""
    fails = ~points["holds"].to_numpy().astype(bool)
    n = fails.size
    if not fails.any():
        return []
    if fails.all():
        return [{"text": "fails at every sampled point", "limits": {}, "mass": 1.0, "density": 1.0,
                 "coverage": 1.0}]
    require_extra("ema_workbench", "sweep", "the failure boxes of a claims check")
    varying = [p for p in params if points[p].nunique() > 1]
    full = points[varying].agg(["min", "max"])
    left = np.ones(n, bool)
    boxes: list[dict] = []
    total = int(fails.sum())
    while len(boxes) < max_boxes:
        rest = fails & left
        if rest.sum() < max(3, 0.1 * total):
            break
        table = points.loc[left, varying].assign(fails=fails[left].astype(int))
        try:
            from ..sweep import discover

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = discover(table, "fails", parameters=varying, threshold=density)
        except (ValueError, KeyError, IndexError, np.linalg.LinAlgError):
            break
        if res.limits.empty or not res.threshold_met:
            if not boxes:
                boxes.append({"text": f"fails on {total / n:.0%} of the space, scattered: no box of density "
                                      f"≥ {density:.0%} describes it", "limits": {}, "mass": float(total / n),
                              "density": float(total / n), "coverage": 1.0})
            break
        inside = np.ones(n, bool)
        for p, row in res.limits.iterrows():
            inside &= (points[p].to_numpy() >= row["min"]) & (points[p].to_numpy() <= row["max"])
        box = inside & left
        mass = box.sum() / n
        dens = fails[box].mean() if box.any() else 0.0
        cov = (fails & box).sum() / total
        words = box_words(res.limits, full)
        boxes.append({
            "text": f"fails when {words}: {mass:.0%} of the space (fails at {dens:.0%} of it; "
                    f"{cov:.0%} of all failures)",
            "limits": {p: [float(r["min"]), float(r["max"])] for p, r in res.limits.iterrows()},
            "mass": float(mass), "density": float(dens), "coverage": float(cov),
        })
        left &= ~inside
    if not boxes:
        boxes.append({"text": f"fails at {total} of {n} points, too few for a box", "limits": {},
                      "mass": float(total / n), "density": float(total / n), "coverage": 1.0})
    return boxes


def check_claims(
    names: Sequence[str] | None = None,
    samples: int = 128,
    seed: int = 0,
    *,
    out: str | os.PathLike | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    ensemble: int | None = None,
    sobol_base: int = 0,
    figures: bool = True,
    command: str | None = None,
    on_result: Callable[[ClaimResult], None] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[ClaimResult]:
    """Check several claims (default: every registered one) and, with ``out``, write the report.

    ``out`` receives ``<NAME>/sweep/`` (the chunks; resumable), ``<NAME>/points.csv``,
    ``<NAME>/result.json``, ``<NAME>/claim.png`` and ``summary.csv`` / ``summary.json`` (one row per
    claim, with the seed, the sample size and ``command``).
    """
    from .registry import all_claims

    claims = [get(n) for n in names] if names else all_claims()
    require_extras(claims)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ParameterError("workers", workers, "an integer >= 1")
    if workers and workers > 1 and scheduler:
        raise ClaimError("--workers and --scheduler are not allowed together: give one")
    _check_int("samples", samples, 2, MAX_SAMPLES)  # every bad value refused before a folder is made
    _check_int("seed", seed, 0)
    _check_int("sobol_base", sobol_base, 0, MAX_SAMPLES)
    for c in claims if ensemble is not None else ():
        _check_int("ensemble", ensemble, 2 if c.stochastic else 0)
    root = Path(out) if out is not None else None
    if root is not None:
        if root.exists() and not root.is_dir():
            raise ClaimError(f"out = '{root}' is not allowed: must be a folder (a file of that name exists)")
        if root.exists() and any(root.iterdir()) and not resume:
            raise ClaimError(f"out = '{root}' is not allowed: must be a new or empty folder (or --resume it)")
    results = []
    ctx = _cluster(workers, scheduler)
    with ctx as client:
        for c in claims:
            sub = root / c.name if root is not None else None
            if sub is not None:
                sub.mkdir(parents=True, exist_ok=True)
            cb = (lambda k, c=c: progress(c.name, k, samples)) if progress else None
            res = check_claim(c, samples, seed, out=None if sub is None else sub / "sweep", client=client,
                              resume=resume and sub is not None and (sub / "sweep" / "sweep.json").exists(),
                              ensemble=ensemble, sobol_base=sobol_base, progress=cb)
            if sub is not None:
                _write_one(res, sub, figures)
            results.append(res)
            if on_result:
                on_result(res)
    if root is not None:
        write_summary(results, root, command=command)
        if figures and results:
            from ..plots import figure_bytes
            from ..plots.claims import plot_summary

            _atomic_write(root / "summary.png", figure_bytes(plot_summary(results), "png"))
    return results


class _NoCluster:
    def __enter__(self):
        return None

    def __exit__(self, *a):
        return False


def _cluster(workers, scheduler):
    if (workers or 1) == 1 and not scheduler:
        return _NoCluster()
    from ..sweep.runner import _client

    return _client(workers, scheduler)


def _atomic_write(path: Path, data: str | bytes) -> None:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    (tmp.write_bytes if isinstance(data, bytes) else tmp.write_text)(data)
    os.replace(tmp, path)


def _dumps(obj: Any) -> str:
    def clean(v: Any) -> Any:
        if isinstance(v, float | np.floating):
            return float(v) if math.isfinite(v) else None
        if isinstance(v, np.integer):
            return int(v)
        if isinstance(v, np.bool_):
            return bool(v)
        if isinstance(v, dict):
            return {str(k): clean(w) for k, w in v.items()}
        if isinstance(v, list | tuple):
            return [clean(w) for w in v]
        return v

    return json.dumps(clean(obj), indent=1, ensure_ascii=False)


def _write_one(res: ClaimResult, sub: Path, figures: bool) -> None:
    _atomic_write(sub / "points.csv", res.points.to_csv(index=False))
    _atomic_write(sub / "result.json", _dumps(res.to_dict()))
    if figures:
        from ..plots import figure_bytes
        from ..plots.claims import plot_claim

        _atomic_write(sub / "claim.png", figure_bytes(plot_claim(res), "png"))


def summary_table(results: Sequence[ClaimResult]) -> pd.DataFrame:
    """One row per claim: name, model, verdict, share_holds, ci_low, ci_high, failure_boxes…"""
    return pd.DataFrame([r.row() for r in results])


def write_summary(results: Sequence[ClaimResult], root: Path, command: str | None = None) -> dict:
    """Write ``summary.csv`` and ``summary.json`` into ``root``; returns the JSON payload."""
    payload = {
        "command": command,
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seed": results[0].seed if results else None,
        "samples": results[0].samples if results else None,
        "claims": [{**r.row(), "failure_boxes": r.failure_boxes, "statement": r.claim.statement,
                    "rule": r.claim.rule, "sensitivity": r.sensitivity.reset_index().to_dict("records"),
                    "sensitivity_method": r.sensitivity_method} for r in results],
    }
    root.mkdir(parents=True, exist_ok=True)
    _atomic_write(root / "summary.csv", summary_table(results).to_csv(index=False))
    _atomic_write(root / "summary.json", _dumps(payload))
    return payload


def verdicts(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The verdicts of the last full check (packaged with moatlab), or of a ``summary.json`` at ``path``.

    Returns a DataFrame indexed by claim name with ``model``, ``verdict``, ``share_holds``,
    ``ci_low``, ``ci_high``, ``holds_at_defaults``, ``failure_boxes`` (in words) and ``samples``; its
    ``attrs`` hold the ``command`` that produced it, its ``date`` and ``seed``.

    >>> v = verdicts()
    >>> set(v["verdict"]) <= {"robust", "fragile", "fails at defaults"}
    True
    """
    p = Path(path) if path is not None else RESULTS
    if p.is_dir():
        p = p / "summary.json"
    if not p.exists():
        from ..errors import InputFileError

        raise InputFileError(f"{p}: no claims results there (run `moatlab claims check --out DIR`)")
    data = json.loads(p.read_text())
    rows = []
    for c in data["claims"]:
        boxes = c.get("failure_boxes", [])
        text = "; ".join(b["text"] for b in boxes) if isinstance(boxes, list) else str(boxes)
        rows.append({k: c.get(k) for k in ("name", "model", "verdict", "share_holds", "ci_low", "ci_high",
                                            "holds_at_defaults", "samples", "ensemble")}
                    | {"failure_boxes": text or "none"})
    df = pd.DataFrame(rows).set_index("name")
    df.attrs.update(command=data.get("command"), date=data.get("date"), seed=data.get("seed"))
    return df


def markdown(v: pd.DataFrame) -> str:
    """The verdicts as the Markdown table of docs/claims.md (one row per claim)."""
    lines = ["| claim | model | verdict | holds on (95 % interval) | points | where it fails |",
             "|---|---|---|---|---|---|"]
    for name, r in v.iterrows():
        share = f"{r['share_holds']:.0%} [{r['ci_low']:.0%}, {r['ci_high']:.0%}]"
        lines.append(f"| {name} | {r['model']} | {r['verdict']} | {share} | {int(r['samples'])} "
                     f"| {r['failure_boxes']} |")
    return "\n".join(lines)
