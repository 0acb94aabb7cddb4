"""Robust policy search for the openness game: which (θ, p) do well whatever the parameters are?

Given distributions over the game's parameters (α0, ε, λ…), a policy (θ, p) is scored by
expectations over the same ``draws`` for every policy (common random numbers, so differences
between policies are not noise)::

    J(θ, p) = E[objective | θ, p]                     e.g. E[openness], E[U_D], E[surplus]
    feasible  ⇔  P(exit | θ, p) <= max_exit  and  P(defy | θ, p) <= max_defy   (and any others)

The search evaluates a ``grid × grid`` lattice over the policy box, then zooms ``refine`` times
on the best feasible policy (a lattice of the same size over ± one previous step). Every policy
evaluated is kept; the Pareto front over two objectives is taken among the feasible ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import _limits
from .models import GameModel
from .space import Parameter, ParameterSpace, SpecError
from .spec import unit_rows

POLICY = ("theta", "penalty")


@dataclass(frozen=True)
class PolicyResult:
    """Outcome of :func:`policy_search`.

    ``best``: the best feasible policy (``None`` when no policy meets the constraints) with its
    expected objectives and constraint probabilities; ``candidates``: every policy evaluated
    (columns theta, penalty, the objectives, ``P_<constraint>``, feasible, pareto, stage).
    """

    objective: str
    second: str | None
    constraints: dict[str, float]
    draws: int
    best: dict | None
    candidates: pd.DataFrame

    @property
    def front(self) -> pd.DataFrame:
        """The Pareto-efficient feasible policies, sorted by the first objective."""
        return self.candidates[self.candidates["pareto"]].sort_values(self.objective)

    def to_dict(self) -> dict:
        return {
            "objective": self.objective,
            "second": self.second,
            "constraints": self.constraints,
            "draws": self.draws,
            "best": self.best,
            "evaluated": len(self.candidates),
            "front": self.front.to_dict("records") if self.second else [],
        }


def pareto_mask(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where no other point is at least as good on both (maximised) and better on one."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    order = np.lexsort((-b, -a))  # by a descending, then b descending
    mask = np.zeros(a.size, bool)
    best_b = -np.inf
    for i in order:
        if b[i] > best_b:
            mask[i] = True
            best_b = b[i]
    return mask


def _space(uncertain) -> ParameterSpace:
    if isinstance(uncertain, ParameterSpace):
        return uncertain
    if isinstance(uncertain, Parameter):
        uncertain = [uncertain]
    return ParameterSpace(tuple(uncertain))


def policy_search(
    uncertain: ParameterSpace | Sequence[Parameter],
    *,
    objective: str = "openness",
    second: str | None = None,
    constraints: Mapping[str, float] | None = None,
    theta: tuple[float, float] = (0.0, 1.0),
    penalty: tuple[float, float] = (0.0, 1.0),
    penalty_form: str = "lump_sum",
    draws: int = 512,
    grid: int = 21,
    refine: int = 3,
    seed: int = 0,
) -> PolicyResult:
    """Find the (θ, p) maximising an expected objective subject to probability constraints.

    Parameters
    ----------
    uncertain : ParameterSpace or list of Parameter
        Distributions (or fixed values) of the game's other parameters; not ``theta``/``penalty``.
    objective, second : str
        Game outcomes to maximise in expectation (``openness``, ``U_D``, ``U_G``, ``surplus``,
        ``participates``…); ``second`` adds a Pareto front over the two.
    constraints : dict
        ``{indicator: bound}``: P(indicator) <= bound, e.g. ``{"exits": 0.05, "defies": 0.2}``.
    theta, penalty : (low, high)
        The box of policies searched.
    draws : int
        Parameter draws (scrambled Sobol') shared by every policy.
    grid, refine : int
        Lattice size per axis and number of zoom steps.
    seed : int

    Returns
    -------
    PolicyResult

    Examples
    --------
    >>> from moatlab.sweep import Uniform, policy_search
    >>> r = policy_search([Uniform("alpha0", 0.05, 0.4)], objective="openness",
    ...                   constraints={"exits": 0.0}, draws=64, grid=5, refine=1)
    >>> r.best["P_exits"] <= 0.0
    True
    """
    for f, v, lo in (("draws", draws, 2), ("grid", grid, 2), ("refine", refine, 0), ("seed", seed, 0)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo:
            raise SpecError(f, v, f"an integer >= {lo}")
    _limits.check("policy_draws", draws, "draws")
    _limits.check("policy_evaluations", _limits.product(grid, grid, draws, refine + 1),
                  "grid² × draws × (refine + 1)")
    for f, o in (("objective", objective), ("second", second)):
        if o is not None and not isinstance(o, str):
            raise SpecError(f, o, "the name of a game outcome (a string)")
    space = _space(uncertain)
    model = GameModel(penalty_form=penalty_form)
    for n in POLICY:
        if n in space.names:
            raise SpecError(f"parameters.{n}", n, "left out: the policy (theta, penalty) is what is searched")
    if constraints is not None and not isinstance(constraints, Mapping):
        raise SpecError("constraints", constraints, "a table {indicator = bound}, e.g. {exits = 0.05}")
    constraints = dict(constraints or {})
    outs = model.outcomes
    for f, o in (("objective", objective), ("second", second)):
        if o is not None and o not in outs:
            raise SpecError(f, o, "one of " + ", ".join(outs))
    for k, v in constraints.items():
        if k not in ("exits", "defies", "complies", "not_binding", "participates"):
            raise SpecError(
                f"constraints.{k}", v, "a bound on exits, defies, complies, not_binding or participates"
            )
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            raise SpecError(f"constraints.{k}", v, "a probability in [0, 1]")
    for f, box, hi in (
        ("theta", theta, 1.0),
        ("penalty", penalty, 1.0 if penalty_form == "turnover" else np.inf),
    ):
        ok = (
            isinstance(box, Sequence) and not isinstance(box, str) and len(box) == 2
            and all(isinstance(b, int | float | np.number) and not isinstance(b, bool) for b in box)
        )
        if not ok or not 0 <= box[0] < box[1] <= hi:
            shown = tuple(box) if isinstance(box, Sequence) and not isinstance(box, str) else box
            raise SpecError(f, shown, f"(low, high) with 0 <= low < high <= {hi:g}")
    model.check(space)
    base = (
        space.values(unit_rows("sobol", max(1, len(space.uncertain)), seed, 0, draws, draws))
        if space.uncertain
        else {k: np.full(draws, v) for k, v in space.fixed.items()}
    )
    wanted = [objective] + ([second] if second else []) + list(constraints)

    def score(th: np.ndarray, pe: np.ndarray) -> dict[str, np.ndarray]:
        out: dict[str, list] = {k: [] for k in wanted}
        step = max(1, 2_000_000 // draws)
        for a in range(0, th.size, step):
            t, p = th[a : a + step], pe[a : a + step]
            vals = {k: np.broadcast_to(v[None, :], (t.size, draws)).ravel() for k, v in base.items()}
            vals["theta"] = np.repeat(t, draws)
            vals["penalty"] = np.repeat(p, draws)
            res = model.evaluate(vals, np.arange(t.size * draws), seed)
            for k in wanted:
                out[k].append(np.asarray(res[k], float).reshape(t.size, draws).mean(axis=1))
        return {k: np.concatenate(v) for k, v in out.items()}

    frames = []
    lo_t, hi_t = theta
    lo_p, hi_p = penalty
    best = None
    for stage in range(refine + 1):
        tt, pp = np.meshgrid(np.linspace(lo_t, hi_t, grid), np.linspace(lo_p, hi_p, grid), indexing="ij")
        th, pe = tt.ravel(), pp.ravel()
        s = score(th, pe)
        df = pd.DataFrame({"theta": th, "penalty": pe, objective: s[objective]})
        if second:
            df[second] = s[second]
        feas = np.ones(th.size, bool)
        for k, bound in constraints.items():
            df[f"P_{k}"] = s[k]
            feas &= s[k] <= bound + 1e-12
        df["feasible"] = feas
        df["stage"] = stage
        frames.append(df)
        if not feas.any():
            break
        i = int(np.argmax(np.where(feas, s[objective], -np.inf)))
        if best is None or s[objective][i] > best[objective]:
            best = df.iloc[i].to_dict()
        dt, dp = (hi_t - lo_t) / (grid - 1), (hi_p - lo_p) / (grid - 1)
        lo_t, hi_t = max(theta[0], best["theta"] - dt), min(theta[1], best["theta"] + dt)
        lo_p, hi_p = max(penalty[0], best["penalty"] - dp), min(penalty[1], best["penalty"] + dp)
    cand = pd.concat(frames, ignore_index=True).drop_duplicates(["theta", "penalty"])
    cand["pareto"] = False
    if second:
        f = cand["feasible"].to_numpy()
        m = np.zeros(len(cand), bool)
        m[f] = pareto_mask(cand[objective].to_numpy()[f], cand[second].to_numpy()[f])
        cand["pareto"] = m
    if best is not None:
        best = {
            k: (bool(v) if k in ("feasible",) else int(v) if k == "stage" else float(v))
            for k, v in best.items()
        }
    return PolicyResult(objective, second, constraints, draws, best, cand.reset_index(drop=True))


_POLICY_KEYS = {"objective", "second", "constraints", "theta", "penalty", "draws", "grid", "refine", "seed"}
#: Top-level fields of a policy file: its own, and a sweep specification's (one file may serve both).
_FILE_KEYS = {
    "model", "options", "parameters", "policy", "seed", "design", "samples", "chunk_size", "outcomes"
}


def policy_from_dict(d: dict) -> dict:
    """Keyword arguments of :func:`policy_search` from a spec (``[parameters]`` + ``[policy]``)."""
    from .space import parse_parameter

    for k in d:
        if k not in _FILE_KEYS:
            raise SpecError(k, d[k], "a known field: " + ", ".join(sorted(_FILE_KEYS)))
    if d.get("model", "game") != "game":
        raise SpecError("model", d.get("model"), "'game' (policy search is for the openness game)")
    params = d.get("parameters", {})
    if not isinstance(params, dict):
        raise SpecError("parameters", params, "a table")
    pol = d.get("policy")
    if not isinstance(pol, dict):
        raise SpecError("policy", pol, "a [policy] table (objective, constraints, theta, penalty…)")
    for k in pol:
        if k not in _POLICY_KEYS:
            raise SpecError(f"policy.{k}", pol[k], "a known field: " + ", ".join(sorted(_POLICY_KEYS)))
    opts = d.get("options", {}) or {}
    if not isinstance(opts, dict):
        raise SpecError("options", opts, "a table (penalty_form)")
    for k in opts:
        if k != "penalty_form":
            raise SpecError(f"options.{k}", opts[k], "penalty_form (the only option of a policy search)")
    kw = {k: (tuple(v) if k in ("theta", "penalty") and isinstance(v, list) else v) for k, v in pol.items()}
    kw["uncertain"] = ParameterSpace(tuple(parse_parameter(k, v) for k, v in params.items()))
    if "penalty_form" in opts:
        kw["penalty_form"] = opts["penalty_form"]
    if "seed" not in kw and "seed" in d:
        kw["seed"] = d["seed"]
    return kw
