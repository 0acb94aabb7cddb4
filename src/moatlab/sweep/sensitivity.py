"""Global sensitivity analysis (Sobol' indices, Morris screening) of any outcome, via SALib.

For outcome Y = f(X₁ … X_k) with independent inputs (each with its own distribution):

    first order   S_i  = Var(E[Y | X_i]) / Var(Y)           (share of variance X_i explains alone)
    total order   S_Ti = E[Var(Y | X_~i)] / Var(Y)          (share it touches, with interactions)
    Morris        μ*_i = mean |elementary effect of X_i|    (screening; σ_i flags interactions)

SALib draws the Saltelli (or Morris) design in the unit hypercube; each parameter's ``ppf``
maps it to the parameter's distribution, so non-uniform inputs are handled exactly. Confidence
intervals come from SALib's bootstrap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import _limits
from .space import SpecError
from .spec import SweepSpec

METHODS = ("sobol", "morris")


@dataclass(frozen=True)
class SensitivityResult:
    """Indices of one outcome: ``table`` has one row per uncertain parameter.

    Sobol': columns ``S1, S1_conf, ST, ST_conf`` (conf = half-width of the interval).
    Morris: columns ``mu_star, mu_star_conf, mu, sigma``.
    """

    method: str
    outcome: str
    table: pd.DataFrame
    evaluations: int
    conf_level: float

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "outcome": self.outcome,
            "evaluations": self.evaluations,
            "conf_level": self.conf_level,
            "indices": self.table.reset_index().to_dict("records"),
        }


def evaluate_table(spec: SweepSpec, u: np.ndarray, chunk: int | None = None, progress=None) -> dict:
    """Evaluate the model at unit-hypercube rows ``u`` in chunks; returns all outcomes."""
    chunk = chunk or spec.chunk_size
    parts = []
    for a in range(0, u.shape[0], chunk):
        b = min(a + chunk, u.shape[0])
        parts.append(spec.model.evaluate(spec.space.values(u[a:b]), np.arange(a, b), spec.seed))
        if progress:
            progress(b - a)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _outcome(spec: SweepSpec, outcome: str, y: np.ndarray, nan: float | None) -> np.ndarray:
    y = np.asarray(y, float)
    if np.isnan(y).any():
        if nan is None:
            raise SpecError(
                "outcome",
                outcome,
                f"an outcome without NaN ({np.isnan(y).mean():.1%} of "
                "its values are NaN): pass nan=<value> or pick another (e.g. openness)",
            )
        y = np.where(np.isnan(y), nan, y)
    return y


def sensitivity(
    spec: SweepSpec,
    outcome: str,
    *,
    method: str = "sobol",
    n: int = 1024,
    seed: int | None = None,
    conf_level: float = 0.95,
    num_resamples: int = 100,
    num_levels: int = 4,
    nan: float | None = None,
    progress=None,
) -> SensitivityResult:
    """Sobol' (first/total order) or Morris indices of ``outcome`` over ``spec``'s uncertain parameters.

    Parameters
    ----------
    spec : SweepSpec
        Model and parameter space (its design and samples are not used).
    outcome : str
        An outcome of the model.
    method : {"sobol", "morris"}
    n : int
        Base samples: Sobol' evaluates n·(k + 2) points, Morris n·(k + 1) (k uncertain parameters).
        Powers of two suit Sobol' best.
    seed : int, optional
        Seeds the design and the bootstrap (default: the spec's seed).
    conf_level : float
        Level of the bootstrap confidence intervals.
    nan : float, optional
        Value replacing NaN outcomes (e.g. 0 for openness on exit); NaN is an error otherwise.

    Returns
    -------
    SensitivityResult
    """
    from SALib.analyze import morris as morris_a
    from SALib.analyze import sobol as sobol_a
    from SALib.sample import morris as morris_s
    from SALib.sample import sobol as sobol_s

    if method not in METHODS:
        raise SpecError("method", method, "one of " + ", ".join(METHODS))
    if outcome not in spec.model.outcomes:
        raise SpecError("outcome", outcome, "one of " + ", ".join(spec.model.outcomes))
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise SpecError("n", n, "an integer >= 2")
    if not 0 < conf_level < 1:
        raise SpecError("conf_level", conf_level, "in (0, 1)")
    if nan is not None and not math.isfinite(nan):
        raise SpecError("nan", nan, "a finite number (the value that replaces NaN outcomes)")
    names = list(spec.space.uncertain)
    runs = n * (len(names) + (2 if method == "sobol" else 1))
    _limits.check("sweep_points", runs, f"n × (parameters + {2 if method == 'sobol' else 1}) model runs")
    seed = spec.seed if seed is None else seed
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    if method == "sobol":
        u = sobol_s.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    else:
        u = morris_s.sample(problem, n, num_levels=num_levels, seed=seed)
    y = _outcome(spec, outcome, evaluate_table(spec, u, progress=progress)[outcome], nan)
    if method == "sobol":
        si = sobol_a.analyze(
            problem, y, calc_second_order=False, num_resamples=num_resamples, conf_level=conf_level, seed=seed
        )
        cols = ["S1", "S1_conf", "ST", "ST_conf"]
    else:
        si = morris_a.analyze(
            problem,
            u,
            y,
            conf_level=conf_level,
            num_resamples=num_resamples,
            num_levels=num_levels,
            seed=seed,
        )
        cols = ["mu_star", "mu_star_conf", "mu", "sigma"]
    table = pd.DataFrame({c: np.asarray(si[c], float) for c in cols}, index=pd.Index(names, name="parameter"))
    return SensitivityResult(method, outcome, table, int(u.shape[0]), conf_level)
