r"""Stage 1 of the openness game: G and D bargain over the share rule before G picks ω.

Qiu, Laufer, Kleinberg and Heidari ("Modeling the Economic Impacts of AI Openness Regulation",
NeurIPS 2025) open their game with a bargaining stage: after the regulator announces
π = (θ, p, penalty form) and before G chooses its openness, G and D agree on the revenue-share
rule. moatlab parametrises the rule by a *share schedule* with one free parameter s:

.. math::

    \text{scale (default)}:\ \delta(\omega; s) = s\,(1-\omega) \qquad
    \text{constant}:\ \delta(\omega; s) = s \qquad
    \text{user}:\ \delta(\omega; s) = f(\omega, s) \qquad
    \text{quality-dependent}:\ \delta(\omega, \alpha_1; s) = f(\omega, \alpha_1, s),

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

A quality-dependent schedule (:class:`QualitySchedule`) makes G's share depend on the quality
α1 that D chooses, so D's best response accounts for it: D maximises
:math:`U_D = (1-\delta(\omega,\alpha_1))\,r(\alpha_1) - \varphi_D(\alpha_1-\alpha_0;\omega) - f_D`,
whose first-order condition is

.. math::

    g(\alpha_1) = (1-\delta)\,r' - \partial_{\alpha_1}\delta\; r - \partial_\Delta\varphi_D = 0,

solved as on the numerical path (bracketing, then safeguarded Newton, to machine precision;
the corner α1 = α0 when g(α0) ≤ 0). G's revenue is :math:`\delta(\omega,\alpha_1^*)\,r(\alpha_1^*)`
and its slope in ω uses :math:`\alpha_1^{*\prime} = -g_\omega / g_{\alpha_1}` with
:math:`g_\omega = -\partial_\omega\delta\, r' - \partial_{\alpha_1\omega}\delta\, r -
\partial_{\Delta\omega}\varphi_D` and :math:`g_{\alpha_1} = (1-\delta) r'' -
2\,\partial_{\alpha_1}\delta\, r' - \partial^2_{\alpha_1}\delta\, r - \partial_{\Delta\Delta}\varphi_D`.
The partial derivatives of f are five-point finite differences (:mod:`moatlab.forms`). As for
any user form, D's problem must be concave in α1 (with the schedule's effect included: for
example r linear and f convex and non-decreasing in α1) for the condition to identify the
maximum; f must accept any α1 ≥ 0 and a little below α0 (the stencil's step).

Implementation: for a block of points, every candidate share of every point is solved in one
call of the vectorised solver (the points' parameters repeated once per share); a share
schedule other than ``scale`` runs on the numpy numerical path (:class:`ScheduleKernel`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import ParameterError
from ..forms import _H1, _H2, Form1, GameForms, fd1
from .bargaining import GRID_DEFAULT, GRID_MAX, SOLUTIONS, bargain
from .numerical import NumericalKernel
from .solver import equilibria_flat, references_flat

__all__ = ["SCHEDULES", "QualitySchedule", "QualityScheduleKernel", "ScheduleKernel", "bargained_flat",
           "check_bargaining", "check_work", "is_numerical", "parse_schedule", "schedule_name"]

#: Built-in share schedules: the free parameter s of δ(ω; s).
SCHEDULES = ("scale", "constant")
SHARE_BOUNDS = (0.0, 1.0)
#: Most points per block: the grid stage holds block × grid parameter sets at once; with a large
#: share grid the block is smaller (:func:`moatlab._limits.bargaining_block`), so that its memory
#: stays within the ``block_bytes`` budget whatever ``share_grid`` is.
BLOCK = 8192
Schedule = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class QualitySchedule:
    r"""A share schedule δ(ω, α1; s) = func(ω, α1, s) that depends on the product's quality α1.

    Pass it as ``schedule=`` to :func:`moatlab.game.solve` or :func:`moatlab.landscape` (with a
    bargaining solution other than ``fixed``): D then chooses α1 knowing that G's share moves
    with it. A plain callable ``f(ω, s)`` is a schedule that ignores α1; wrapping is what marks a
    three-argument schedule (nothing is inferred from the callable's signature).

    Parameters
    ----------
    func : callable
        ``func(omega, alpha1, s)`` on broadcastable numpy arrays, returning G's share. D's
        problem must stay concave in α1 (see the module's docstring).
    name : str, optional
        Shown in results' attributes (default: the function's ``__name__``).

    Examples
    --------
    >>> from moatlab.game.openness_bargaining import QualitySchedule
    >>> tax = QualitySchedule(lambda w, a1, s: s * (1 - w) + 0.1 * a1, name="quality_tax")
    >>> tax.name
    'quality_tax'
    """

    func: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    name: str = ""

    def __post_init__(self):
        if not callable(self.func):
            raise ParameterError("schedule", repr(self.func),
                                 "QualitySchedule(f) with a callable f(ω, α1, s)")
        if not self.name:
            object.__setattr__(self, "name", getattr(self.func, "__name__", "quality_schedule"))


#: What ``schedule=`` accepts: a built-in name, a callable f(ω, s) or a QualitySchedule.
AnySchedule = str | Schedule | QualitySchedule


def schedule_name(schedule: Any) -> str:
    """The name recorded for a schedule (attributes, CLI output)."""
    if isinstance(schedule, str):
        return schedule
    if isinstance(schedule, QualitySchedule):
        return schedule.name
    return getattr(schedule, "__name__", "user")


#: The variables of a schedule typed as an expression (:func:`parse_schedule`).
SCHEDULE_VARIABLES = ("omega", "alpha1", "s")


def parse_schedule(text: str, option: str = "schedule") -> AnySchedule:
    """A schedule from text: a built-in name, or an expression in ``omega``, ``alpha1`` and ``s``.

    The expression is compiled by :func:`moatlab.expr.compile_expression` (a whitelist of
    arithmetic and a few functions; no Python is run). One that uses ``alpha1`` becomes a
    :class:`QualitySchedule`; one that does not becomes a plain schedule f(ω, s), the same object
    ``schedule=lambda omega, s: ...`` would be. Either is named by the expression's text.

    Parameters
    ----------
    text : str
        ``scale``, ``constant``, or an expression such as ``s*(1-omega) + 0.1*alpha1``.
    option : str
        The option named in the error line (the CLI passes ``--schedule``).

    Returns
    -------
    str, callable or QualitySchedule
        What ``schedule=`` of :func:`moatlab.game.solve` accepts.

    Raises
    ------
    ParameterError
        On an unknown name or anything outside the expression whitelist.

    Examples
    --------
    >>> parse_schedule("constant")
    'constant'
    >>> parse_schedule("s + 0.1*alpha1")
    QualitySchedule(func=<...>, name='s + 0.1*alpha1')
    >>> schedule_name(parse_schedule("s*(1 - omega)**2"))
    's*(1 - omega)**2'
    """
    from ..expr import compile_expression

    src = str(text).strip()
    if src in SCHEDULES:
        return src
    expr = compile_expression(option, text, SCHEDULE_VARIABLES, also=", ".join(SCHEDULES) + " or ")
    if "alpha1" in expr.used:
        return QualitySchedule(lambda w, a, s: expr(omega=w, alpha1=a, s=s), name=expr.text)

    def schedule(w: np.ndarray, s: np.ndarray) -> np.ndarray:
        return expr(omega=w, s=s)

    schedule.__name__ = expr.text
    return schedule


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


class QualityScheduleKernel(NumericalKernel):
    """The numerical kernel with G's share δ(ω, α1) = schedule.func(ω, α1, s), s from ``p["share_s"]``.

    D's first-order condition, its outcome and G's slope in ω carry the terms of δ's dependence
    on α1 (the module's docstring); with a schedule that ignores α1 every added term is exactly 0.
    """

    def __init__(self, p: dict[str, np.ndarray], forms: GameForms, schedule: QualitySchedule):
        super().__init__(p, forms)
        self.schedule = schedule
        self.share = None  # δ depends on α1 too: see delta()

    def subset(self, idx: np.ndarray) -> QualityScheduleKernel:
        return QualityScheduleKernel({k: v[idx] for k, v in self.p.items()}, self.forms, self.schedule)

    def delta(self, w: np.ndarray, a: np.ndarray) -> np.ndarray:
        """G's share δ(ω, α1; s)."""
        return np.asarray(self.schedule.func(w, a, self.col["share_s"]), dtype=float) + 0.0 * w * a

    # ∂δ/∂α1 and ∂²δ/∂α1² by the five-point stencils of moatlab.forms, written in differences so
    # that they are exactly 0 for a schedule that ignores α1 (results then equal δ(ω; s)'s)
    def _da(self, w: np.ndarray, a: np.ndarray) -> np.ndarray:
        h = _H1 * np.maximum(1.0, np.abs(a))
        f = self.delta
        return (8 * (f(w, a + h) - f(w, a - h)) - (f(w, a + 2 * h) - f(w, a - 2 * h))) / (12 * h)

    def _daa(self, w: np.ndarray, a: np.ndarray) -> np.ndarray:
        h = _H2 * np.maximum(1.0, np.abs(a))
        f = self.delta
        f0 = f(w, a)
        return (16 * ((f(w, a + h) - f0) + (f(w, a - h) - f0))
                - ((f(w, a + 2 * h) - f0) + (f(w, a - 2 * h) - f0))) / (12 * h * h)

    def _dw(self, w: np.ndarray, a: np.ndarray) -> np.ndarray:
        return fd1(lambda y: self.delta(y, a), w)  # as Form1.d1 of a schedule δ(ω; s)

    def _daw(self, w: np.ndarray, a: np.ndarray) -> np.ndarray:
        return fd1(lambda y: self._da(y, a), w)

    def _foc(self, w: np.ndarray, a0: np.ndarray):
        def foc(x: np.ndarray) -> np.ndarray:
            keep = 1.0 - self.delta(w, x)
            return keep * self.r.d1(x) - self._da(w, x) * self.r(x) - self.phi.dd(x - a0, w)

        def dfoc(x: np.ndarray) -> np.ndarray:
            keep = 1.0 - self.delta(w, x)
            return (keep * self.r.d2(x) - 2.0 * self._da(w, x) * self.r.d1(x)
                    - self._daa(w, x) * self.r(x) - self.phi.ddd(x - a0, w))

        return foc, dfoc

    def _share_at(self, w: np.ndarray, a1: np.ndarray) -> np.ndarray:
        return self.delta(w, a1)

    def _slope(self, w: np.ndarray, m: np.ndarray, s: np.ndarray):
        a1, _, part, rev, other, interior = self.outcome(w)
        a0 = self.col["alpha0"]
        share, dshare = self.delta(w, a1), self._dw(w, a1)
        da, daa, daw = self._da(w, a1), self._daa(w, a1), self._daw(w, a1)
        r, dr = self.r(a1), self.r.d1(a1)
        num = dshare * dr + daw * r + self.phi.ddw(a1 - a0, w)
        den = (1 - share) * self.r.d2(a1) - 2.0 * da * dr - daa * r - self.phi.ddd(a1 - a0, w)
        with np.errstate(divide="ignore", invalid="ignore"):
            da1 = num / den
        da1 = np.where(interior == 1, da1, np.where(interior == -1, np.maximum(da1, 0.0), 0.0))
        drev = np.where(part, dshare * r + (da * r + share * dr) * da1, 0.0)
        slope = m * drev + self.b.d1(w) - self.kappa.d1(w) + s
        val = m * rev + other + s * w
        return slope, val


def check_bargaining(bargaining: str, schedule: AnySchedule, forms: GameForms, method: str,
                     share_grid: int) -> None:
    """Validate the bargaining options together with the forms and the method."""
    if bargaining not in SOLUTIONS:
        raise ParameterError("bargaining", bargaining, "one of " + ", ".join(SOLUTIONS))
    if not (callable(schedule) or isinstance(schedule, QualitySchedule)) and schedule not in SCHEDULES:
        raise ParameterError("schedule", schedule, "one of " + ", ".join(SCHEDULES)
                             + ", a callable f(ω, s) or QualitySchedule(f) with f(ω, α1, s)")
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


def is_numerical(forms: GameForms, method: str, schedule: AnySchedule = "scale") -> bool:
    """Whether the game is solved on the numerical path (costlier than the closed form)."""
    scale = isinstance(schedule, str) and schedule == "scale"
    return method == "numerical" or not forms.is_default or not scale


def check_work(points: float, what: str, bargaining: str, schedule: AnySchedule, forms: GameForms,
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


def _kernel(schedule: AnySchedule, forms: GameForms):
    if schedule == "scale":
        return None  # the share is δ0 (1 − ω): the solver's own kernels, closed form included
    if isinstance(schedule, QualitySchedule):
        return lambda p: QualityScheduleKernel(p, forms, schedule)
    return lambda p: ScheduleKernel(p, forms, schedule)


def _with_share(p: dict[str, np.ndarray], s: np.ndarray, schedule: Any) -> dict[str, np.ndarray]:
    q = dict(p)
    q["delta0" if schedule == "scale" else "share_s"] = np.ascontiguousarray(s, dtype=float)
    return q


def bargained_flat(p: dict[str, np.ndarray], form: str, forms: GameForms, method: str, bargaining: str,
                   schedule: AnySchedule = "scale", share_grid: int = GRID_DEFAULT,
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
    schedule : {'scale', 'constant'}, callable or QualitySchedule
        The share schedule δ(ω; s), or δ(ω, α1; s) wrapped in :class:`QualitySchedule`.
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
    return f"{bargaining} bargaining over the share schedule '{schedule_name(schedule)}'"
