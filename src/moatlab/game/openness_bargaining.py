r"""Stage 1 of the openness game: G and D bargain over the share rule before G picks ω.

Qiu, Laufer, Kleinberg and Heidari ("Modeling the Economic Impacts of AI Openness Regulation",
NeurIPS 2025) open their game with a bargaining stage: after the regulator announces
π = (θ, p, penalty form) and before G chooses its openness, G and D agree on the revenue-share
rule. moatlab parametrises the rule by a *share schedule* with one free parameter s:

.. math::

    \text{scale (default)}:\ \delta(\omega; s) = s\,(1-\omega) \qquad
    \text{constant}:\ \delta(\omega; s) = s \qquad
    \text{user}:\ \delta(\omega; s) = f(\omega, s),

with s ∈ [0, 1] (the scale schedule bargains over δ0, so the default forms keep their exact
closed form). For each s the rest of the game (G's release or exit, D's fine-tuning or
abstention) is the subgame-perfect continuation of :mod:`moatlab.game.solver`, giving
:math:`(U_G(s), U_D(s))` and the product's quality α1(s); a bargaining solution of
:mod:`moatlab.game.bargaining` picks s. The disagreement point is (0, 0): G can always exit and D
can always abstain, so every share is individually rational and the players always agree.

Why this matters. Without stage 1, D's best response does not depend on the policy and a
penalty is never negative, so no (θ, p) can make both players better off than no regulation.
With it, the share is renegotiated under the policy: a threshold that forces openness G would
not choose itself (a commitment G cannot make alone) can raise the joint surplus, and the
bargained share can split the gain so that both gain.

Implementation: for a block of points, every candidate share of every point is solved in one
call of the vectorised solver (the points' parameters repeated once per share); a share
schedule other than ``scale`` runs on the numpy numerical path (:class:`ScheduleKernel`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._validate import ParameterError
from ..forms import Form1, GameForms
from .bargaining import GRID_DEFAULT, GRID_MAX, SOLUTIONS, bargain
from .numerical import NumericalKernel
from .solver import equilibria_flat, references_flat

__all__ = ["SCHEDULES", "ScheduleKernel", "bargained_flat", "check_bargaining", "check_work", "is_numerical"]

#: Built-in share schedules: the free parameter s of δ(ω; s).
SCHEDULES = ("scale", "constant")
SHARE_BOUNDS = (0.0, 1.0)
#: Most points per block: the grid stage holds block × grid parameter sets at once; with a large
#: share grid the block is smaller (:func:`moatlab._limits.bargaining_block`), so that its memory
#: stays within the ``block_bytes`` budget whatever ``share_grid`` is.
BLOCK = 8192
Schedule = Callable[[np.ndarray, np.ndarray], np.ndarray]


class ScheduleKernel(NumericalKernel):
    """The numerical kernel with G's share δ(ω) = schedule(ω, s), s read from ``p["share_s"]``."""

    def __init__(self, p: dict[str, np.ndarray], forms: GameForms, schedule: str | Schedule):
        super().__init__(p, forms)
        self.schedule = schedule
        s = self.col["share_s"]
        if schedule == "constant":
            self.share = Form1(lambda w: s + 0.0 * w, "constant", lambda w: 0.0 * w + 0.0 * s,
                               lambda w: 0.0 * w + 0.0 * s)
        else:
            fn = schedule
            self.share = Form1(lambda w: fn(w, s), getattr(fn, "__name__", "schedule"))

    def subset(self, idx: np.ndarray) -> ScheduleKernel:
        return ScheduleKernel({k: v[idx] for k, v in self.p.items()}, self.forms, self.schedule)


def check_bargaining(bargaining: str, schedule: str | Schedule, forms: GameForms, method: str,
                     share_grid: int) -> None:
    """Validate the bargaining options together with the forms and the method."""
    if bargaining not in SOLUTIONS:
        raise ParameterError("bargaining", bargaining, "one of " + ", ".join(SOLUTIONS))
    if not callable(schedule) and schedule not in SCHEDULES:
        raise ParameterError("schedule", schedule,
                             "one of " + ", ".join(SCHEDULES) + " or a callable f(ω, s)")
    if (isinstance(share_grid, bool) or not isinstance(share_grid, int | np.integer)
            or not 3 <= share_grid <= GRID_MAX):
        raise ParameterError("share_grid", share_grid, f"an integer in [3, {GRID_MAX}]")
    if bargaining == "fixed":
        return
    if forms.share is not None:
        raise ParameterError("forms.share", "a replaced share form",
                             "the default share when bargaining (pass the share rule as schedule=f(ω, s))")
    if schedule != "scale" and method == "closed_form":
        raise ParameterError("method", method,
                             "'numerical' or 'auto' with a share schedule other than 'scale'")


def is_numerical(forms: GameForms, method: str, schedule: str | Schedule = "scale") -> bool:
    """Whether the game is solved on the numerical path (costlier than the closed form)."""
    return method == "numerical" or not forms.is_default or (callable(schedule) or schedule != "scale")


def check_work(points: float, what: str, bargaining: str, schedule: str | Schedule, forms: GameForms,
               method: str, share_grid: int) -> int:
    """Check the ``game_solves`` budget for ``points`` bargaining problems (before allocating).

    ``points`` counts every bargaining problem of the call, welfare references included. Returns
    the game solves a point costs (:func:`moatlab._limits.bargaining_shares`).
    """
    from .. import _limits

    shares = _limits.bargaining_shares(bargaining, share_grid)
    numerical = is_numerical(forms, method, schedule)
    cost = _limits.solve_cost(numerical, forms.omega_grid)
    path = f", numerical path × omega_grid {forms.omega_grid}" if numerical else ""
    _limits.check("game_solves", _limits.product(points, shares, cost),
                  f"{what} with {bargaining} bargaining ({shares} shares a point{path})")
    _limits.bargaining_block(share_grid, numerical, forms.omega_grid, BLOCK)
    return shares


def _kernel(schedule: str | Schedule, forms: GameForms):
    if schedule == "scale":
        return None  # the share is δ0 (1 − ω): the solver's own kernels, closed form included
    return lambda p: ScheduleKernel(p, forms, schedule)


def _with_share(p: dict[str, np.ndarray], s: np.ndarray, schedule: str | Schedule) -> dict[str, np.ndarray]:
    q = dict(p)
    q["delta0" if schedule == "scale" else "share_s"] = np.ascontiguousarray(s, dtype=float)
    return q


def bargained_flat(p: dict[str, np.ndarray], form: str, forms: GameForms, method: str, bargaining: str,
                   schedule: str | Schedule = "scale", share_grid: int = GRID_DEFAULT,
                   reference: str | None = None, xtol: float = 1e-9,
                   keep_pareto: bool = True) -> dict[str, np.ndarray]:
    """Bargain over s at every flat point, then solve the game at the agreed share.

    Parameters
    ----------
    p : dict of 1-D arrays
        Validated, flat parameters (as :meth:`GameParams.flat` returns).
    form : str
        The penalty form.
    forms, method
        As in :func:`moatlab.game.solve`.
    bargaining : str
        A bargaining solution other than ``fixed``.
    schedule : {'scale', 'constant'} or callable
        The share schedule δ(ω; s).
    share_grid : int
        Grid points over s ∈ [0, 1] before refinement.
    reference : {None, 'no_regulation', 'no_exemption'}
        Bargain over the continuation of a welfare reference instead of the regulated game.
    keep_pareto : bool
        Return ``share_pareto`` (N × share_grid bytes); without it, it is dropped block by block.

    Returns
    -------
    dict of arrays
        The solver's outputs at the agreed share (the reference's outputs when ``reference`` is
        set), plus ``share`` (s), ``agreed``, ``pareto_lo`` and ``pareto_hi`` (the smallest and
        largest Pareto-efficient grid shares) and, with ``keep_pareto``, ``share_pareto``
        (N × share_grid, 1 where the grid share is Pareto efficient).
    """
    kernel = _kernel(schedule, forms)

    def run(q: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if reference is None:
            return equilibria_flat(q, form, forms, method, kernel)
        return references_flat(q, reference, form, forms, method, kernel)

    from .._limits import bargaining_block

    n = next(iter(p.values())).shape[0]
    block = bargaining_block(share_grid, is_numerical(forms, method, schedule), forms.omega_grid, BLOCK)
    parts = []
    for i in range(0, n, block):
        pc = {k: v[i:i + block] for k, v in p.items()}
        m = next(iter(pc.values())).shape[0]

        def cont(s: np.ndarray, pc=pc, m=m):
            k = s.shape[-1]
            q = _with_share({name: np.repeat(v, k) for name, v in pc.items()}, s.reshape(-1), schedule)
            o = run(q)
            return tuple(o[key].reshape(m, k) for key in ("U_G", "U_D", "alpha1"))

        res = bargain(cont, SHARE_BOUNDS[0], SHARE_BOUNDS[1], bargaining, shape=(m,), grid=share_grid,
                      xtol=xtol)
        fallback = pc["delta0"] if schedule == "scale" else np.full(m, np.nan)
        share = np.where(res.agreed, res.share, fallback)
        out = run(_with_share(pc, np.nan_to_num(share, nan=0.0), schedule))
        lo, hi = res.pareto_range()
        out.update(share=share, agreed=res.agreed.astype(np.int8), pareto_lo=lo, pareto_hi=hi)
        if keep_pareto:
            out["share_pareto"] = res.pareto.astype(np.int8)
        parts.append(out)
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([q[k] for q in parts]) for k in parts[0]}


def share_grid_values(share_grid: int) -> np.ndarray:
    """The grid of s on which the Pareto set is reported."""
    s = np.linspace(SHARE_BOUNDS[0], SHARE_BOUNDS[1], share_grid)
    s[-1] = SHARE_BOUNDS[1]
    return s


def describe(bargaining: str, schedule: Any) -> str:
    """One line naming the bargaining solution and schedule (for attrs and CLI output)."""
    if bargaining == "fixed":
        return "fixed share δ(ω) = δ0 (1 − ω) (no bargaining)"
    name = schedule if isinstance(schedule, str) else getattr(schedule, "__name__", "user")
    return f"{bargaining} bargaining over the share schedule '{name}'"
