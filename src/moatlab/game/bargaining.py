r"""The bargaining stage shared by the games of the family: the players pick the share rule.

In the fine-tuning games of Laufer, Kleinberg and Heidari ("Fine-Tuning Games: Bargaining and
Adaptation for General-Purpose Models", WWW 2024) and the openness game of Qiu, Laufer, Kleinberg
and Heidari ("Modeling the Economic Impacts of AI Openness Regulation", NeurIPS 2025), the
generalist G and the specialist D first bargain over the free parameter(s) s of the revenue-share
rule; everything after that is a subgame-perfect continuation with utilities
:math:`(U_G(s), U_D(s))` and a product quality :math:`q(s)` (α1). A *bargaining solution* picks s:

.. math::

    \text{vertical\_monopoly}: \max_s U_G \qquad
    \text{utilitarian}: \max_s U_G + U_D \qquad
    \text{nash}: \max_s (U_G - d_G)(U_D - d_D)

    \text{egalitarian}: \max_s \min(U_G - d_G,\ U_D - d_D) \qquad
    \text{max\_performance}: \max_s q

    \text{kalai\_smorodinsky}: \max_s \min\Big(\frac{U_G - d_G}{U_G^{\max} - d_G},
                                               \frac{U_D - d_D}{U_D^{\max} - d_D}\Big)

and ``fixed`` (no bargaining: s is given). Every solution except ``fixed`` is restricted to the
*individually rational* shares, :math:`U_G \ge d_G` and :math:`U_D \ge d_D` (nobody accepts
less than the disagreement point :math:`d`, default (0, 0)); :math:`U^{\max}` are the players'
best individually rational utilities. On the Pareto frontier the Kalai–Smorodinsky maximin is
the point where the two normalised gains are equal.

Method. This module knows nothing of any particular game: it takes a *vectorised continuation*
``continuation(s) -> (U_G, U_D, quality)``, where ``s`` has shape ``shape + (k,)`` (``shape``
the points' shape, k ≥ 1 candidate shares per point) and the three returned arrays broadcast
to that shape. It

1. evaluates the continuation on a uniform grid of ``grid`` shares in [lo, hi] for every point
   at once (one call);
2. picks each point's best grid share by the solution's criterion (near-ties, within 1e-12
   relative, go to the larger U_G + U_D, then to the smaller s);
3. refines by golden-section search in the two grid cells around it, all points together (one
   call of the continuation with k = 1 per iteration), until the bracket is
   ``xtol · (hi − lo)`` wide, and keeps the refined share only if it beats the grid's best.

Golden section compares criterion values, so a smooth maximum locates s to about the square root of
machine precision times its scale (≈ 1e-8), while the utilities there are exact to rounding. A
criterion with several local maxima closer together than the grid step may be refined to
the wrong one; raise ``grid``. Kalai–Smorodinsky first refines :math:`U_G^{\max}` and
:math:`U_D^{\max}` the same way (three refinements). Where no grid share is individually
rational the players disagree: ``agreed`` is False, the share is NaN and the utilities are the
disagreement point.

The Pareto set is reported on the grid: ``pareto[..., j]`` is True when no other grid share
gives both players at least as much and one of them more (to 1e-12 relative).

Examples
--------
The fine-tuning game's default family (r = α, quadratic costs, c0 = c1 = 1, r = 1) has
U_G = δ²/4 + δ(1 − δ)/2 and U_D = δ(1 − δ)/2 + (1 − δ)²/4; the utilitarian share is
c1 / (c0 + c1) = 1/2:

>>> import numpy as np
>>> from moatlab.game.bargaining import bargain
>>> def cont(d):
...     ug = d**2 / 4 + d * (1 - d) / 2
...     ud = d * (1 - d) / 2 + (1 - d) ** 2 / 4
...     return ug, ud, d / 2 + (1 - d) / 2
>>> res = bargain(cont, 0.0, 1.0, "utilitarian")
>>> round(float(res.share), 9)
0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import check_choice
from ..errors import ParameterError

__all__ = ["SOLUTIONS", "Bargain", "bargain", "criterion", "pareto_mask"]

#: The bargaining solutions, in the order the docs list them.
SOLUTIONS = ("fixed", "vertical_monopoly", "utilitarian", "nash", "egalitarian",
             "kalai_smorodinsky", "max_performance")
#: What each solution maximises (for help texts and docs).
DESCRIPTIONS = {
    "fixed": "no bargaining: the share is given",
    "vertical_monopoly": "G sets the terms: max U_G",
    "utilitarian": "max U_G + U_D",
    "nash": "max (U_G - d_G)(U_D - d_D), the Nash bargaining solution",
    "egalitarian": "max min(U_G - d_G, U_D - d_D)",
    "kalai_smorodinsky": "equal shares of each player's best gain (Kalai-Smorodinsky)",
    "max_performance": "max the product's quality α1",
}
#: Near-ties of the criterion (relative to 1 + |value|) and of utilities in the Pareto test.
TIE = 1e-12
GRID_DEFAULT = 33
GRID_MAX = 4097
_GOLD = (math.sqrt(5.0) - 1.0) / 2.0  # 0.618…
Continuation = Callable[[np.ndarray], tuple[Any, Any, Any]]


@dataclass(frozen=True)
class Bargain:
    """The bargaining outcome at every point (arrays of the points' ``shape``).

    Attributes
    ----------
    solution : str
        The bargaining solution's name (one of :data:`SOLUTIONS`).
    share : ndarray
        The chosen share parameter s per point (NaN where the players disagree).
    U_G, U_D, quality : ndarray
        The continuation's utilities and quality at the chosen share (the disagreement point and
        NaN where the players disagree).
    agreed : ndarray of bool
        Whether some individually rational share exists (always True for ``fixed``).
    s_grid : ndarray
        The grid of shares, shape ``shape + (grid,)`` (empty last axis when not computed).
    U_G_grid, U_D_grid, quality_grid : ndarray
        The continuation on the grid, shape ``shape + (grid,)``.
    pareto : ndarray of bool
        The Pareto set on the grid, shape ``shape + (grid,)``.
    """

    solution: str
    share: np.ndarray
    U_G: np.ndarray
    U_D: np.ndarray
    quality: np.ndarray
    agreed: np.ndarray
    s_grid: np.ndarray
    U_G_grid: np.ndarray
    U_D_grid: np.ndarray
    quality_grid: np.ndarray
    pareto: np.ndarray

    def pareto_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Smallest and largest Pareto-efficient grid share per point (NaN where there is none)."""
        any_ = self.pareto.any(axis=-1)
        lo = np.where(self.pareto, self.s_grid, np.inf).min(axis=-1, initial=np.inf)
        hi = np.where(self.pareto, self.s_grid, -np.inf).max(axis=-1, initial=-np.inf)
        return np.where(any_, lo, np.nan), np.where(any_, hi, np.nan)


def _clean(x: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x), -np.inf, x)


def criterion(solution: str, U_G: Any, U_D: Any, quality: Any, disagreement: tuple[Any, Any] = (0.0, 0.0),
              best: tuple[Any, Any] | None = None) -> np.ndarray:
    """The value each bargaining solution maximises (−inf where not individually rational).

    Parameters
    ----------
    solution : str
        One of :data:`SOLUTIONS` other than ``fixed``.
    U_G, U_D, quality : array_like
        Utilities and quality (broadcast together); NaN counts as −inf.
    disagreement : (d_G, d_D)
        The disagreement point (arrays broadcast with the utilities).
    best : (U_G^max, U_D^max), optional
        The players' best individually rational utilities (needed by ``kalai_smorodinsky``).
    """
    ug, ud = _clean(np.asarray(U_G, float)), _clean(np.asarray(U_D, float))
    dg, dd = (np.asarray(x, float) for x in disagreement)
    gg, gd = ug - dg, ud - dd
    ok = (gg >= -TIE * (1 + np.abs(dg))) & (gd >= -TIE * (1 + np.abs(dd)))
    gg, gd = np.maximum(gg, 0.0), np.maximum(gd, 0.0)
    if solution == "vertical_monopoly":
        val = ug
    elif solution == "utilitarian":
        val = ug + ud
    elif solution == "nash":
        val = gg * gd
    elif solution == "egalitarian":
        val = np.minimum(gg, gd)
    elif solution == "kalai_smorodinsky":
        if best is None:
            raise ValueError("kalai_smorodinsky needs the players' best utilities (best=)")
        mg = np.asarray(best[0], float) - dg
        md = np.asarray(best[1], float) - dd
        with np.errstate(divide="ignore", invalid="ignore"):
            # a player who cannot gain anything does not constrain the other
            rg = np.where(mg > TIE * (1 + np.abs(dg)), gg / mg, np.inf)
            rd = np.where(md > TIE * (1 + np.abs(dd)), gd / md, np.inf)
        val = np.minimum(rg, rd)
        val = np.where(np.isinf(val) & (val > 0), ug + ud, val)  # nobody can gain: any share
    elif solution == "max_performance":
        val = _clean(np.asarray(quality, float)) + 0.0 * ug
    else:
        raise ValueError(f"no criterion for {solution!r}")
    return np.where(ok, val, -np.inf)


def pareto_mask(U_G: np.ndarray, U_D: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Non-dominated entries along the last axis: no other entry gives both at least as much and
    one more (differences within 1e-12 relative count as equal). NaN counts as −inf."""
    ug, ud = _clean(np.asarray(U_G, float)), _clean(np.asarray(U_D, float))
    ug, ud = np.broadcast_arrays(ug, ud)
    shape = ug.shape
    k = shape[-1]
    ug2, ud2 = ug.reshape(-1, k), ud.reshape(-1, k)
    out = np.empty(ug2.shape, dtype=bool)
    for i in range(0, ug2.shape[0], chunk):
        g, d = ug2[i:i + chunk], ud2[i:i + chunk]
        tg = TIE * (1 + np.abs(np.where(np.isfinite(g), g, 0.0)))
        td = TIE * (1 + np.abs(np.where(np.isfinite(d), d, 0.0)))
        gj, gi = g[:, None, :], g[:, :, None]  # [row, i, j]: does j dominate i?
        dj, di = d[:, None, :], d[:, :, None]
        geq = (gj >= gi - tg[:, :, None]) & (dj >= di - td[:, :, None])
        more = (gj > gi + tg[:, :, None]) | (dj > di + td[:, :, None])
        dominated = (geq & more).any(axis=2)
        out[i:i + chunk] = ~dominated & np.isfinite(g) & np.isfinite(d)
    return out.reshape(shape)


def _evaluate(continuation: Continuation, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ug, ud, q = continuation(s)
    return tuple(np.broadcast_to(np.asarray(x, float), s.shape) for x in (ug, ud, q))  # type: ignore


def _pick(val: np.ndarray, ug: np.ndarray, ud: np.ndarray) -> np.ndarray:
    """Index of the best entry on the last axis; near-ties go to the larger U_G + U_D, then the
    first (smaller s)."""
    best = val.max(axis=-1, keepdims=True)
    tol = TIE * (1 + np.abs(np.where(np.isfinite(best), best, 0.0)))
    near = val >= best - tol
    tot = np.where(near, _clean(ug + ud), -np.inf)
    tbest = tot.max(axis=-1, keepdims=True)
    ttol = TIE * (1 + np.abs(np.where(np.isfinite(tbest), tbest, 0.0)))
    cand = near & (tot >= tbest - ttol)
    return np.argmax(cand, axis=-1)


def _take(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return np.take_along_axis(a, idx[..., None], axis=-1)[..., 0]


def _refine(continuation: Continuation, crit: Callable, s: np.ndarray, ug: np.ndarray, ud: np.ndarray,
            q: np.ndarray, lo: np.ndarray, hi: np.ndarray, xtol: float):
    """Best grid share by ``crit``, refined by golden section in the cells around it."""
    val = crit(ug, ud, q)
    k = _pick(val, ug, ud)
    K = s.shape[-1]
    best_s, best_v = _take(s, k), _take(val, k)
    best_g, best_d, best_q = _take(ug, k), _take(ud, k), _take(q, k)
    if K < 3:
        return best_s, best_v, best_g, best_d, best_q
    a = _take(s, np.maximum(k - 1, 0))
    b = _take(s, np.minimum(k + 1, K - 1))
    width = float(np.max(b - a)) if b.size else 0.0
    target = xtol * float(np.max(hi - lo)) if hi.size else 0.0
    if width <= 0 or target <= 0:
        return best_s, best_v, best_g, best_d, best_q
    n_iter = max(0, int(math.ceil(math.log(target / width) / math.log(_GOLD))))

    def ev(x):
        g, d, qq = _evaluate(continuation, x[..., None])
        g, d, qq = g[..., 0], d[..., 0], qq[..., 0]
        return crit(g, d, qq), g, d, qq

    c = b - _GOLD * (b - a)
    d_ = a + _GOLD * (b - a)
    fc, gc, dc, qc = ev(c)
    fd, gd, dd, qd = ev(d_)
    for _ in range(n_iter):
        left = fc >= fd  # the maximum lies in [a, d]
        b = np.where(left, d_, b)
        a = np.where(left, a, c)
        new = np.where(left, b - _GOLD * (b - a), a + _GOLD * (b - a))
        fn, gn, dn, qn = ev(new)
        c, d_ = np.where(left, new, d_), np.where(left, c, new)
        fc, fd = np.where(left, fn, fd), np.where(left, fc, fn)
        gc, gd = np.where(left, gn, gd), np.where(left, gc, gn)
        dc, dd = np.where(left, dn, dd), np.where(left, dc, dn)
        qc, qd = np.where(left, qn, qd), np.where(left, qc, qn)
    use_c = fc >= fd
    rs, rv = np.where(use_c, c, d_), np.where(use_c, fc, fd)
    rg, rd, rq = np.where(use_c, gc, gd), np.where(use_c, dc, dd), np.where(use_c, qc, qd)
    better = rv > best_v + TIE * (1 + np.abs(np.where(np.isfinite(best_v), best_v, 0.0)))
    return (np.where(better, rs, best_s), np.where(better, rv, best_v), np.where(better, rg, best_g),
            np.where(better, rd, best_d), np.where(better, rq, best_q))


def bargain(continuation: Continuation, lo: Any, hi: Any, solution: str = "nash", *,
            shape: tuple[int, ...] | None = None, fixed: Any = None, grid: int = GRID_DEFAULT,
            xtol: float = 1e-9, disagreement: tuple[Any, Any] = (0.0, 0.0),
            pareto: bool = True) -> Bargain:
    """Solve the bargaining stage at every point at once.

    Parameters
    ----------
    continuation : callable
        ``continuation(s) -> (U_G, U_D, quality)``: the subgame-perfect continuation after the
        share parameter s is agreed. ``s`` has shape ``shape + (k,)`` (k shares per point); the
        returned arrays must broadcast to it. NaN utilities or quality count as −inf.
    lo, hi : float or array_like
        Bounds of s (broadcast to ``shape``), lo < hi.
    solution : str
        One of :data:`SOLUTIONS`.
    shape : tuple of int, optional
        The points' shape (default: the broadcast shape of lo, hi, fixed and the disagreement
        point).
    fixed : float or array_like
        The share for ``solution="fixed"`` (required there, ignored otherwise).
    grid : int
        Grid points over [lo, hi] (3 … 4097; default 33).
    xtol : float
        Width of the final golden-section bracket, relative to hi − lo.
    disagreement : (d_G, d_D)
        The disagreement point (default (0, 0)).
    pareto : bool
        Compute the grid and Pareto set also for ``fixed`` (the other solutions always do).

    Returns
    -------
    Bargain
    """
    check_choice("bargaining", solution, SOLUTIONS)
    if isinstance(grid, bool) or not isinstance(grid, int | np.integer) or not 3 <= grid <= GRID_MAX:
        raise ParameterError("grid", grid, f"an integer in [3, {GRID_MAX}]")
    if not (isinstance(xtol, int | float) and 0 < xtol < 1):
        raise ParameterError("xtol", xtol, "in (0, 1)")
    lo_a, hi_a = np.asarray(lo, float), np.asarray(hi, float)
    dg, dd = (np.asarray(x, float) for x in disagreement)
    parts = [lo_a.shape, hi_a.shape, dg.shape, dd.shape]
    if fixed is not None:
        parts.append(np.shape(fixed))
    shape = tuple(shape) if shape is not None else np.broadcast_shapes(*parts)
    lo_a, hi_a = np.broadcast_to(lo_a, shape), np.broadcast_to(hi_a, shape)
    if not (np.all(np.isfinite(lo_a)) and np.all(np.isfinite(hi_a)) and np.all(lo_a < hi_a)):
        raise ParameterError("share bounds", f"[{lo}, {hi}]", "finite with lo < hi")
    dg, dd = np.broadcast_to(dg, shape), np.broadcast_to(dd, shape)

    if solution == "fixed":
        if fixed is None:
            raise ParameterError("fixed", None, "the share to use when bargaining is 'fixed'")
        fx = np.broadcast_to(np.asarray(fixed, float), shape)
        g, d, q = (x[..., 0] for x in _evaluate(continuation, fx[..., None]))
    need_grid = solution != "fixed" or pareto
    if need_grid:
        t = np.linspace(0.0, 1.0, grid)
        s = lo_a[..., None] + (hi_a - lo_a)[..., None] * t
        s[..., -1] = hi_a  # exact end
        ug, ud, qg = _evaluate(continuation, s)
        mask = pareto_mask(ug, ud)
    else:
        s = ug = ud = qg = np.empty(shape + (0,))
        mask = np.empty(shape + (0,), dtype=bool)
    if solution == "fixed":
        return Bargain(solution, fx.copy(), g, d, q, np.ones(shape, bool), s, ug, ud, qg, mask)

    dis = (dg[..., None], dd[..., None])
    best = None
    if solution == "kalai_smorodinsky":
        def dis_of(a):
            return dis if a.ndim == s.ndim else (dg, dd)

        gmax = _refine(continuation,
                       lambda a, b, c: criterion("vertical_monopoly", a, b, c, dis_of(a)),
                       s, ug, ud, qg, lo_a, hi_a, xtol)[2]
        dmax = _refine(continuation,
                       lambda a, b, c: criterion("vertical_monopoly", b, a, c, dis_of(a)[::-1]),
                       s, ug, ud, qg, lo_a, hi_a, xtol)[3]
        best = (gmax, dmax)

    def crit(a, b, c):
        if a.ndim == s.ndim:
            bb = None if best is None else (best[0][..., None], best[1][..., None])
            return criterion(solution, a, b, c, dis, bb)
        return criterion(solution, a, b, c, (dg, dd), best)

    rs, rv, rg, rd, rq = _refine(continuation, crit, s, ug, ud, qg, lo_a, hi_a, xtol)
    agreed = np.isfinite(rv)
    return Bargain(solution, np.where(agreed, rs, np.nan), np.where(agreed, rg, dg),
                   np.where(agreed, rd, dd), np.where(agreed, rq, np.nan), agreed, s, ug, ud, qg, mask)
