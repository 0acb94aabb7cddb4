r"""Numerical kernel of the openness game, for any functional forms.

Stage 2 (specialist). D's best response solves its first-order condition

.. math::

    g(\alpha_1) = (1-\delta(\omega))\, r'(\alpha_1)
                  - \partial_\Delta\varphi_D(\alpha_1-\alpha_0;\omega) = 0

(the corner :math:`\alpha_1=\alpha_0` when :math:`g(\alpha_0)\le 0`). The root is bracketed by
doubling and then found by Newton's method safeguarded by bisection, to machine precision.
D's problem must be concave in :math:`\alpha_1` (``r`` concave, ``φ_D`` convex) for the
first-order condition to identify the maximum.

Stage 1 (generalist). G's objective on a region is
:math:`f(\omega) = m\,\delta(\omega) r(\alpha_1^*) + b - \kappa - \varphi_G - c_0 + s\omega`. Its
slope follows from the implicit-function theorem applied to D's condition,

.. math::

    f'(\omega) = m\,[\delta' r + \delta r' \alpha_1^{*\prime}] + b' - \kappa' + s, \qquad
    \alpha_1^{*\prime} = \frac{\delta' r' + \partial_{\Delta\omega}\varphi_D}
                              {(1-\delta) r'' - \partial_{\Delta\Delta}\varphi_D} .

Method: a uniform grid of ``(omega_grid + 1) // 2`` points (17 by default;
:class:`~moatlab.forms.GameForms`) locates the best
point on the interval; the stationary point next to it is then found by the Illinois
(modified regula falsi) method on :math:`f'`, to :math:`|\Delta\omega| \le 10^{-12}`; D's
participation threshold, where it falls inside, is found by bisection to the same
tolerance. G's slope jumps at that threshold (it is zero while D stays out): when the bracket
of the stationary point straddles it, the bracket starts at the threshold, as on the compiled
path. The candidates (the interval's ends, the stationary point — or the grid's best
where there is none —, the threshold) are compared by value, as in the closed form.
The global optimum is found whenever distinct local maxima are farther apart than the grid
step (1/16 of the interval by default). Derivatives the forms do not supply are taken by five-point
finite differences (:mod:`moatlab.forms`).

This is the vectorised numpy implementation. With numba installed, forms that numba can compile
take the compiled implementation in :mod:`moatlab.game._fast_numerical` (same equations, one
point at a time with warm starts); see :func:`moatlab.game.numerical_backend`.
"""

from __future__ import annotations

import numpy as np

from ..errors import SolverError
from ..forms import (
    Form1,
    Form2,
    GameForms,
    as_form1,
    as_form2,
    linear_benefit,
    linear_revenue,
    linear_serving_cost,
    linear_share,
    quadratic_finetune_cost,
    quadratic_production_cost,
)
from .kernel import TIE, TIE_PART, Regimes, select_best

Array = np.ndarray
GRID = 17
TOL_OMEGA = 1e-12
RUNNERS_UP = 2  # other local maxima of the grid refined besides the best point, per region


NO_FINITE_RESPONSE = (
    "the specialist's problem has no finite best response: its marginal revenue exceeds its "
    "marginal fine-tuning cost for every α1 (make r concave or φ_D convex)"
)


class NumericalKernel:
    """Stage 1 and 2 by root finding, for user forms (flat parameter arrays of length N)."""

    method = "numerical"

    def __init__(self, p: dict[str, Array], forms: GameForms):
        self.p = p
        self.forms = forms
        col = {k: v[:, None] for k, v in p.items()}
        self.col = col
        f = forms
        self.r: Form1 = as_form1(f.revenue, "revenue") if f.revenue else linear_revenue()
        self.share: Form1 = as_form1(f.share, "share") if f.share else linear_share(col["delta0"])
        self.phi: Form2 = (as_form2(f.finetune_cost, "finetune_cost") if f.finetune_cost
                           else quadratic_finetune_cost(col["c_d"], col["lam"]))
        self.b: Form1 = as_form1(f.benefit, "benefit") if f.benefit else linear_benefit(col["epsilon"])
        self.kappa: Form1 = (as_form1(f.serving_cost, "serving_cost") if f.serving_cost
                             else linear_serving_cost(col["kappa0"]))
        g = (as_form1(f.production_cost, "production_cost") if f.production_cost
             else quadratic_production_cost(col["c_g"]))
        self.fixed = g(col["alpha0"])

    def subset(self, idx: Array) -> NumericalKernel:
        """The same kernel restricted to rows ``idx``."""
        return NumericalKernel({k: v[idx] for k, v in self.p.items()}, self.forms)

    # -- stage 2 -------------------------------------------------------------------------
    def _foc(self, w: Array, a0: Array):
        """D's first-order condition g(α1) at ω and its derivative in α1 (two callables)."""
        keep = 1.0 - self.share(w)

        def foc(x: Array) -> Array:
            return keep * self.r.d1(x) - self.phi.dd(x - a0, w)

        def dfoc(x: Array) -> Array:
            return keep * self.r.d2(x) - self.phi.ddd(x - a0, w)

        return foc, dfoc

    def best_response(self, w: Array) -> tuple[Array, Array]:
        """α1*(ω) for ω of shape (N, K), and where it is interior (1), a corner (0) or the
        corner's edge (-1)."""
        a0 = self.col["alpha0"] + 0.0 * w
        foc, dfoc = self._foc(w, a0)
        g0 = foc(a0)
        interior = g0 > 0
        lo = a0.copy()
        step = np.maximum(1.0, np.abs(a0))
        hi = a0 + step
        for _ in range(200):
            need = interior & (foc(hi) > 0)
            if not need.any():
                break
            lo = np.where(need, hi, lo)
            step = np.where(need, 2 * step, step)
            hi = np.where(need, a0 + step, hi)
        else:
            raise SolverError(NO_FINITE_RESPONSE)
        x = np.where(interior, 0.5 * (lo + hi), a0)
        small_before = np.zeros_like(interior)
        for _ in range(100):
            g = foc(x)
            dg = dfoc(x)
            lo = np.where(g > 0, x, lo)
            hi = np.where(g < 0, x, hi)
            with np.errstate(divide="ignore", invalid="ignore"):
                xn = x - g / dg
            bad = ~((xn >= lo) & (xn <= hi)) | ~(dg < 0)
            xn = np.where(bad, 0.5 * (lo + hi), xn)
            xn = np.where(interior & (g != 0), xn, x)
            small = np.abs(xn - x) <= 1e-10 * (1 + np.abs(x))
            x = xn
            # stop one Newton step after every step became small (quadratic convergence)
            if np.all(small_before | ~interior):
                break
            small_before |= small
        # 1 interior, 0 at the corner α0, -1 at the corner's edge (FOC exactly 0 at α0): there
        # α1* = α0 but its right-derivative in ω is the interior one
        return x, np.where(interior, 1, np.where(g0 == 0, -1, 0))

    def outcome(self, w: Array) -> tuple[Array, Array, Array, Array, Array, Array]:
        """α1*, U_D*, participation, δ·r, b − κ − φ_G and the interior mask at ω (N, K)."""
        a1, interior = self.best_response(w)
        share = self._share_at(w, a1)
        rev_total = self.r(a1)
        ud = (1 - share) * rev_total - self.phi(a1 - self.col["alpha0"], w) - self.col["f_d"]
        part = ud >= -TIE_PART
        rev = np.where(part, share * rev_total, 0.0)
        other = self.b(w) - self.kappa(w) - self.fixed
        return a1, ud, part, rev, other, interior

    def _share_at(self, w: Array, a1: Array) -> Array:
        """G's share at openness ω and D's chosen quality α1 (here δ(ω); quality schedules override it)."""
        return self.share(w)

    def _slope(self, w: Array, m: Array, s: Array) -> tuple[Array, Array]:
        """f'(ω) of the region objective and f(ω) itself."""
        a1, _, part, rev, other, interior = self.outcome(w)
        a0 = self.col["alpha0"]
        share, dshare = self.share(w), self.share.d1(w)
        r, dr = self.r(a1), self.r.d1(a1)
        num = dshare * dr + self.phi.ddw(a1 - a0, w)
        den = (1 - share) * self.r.d2(a1) - self.phi.ddd(a1 - a0, w)
        with np.errstate(divide="ignore", invalid="ignore"):
            da1 = num / den
        da1 = np.where(interior == 1, da1, np.where(interior == -1, np.maximum(da1, 0.0), 0.0))
        drev = np.where(part, dshare * r + share * dr * da1, 0.0)
        slope = m * drev + self.b.d1(w) - self.kappa.d1(w) + s
        val = m * rev + other + s * w
        return slope, val

    def _value(self, w: Array, m: Array, s: Array) -> tuple[Array, Array]:
        _, _, part, rev, other, _ = self.outcome(w)
        return m * rev + other + s * w, part

    # -- stage 1 -------------------------------------------------------------------------
    def maximise(self, lo: Array, hi: Array, m: Array, c0: Array, s: Array,
                 extra: Array | None = None) -> tuple[Array, Array]:
        """Best ω in [lo, hi] of m·δr + b − κ − φ_G − c0 + s·ω, and its value; ``extra`` is one
        more candidate inside [lo, hi] (θ for the free regime, as in the closed form)."""
        lo, hi, m, c0, s = (np.asarray(x, float)[:, None] for x in (lo, hi, m, c0, s))
        ng = (self.forms.omega_grid + 1) // 2  # grid points per region
        t = np.linspace(0.0, 1.0, ng)[None, :]
        grid = lo + (hi - lo) * t
        val, part = self._value(grid, m, s)
        k = ng - 1 - np.argmax(val[:, ::-1], axis=1)
        rows = np.arange(grid.shape[0])
        centre = grid[rows, k][:, None]
        cands = [centre] + ([] if extra is None else [np.asarray(extra, float)[:, None]])

        # D's participation threshold, where participation switches on inside the grid
        switch = (~part[:, :-1]) & part[:, 1:]
        if switch.any():
            j = np.argmax(switch, axis=1)
            has = switch.any(axis=1)[:, None]
            thr = self._threshold(grid[rows, j][:, None], grid[rows, j + 1][:, None], m, s)
            cands.append(np.where(has, thr, centre))

        # stationary point next to the grid's best
        root, has_root = self._stationary(grid, part, k, m, s)
        cands.append(np.where(has_root, root, centre))
        # and next to the runners-up among the grid's other local maxima: with a multi-peaked
        # form two peaks can be closer in value than a grid cell's curvature drop, so the best
        # grid point may sit next to the lower one
        others = np.full_like(val, -np.inf)
        inner = (val[:, 1:-1] > val[:, :-2]) & (val[:, 1:-1] >= val[:, 2:])
        others[:, 1:-1] = np.where(inner, val[:, 1:-1], -np.inf)
        others[rows, k] = -np.inf
        extra_roots = []
        for _ in range(RUNNERS_UP):
            k2 = np.argmax(others, axis=1)
            ok = np.isfinite(others[rows, k2])
            if not ok.any():
                break
            others[rows, k2] = -np.inf
            r2, h2 = self._stationary(grid, part, k2, m, s)
            extra_roots.append(np.where(h2 & ok[:, None], r2, np.nan))

        # candidates, as in the closed form: the interval's ends, the stationary point (or the
        # grid's best when there is none or it is better), the threshold. Other grid points are
        # not: next to a flat optimum they would tie with it and, more open, win by the tie rule.
        cand = np.concatenate(cands, axis=1)
        cval, _ = self._value(cand, m, s)
        vbest = val[rows, k][:, None]
        j = cand.shape[1] - 1  # the stationary point's column (the last)
        keep_centre = ~has_root | (vbest > cval[:, j:j + 1] + TIE * (1 + np.abs(cval[:, j:j + 1])))
        cand = np.concatenate([grid[:, [0, -1]], cand], axis=1)
        cval = np.concatenate([val[:, [0, -1]], np.where(keep_centre, vbest, -np.inf), cval[:, 1:]], axis=1)
        if extra_roots:
            er = np.concatenate(extra_roots, axis=1)
            found = ~np.isnan(er)
            er = np.where(found, er, centre)
            ev, _ = self._value(er, m, s)
            cand = np.concatenate([cand, er], axis=1)
            cval = np.concatenate([cval, np.where(found, ev, -np.inf)], axis=1)
        w, v = select_best(cand, cval)
        return w, v - c0[:, 0]

    def _stationary(self, grid: Array, part: Array, k: Array, m: Array, s: Array) -> tuple[Array, Array]:
        """The local maximum of the slope's root in the grid cell next to column ``k`` (beyond
        D's participation threshold when it lies in that cell), and whether there is one."""
        ng = grid.shape[1]
        rows = np.arange(grid.shape[0])
        centre = grid[rows, k][:, None]
        left = grid[rows, np.maximum(k - 1, 0)][:, None]
        right = grid[rows, np.minimum(k + 1, ng - 1)][:, None]
        sc, _ = self._slope(centre, m, s)
        up = sc > 0
        ka = np.where(up[:, 0], k, np.maximum(k - 1, 0))
        kb = np.where(up[:, 0], np.minimum(k + 1, ng - 1), k)
        a = np.where(up, centre, left)
        b = np.where(up, right, centre)
        sa = np.where(up, sc, self._slope(left, m, s)[0])
        sb = np.where(up, self._slope(right, m, s)[0], sc)
        # f' jumps where D starts to participate: look for a stationary point only beyond it
        jump = (~part[rows, ka] & part[rows, kb])[:, None]
        if jump.any():
            idx = np.flatnonzero(jump[:, 0])
            sub = self.subset(idx)
            a, sa = a.copy(), sa.copy()
            a[idx] = sub._threshold(a[idx], b[idx], m[idx], s[idx])
            sa[idx] = sub._slope(a[idx], m[idx], s[idx])[0]
        root = self._illinois(a, b, sa, sb, m, s)
        return root, ~np.isnan(root)


    def _threshold(self, plo: Array, phi_: Array, m: Array, s: Array) -> Array:
        """Where D's participation switches on in (plo, phi_] (phi_ participates, plo does not),
        by bisection to a bracket of TOL_OMEGA: its participating end."""
        for _ in range(60):
            mid = 0.5 * (plo + phi_)
            _, pm = self._value(mid, m, s)
            plo, phi_ = np.where(pm, plo, mid), np.where(pm, mid, phi_)
            if np.all(np.abs(phi_ - plo) <= TOL_OMEGA):
                break
        return phi_

    def _illinois(self, a: Array, b: Array, fa: Array, fb: Array, m: Array, s: Array) -> Array:
        """Root of the slope in [a, b] where fa > 0 > fb (a local maximum); NaN elsewhere."""
        ok = (fa > 0) & (fb < 0)
        root = np.full_like(a, np.nan)
        if not ok.any():
            return root
        idx = np.flatnonzero(ok[:, 0])
        a, b, fa, fb = a[idx], b[idx], fa[idx], fb[idx]
        sub = self.subset(idx)
        mm, ss = m[idx], s[idx]
        side = np.zeros_like(a)
        c = a
        for _ in range(100):
            c_new = b - fb * (b - a) / (fb - fa)
            c_new = np.where(np.isfinite(c_new), np.clip(c_new, np.minimum(a, b), np.maximum(a, b)),
                             0.5 * (a + b))
            fc, _ = sub._slope(c_new, mm, ss)
            conv = np.abs(c_new - c) <= TOL_OMEGA
            c = c_new
            pos = fc > 0  # root lies between c and b
            # Illinois: halve the retained end's slope if the same end is kept twice
            fa_new = np.where(pos, fc, np.where(side == -1, fa * 0.5, fa))
            fb_new = np.where(pos, np.where(side == 1, fb * 0.5, fb), fc)
            a, fa = np.where(pos, c, a), fa_new
            b, fb = np.where(pos, b, c), fb_new
            side = np.where(pos, 1.0, -1.0)
            if np.all(conv | (fc == 0)):
                break
        root[idx] = c
        return root

    def regimes(self, theta: Array, pen: Array, form: str) -> Regimes:
        n = theta.shape[0]
        one, zero = np.ones(n), np.zeros(n)
        w_free, v_free = self.maximise(zero, one, one, zero, zero, extra=theta)
        w_c, v_c = self.maximise(theta, one, one, zero, zero)
        if form == "lump_sum":
            w_d, v_d = self.maximise(zero, theta, one, pen, zero)
        elif form == "turnover":
            w_d, v_d = self.maximise(zero, theta, 1 - pen, zero, zero)
        else:
            w_d, v_d = self.maximise(zero, theta, one, pen * theta, pen)
        return Regimes(w_free, v_free, w_c, v_c, w_d, v_d)
