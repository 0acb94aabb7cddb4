r"""Closed-form kernel of the openness game for the default family.

Stage 2 (specialist). With :math:`r(\alpha)=\alpha`, :math:`\delta=\delta_0(1-\omega)` and
:math:`\varphi_D = c_D(1-\lambda\omega)\Delta^2`, D's first-order condition gives

.. math::

    \alpha_1^*(\omega) = \alpha_0 + \frac{1-\delta(\omega)}{2c_D(1-\lambda\omega)}, \qquad
    U_D^*(\omega) = (1-\delta)\alpha_0 + \frac{(1-\delta)^2}{4c_D(1-\lambda\omega)} - F_D ,

and :math:`U_D^*` increases in :math:`\omega`, so D participates on :math:`[\omega_D, 1]` where
:math:`\omega_D` is the root of a quadratic (below).

Stage 1 (generalist). Write :math:`u = 1-\omega`, :math:`a = 1-\lambda`, :math:`B = \delta_0/(2c_D)`.
On a region where G's objective is
:math:`f(u) = m\,\delta r + \varepsilon(1-u) - \kappa_0 u - c_G\alpha_0^2 - c_0 + s(1-u)`
(:math:`m` scales revenue: :math:`1-p` under a turnover fine; :math:`s` is the slope of a
shortfall fine), :math:`f'(u)=0` is equivalent, after multiplying by :math:`(a+\lambda u)^2>0`, to

.. math::

    mB(a - 2a\delta_0u - \lambda\delta_0u^2) + (m\delta_0\alpha_0 - e)(a+\lambda u)^2 = 0,
    \qquad e = \varepsilon + \kappa_0 + s,

a quadratic in :math:`u`. G's optimum on an interval is therefore attained at one of at most
six candidates: the interval's ends, the two roots, the participation threshold
:math:`\omega_D` (and :math:`\theta`); the kernel evaluates all of them and keeps the best,
so the result is exact up to floating point (no iteration, no grid). D's participation
threshold solves, in :math:`u` with :math:`q = 4c_D`,

.. math::

    (\delta_0^2 - q\alpha_0\lambda\delta_0)u^2 + (q\alpha_0(\lambda - a\delta_0) - 2\delta_0 - qF_D\lambda)u
    + (q\alpha_0 a + 1 - qF_D a) = 0 .
"""

from __future__ import annotations

import numpy as np

from .kernel import TIE_PART, Regimes, select_best

Array = np.ndarray


def _quadratic_roots(a2: Array, a1: Array, a0: Array) -> tuple[Array, Array]:
    """Real roots of ``a2 x² + a1 x + a0`` by the cancellation-free formula; NaN where none."""
    disc = a1 * a1 - 4 * a2 * a0
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        sq = np.sqrt(disc)  # NaN where disc < 0
        q = -0.5 * (a1 + np.copysign(sq, a1))
        r1 = q / a2
        r2 = a0 / q
    r1 = np.where(np.isfinite(r1), r1, np.nan)
    r2 = np.where(np.isfinite(r2), r2, np.nan)
    return r1, r2


class ClosedFormKernel:
    """Exact stage 1 and stage 2 for the default family (flat parameter arrays of length N)."""

    method = "closed_form"

    def __init__(self, p: dict[str, Array]):
        self.p = p
        self.a = 1.0 - p["lam"]
        self.B = p["delta0"] / (2.0 * p["c_d"])
        self.fixed = p["c_g"] * p["alpha0"] ** 2 + p["kappa0"]  # G's costs that do not move with ω
        self.omega_d = self._participation_threshold()

    # -- stage 2 -------------------------------------------------------------------------
    def _participation_threshold(self) -> Array:
        """Smallest ω at which D participates (0 if always, +inf if never)."""
        p = self.p
        F = p["f_d"]
        out = np.zeros_like(F)
        need = F > 0
        if not need.any():
            return out
        a0, d0, lam, c = (p[k][need] for k in ("alpha0", "delta0", "lam", "c_d"))
        Fn, a = F[need], self.a[need]
        q = 4 * c
        ud_closed = (1 - d0) * a0 + (1 - d0) ** 2 / (q) - Fn  # U_D at ω = 0
        ud_open = a0 + 1 / (q * a) - Fn  # U_D at ω = 1
        c2 = d0 * d0 - q * a0 * lam * d0
        c1 = q * a0 * (lam - a * d0) - 2 * d0 - q * Fn * lam
        c0 = q * a0 * a + 1 - q * Fn * a
        r1, r2 = _quadratic_roots(c2, c1, c0)
        u = np.where((r1 >= 0) & (r1 <= 1), r1, r2)
        w = np.clip(1 - u, 0, 1)
        w = np.where(ud_closed >= 0, 0.0, np.where(ud_open < 0, np.inf, w))
        out[need] = w
        return out

    def outcome(self, w: Array) -> tuple[Array, Array, Array, Array, Array]:
        """Stage 2 at openness ``w`` (shape (N,) or (N, C)).

        Returns α1*, U_D*, participation, G's revenue δ·r (0 where D abstains) and
        G's ω-dependent terms b − κ − φ_G.
        """
        p = self.p
        col = (lambda x: x) if w.ndim == 1 else (lambda x: x[:, None])
        d0, lam, c, a0 = col(p["delta0"]), col(p["lam"]), col(p["c_d"]), col(p["alpha0"])
        share = d0 * (1 - w)
        keep = 1 - share
        ql = 1 - lam * w
        gain = keep / (2 * c * ql)
        alpha1 = a0 + gain
        ud = keep * a0 + 0.5 * keep * gain - col(p["f_d"])
        part = ud >= -TIE_PART
        rev = np.where(part, share * alpha1, 0.0)
        other = (col(p["epsilon"]) + col(p["kappa0"])) * w - col(self.fixed)
        return alpha1, ud, part, rev, other

    # -- stage 1 -------------------------------------------------------------------------
    def _roots(self, m: Array, s: Array) -> tuple[Array, Array]:
        """Stationary points ω of G's objective with revenue weight m and shortfall slope s."""
        p = self.p
        d0, lam, a, B = p["delta0"], p["lam"], self.a, self.B
        k = m * d0 * p["alpha0"] - (p["epsilon"] + p["kappa0"] + s)
        a2 = -m * B * lam * d0 + k * lam * lam
        a1 = -2 * a * m * B * d0 + 2 * a * lam * k
        a0 = a * m * B + a * a * k
        u1, u2 = _quadratic_roots(a2, a1, a0)
        return 1 - u1, 1 - u2

    def maximise(self, lo: Array, hi: Array, m: Array, c0: Array, s: Array) -> tuple[Array, Array]:
        """Best ω in [lo, hi] of m·δr + b − κ − φ_G − c0 + s·ω, and its value."""
        r1, r2 = self._roots(m, s)
        cand = np.stack([lo, hi, r1, r2, self.omega_d], axis=1)
        inside = (cand >= lo[:, None]) & (cand <= hi[:, None])
        cand = np.where(inside, cand, lo[:, None])
        _, _, _, rev, other = self.outcome(cand)
        val = m[:, None] * rev + other - c0[:, None] + s[:, None] * cand
        return select_best(cand, val)

    def regimes(self, theta: Array, pen: Array, form: str) -> Regimes:
        """G's best release without regulation, at or above θ, and below θ (penalised)."""
        n = theta.shape[0]
        one, zero = np.ones(n), np.zeros(n)
        r1, r2 = self._roots(one, zero)
        cols = [zero, one, theta, r1, r2, self.omega_d]
        if form == "turnover":
            cols += list(self._roots(1 - pen, zero))
        elif form == "shortfall":
            cols += list(self._roots(one, pen))
        cand = np.stack(cols, axis=1)
        cand = np.where((cand >= 0) & (cand <= 1), cand, 0.0)
        _, _, _, rev, other = self.outcome(cand)
        base = rev + other
        th = theta[:, None]
        # each regime's candidates: the ends, θ, ω_D and the stationary points of its own
        # objective (a stationary point of the other objective is not a candidate: lying next to
        # the optimum, it could tie with it and, if more open, win by the tie rule)
        own_free = np.arange(cand.shape[1]) < 6  # 0, 1, θ, its two roots, ω_D
        own_defy = own_free if form == "lump_sum" else np.isin(np.arange(8), (0, 1, 2, 5, 6, 7))
        free = np.where(own_free, base, -np.inf)
        w_free, v_free = select_best(cand, free)
        w_c, v_c = select_best(cand, np.where(cand >= th, free, -np.inf))
        below = (cand <= th) & own_defy
        if form == "lump_sum":
            vd = base - pen[:, None]
        elif form == "turnover":
            vd = base - pen[:, None] * rev
        else:
            vd = base - pen[:, None] * (th - cand)
        w_d, v_d = select_best(cand, np.where(below, vd, -np.inf))
        return Regimes(w_free, v_free, w_c, v_c, w_d, v_d)
