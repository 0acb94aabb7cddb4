r"""Compiled numerical path (numba): stage 1 and 2 per point, for any compilable forms.

The equations are those of :mod:`moatlab.game.numerical`; the method is organised per point so
that each solve starts next to the previous one:

* **Stage 2.** D's first-order condition
  :math:`g(\alpha_1) = (1-\delta(\omega)) r'(\alpha_1) - \partial_\Delta\varphi_D = 0` is solved
  by Newton's method safeguarded by a bracket (bisection inside it, doubling while it is open,
  the corner :math:`\alpha_1 = \alpha_0` tested when a step would leave the feasible set),
  started from the linear extrapolation of the two previous solutions in ω. Without analytic
  derivatives, :math:`g` and :math:`g'` come from one five-point stencil of each form.
* **Stage 1.** One grid of ``GameForms.omega_grid`` points (default ``NODES`` = 33) on [0, 1],
  plus θ, serves all three regimes (free [0, 1], comply [θ, 1], defy [0, θ]);
  D's response at a grid point is computed once.
  In each regime the best node and every other local maximum of the node values are refined
  by the Illinois method on :math:`f'(\omega)` (implicit-function slope) to
  :math:`|\Delta\omega| \le 10^{-12}` (two peaks of nearly equal height are both refined), and D's
  participation threshold, where it switches on between two nodes, by the Illinois method on
  :math:`U_D^*(\omega)` to a bracket of :math:`10^{-12}`. A root shared by two regimes (same
  bracket, same objective) is computed once. The candidates are compared by value with the
  tie rules of :func:`~moatlab.game.kernel.select_best`.

The global optimum is found whenever every local maximum is seen by the grid (is wider than
about two grid steps, 1/32 by default). The
test suite checks this path against the closed form (1e-9) and the numpy path.
"""

from __future__ import annotations

import math

import numpy as np

from ._fast import FORMS, compile_notice
from ._jit_forms import (
    A0,
    B1,
    COLUMNS,
    FD,
    K_B,
    K_KA,
    K_PH,
    K_PR,
    K_R,
    K_SH,
    KA,
    KA1,
    PEN,
    PR,
    R1,
    R2,
    SH,
    SH1,
    TH,
    B,
    R,
    _njit,
    form1,
    form1_d12,
    phi,
    phi_d12,
)
from .kernel import TIE, TIE_PART, Regimes
from .numerical import NO_FINITE_RESPONSE, SolverError

NODES = 33
TOL_OMEGA = 1e-12
_NO_ROOT = 1  # status: D's problem has no finite best response
_NOT_FINITE = 2  # status: a form returned NaN or inf where D's condition was evaluated


@_njit
def _share(fl, F, q, w, order):
    return form1(K_SH, fl[K_SH], F[SH], F[SH1], F[SH1], q, w, order)


@_njit
def _r(fl, F, q, x, order):
    return form1(K_R, fl[K_R], F[R], F[R1], F[R2], q, x, order)


@_njit
def _other(fl, F, q, w, order):
    """b(ω) − κ(ω) (order 0) or its slope (order 1)."""
    return (form1(K_B, fl[K_B], F[B], F[B1], F[B1], q, w, order)
            - form1(K_KA, fl[K_KA], F[KA], F[KA1], F[KA1], q, w, order))


@_njit
def d_solve(fl, F, q, w, x0):
    """D's best response at ω = ``w`` from the guess ``x0``: (α1*, flag, status).

    flag: 1 interior, 0 the corner α0, -1 the corner's edge (FOC exactly 0 at α0).
    """
    a0 = q[A0]
    keep = 1.0 - _share(fl, F, q, w, 0)
    rb = fl[K_R]
    pb = fl[K_PH]
    lo = a0
    hi = math.inf
    x = x0 if (x0 > a0 and x0 < math.inf) else a0
    a0_tested = False
    expanded = False
    for _ in range(600):
        r1, r2 = form1_d12(K_R, rb, F[R], F[R1], F[R2], q, x)
        p1, p2 = phi_d12(pb, F, q, x - a0, w)
        g = keep * r1 - p1
        dg = keep * r2 - p2
        if not math.isfinite(g):
            if x != a0 and lo == a0 and hi == math.inf and not a0_tested:
                x = a0  # a guess outside the forms' domain: start again from the corner
                continue
            return math.nan, 0, (_NO_ROOT if expanded else _NOT_FINITE)
        if x == a0:
            a0_tested = True
            if g <= 0.0:
                return a0, (-1 if g == 0.0 else 0), 0
        if g > 0.0:
            lo = x
        elif g < 0.0:
            hi = x
        else:
            return x, 1, 0
        newton = dg < 0.0
        xn = x - g / dg if newton else math.nan
        if newton and abs(xn - x) <= 1e-10 * (1.0 + abs(x)):
            x = min(max(xn, lo), hi)  # converged (quadratically): the step is below rounding
            break
        expanded = False
        if not (xn > lo and xn < hi):
            if hi == math.inf:
                xn = a0 + 2.0 * (x - a0) if x > a0 else a0 + max(1.0, abs(a0))
                expanded = True
            elif not a0_tested and lo == a0:
                xn = a0
            else:
                xn = 0.5 * (lo + hi)
        if hi - lo <= 4e-16 * (1.0 + abs(lo)):
            x = 0.5 * (lo + hi)
            break
        x = xn
    else:
        return math.nan, 0, _NO_ROOT
    if not a0_tested and x - a0 <= 1e-12 * (1.0 + abs(a0)):
        # next to the corner: settle whether α1* is interior
        r1 = _r(fl, F, q, a0, 1)
        g = keep * r1 - phi(pb, F, q, 0.0, w, 1)
        if g <= 0.0:
            return a0, (-1 if g == 0.0 else 0), 0
    return x, 1, 0


@_njit
def outcome(fl, F, q, w, x0, fixed):
    """α1*, flag, U_D*, participation, δ·r, b − κ − φ_G and status at ω = ``w``."""
    a1, flag, st = d_solve(fl, F, q, w, x0)
    share = _share(fl, F, q, w, 0)
    rt = _r(fl, F, q, a1, 0)
    ud = (1.0 - share) * rt - phi(fl[K_PH], F, q, a1 - q[A0], w, 0) - q[FD]
    part = ud >= -TIE_PART
    rev = share * rt if part else 0.0
    return a1, flag, ud, part, rev, _other(fl, F, q, w, 0) - fixed, st


@_njit
def drev(fl, F, q, w, a1, flag, part):
    """Slope of δ·r(α1*) in ω (implicit-function theorem) and of b − κ."""
    dother = _other(fl, F, q, w, 1)
    if not part:
        return 0.0, dother
    pb = fl[K_PH]
    share = _share(fl, F, q, w, 0)
    dshare = _share(fl, F, q, w, 1)
    d = a1 - q[A0]
    r = _r(fl, F, q, a1, 0)
    dr = _r(fl, F, q, a1, 1)
    num = dshare * dr + phi(pb, F, q, d, w, 3)
    den = (1.0 - share) * _r(fl, F, q, a1, 2) - phi(pb, F, q, d, w, 2)
    da1 = num / den
    if flag == 0:
        da1 = 0.0
    elif flag == -1 and da1 < 0.0:
        da1 = 0.0
    return dshare * r + share * dr * da1, dother


@_njit
def _interp(wa, xa, wb, xb, w):
    if wb == wa:
        return xa
    return xa + (xb - xa) * (w - wa) / (wb - wa)


@_njit
def illinois_slope(fl, F, q, fixed, a, b, fa, fb, xa, xb, m, s):
    """Root of the regime's slope in [a, b] (fa > 0 > fb): (ω, δ·r, b − κ − φ_G, status)."""
    side = 0.0
    c = a
    rev_c = 0.0
    oth_c = 0.0
    for _ in range(100):
        c_new = b - fb * (b - a) / (fb - fa)
        if not math.isfinite(c_new):
            c_new = 0.5 * (a + b)
        c_new = min(max(c_new, min(a, b)), max(a, b))
        a1, flag, _, part, rev_c, oth_c, st = outcome(fl, F, q, c_new, _interp(a, xa, b, xb, c_new), fixed)
        if st:
            return math.nan, 0.0, 0.0, st
        dr, do = drev(fl, F, q, c_new, a1, flag, part)
        fc = m * dr + do + s
        c = c_new
        if fc > 0:
            fa = fc
            if side == 1.0:
                fb *= 0.5
            a = c
            xa = a1
            side = 1.0
        else:
            if side == -1.0:
                fa *= 0.5
            fb = fc
            b = c
            xb = a1
            side = -1.0
        # the bracket, not the step, must shrink: a slow one-sided approach (a kink or a jump
        # of f' such as D's participation threshold) would otherwise stop short of the root
        if abs(b - a) <= TOL_OMEGA or fc == 0:
            break
    return c, rev_c, oth_c, 0


@_njit
def participation_threshold(fl, F, q, fixed, wl, hl, xl, wr, hr, xr, flr, rev_r, oth_r):
    """Where D's participation switches on in (wl, wr]: the end with U_D* ≥ 0 of a bracket of
    width ≤ 1e-12 around the root of U_D*, found by the Illinois method.
    Returns (ω, α1*, flag, δ·r, b − κ − φ_G, status) there."""
    if hr < 0.0:  # the right node participates only by the tie rule: it is the threshold
        return wr, xr, flr, rev_r, oth_r, 0
    side = 0.0
    for it in range(200):
        if wr - wl <= TOL_OMEGA:
            break
        c = wr - hr * (wr - wl) / (hr - hl)
        if it >= 60 or not (c > wl and c < wr):
            c = 0.5 * (wl + wr)
        a1, flag, ud, _, rev, oth, st = outcome(fl, F, q, c, _interp(wl, xl, wr, xr, c), fixed)
        if st:
            return math.nan, math.nan, 0, 0.0, 0.0, st
        hc = ud
        if hc >= 0.0:
            wr, hr, xr, flr, rev_r, oth_r = c, hc, a1, flag, rev, oth
            if side == 1.0:
                hl *= 0.5
            side = 1.0
        else:
            wl, hl, xl = c, hc, a1
            if side == -1.0:
                hr *= 0.5
            side = -1.0
    return wr, xr, flr, rev_r, oth_r, 0


@_njit
def _threshold(fl, F, q, fixed, nd, j):
    """The participation threshold between nodes j and j + 1, computed once per point."""
    W, A1, FL, RV, OT, UD, TW, TA, TF, TR, TO = (nd[0], nd[1], nd[2], nd[4], nd[5], nd[6], nd[9], nd[10],
                                                 nd[11], nd[12], nd[13])
    if math.isnan(TW[j]):
        w, a1, flag, rev, oth, st = participation_threshold(
            fl, F, q, fixed, W[j], UD[j], A1[j], W[j + 1], UD[j + 1], A1[j + 1], int(FL[j + 1]), RV[j + 1],
            OT[j + 1])
        if st:
            return st
        TW[j], TA[j], TF[j], TR[j], TO[j] = w, a1, flag, rev, oth
    return 0


@_njit
def _node_slope(fl, F, q, nd, j, m, s):
    W, A1, FL, PT, DR, DO = nd[0], nd[1], nd[2], nd[3], nd[7], nd[8]
    if math.isnan(DR[j]):
        DR[j], DO[j] = drev(fl, F, q, W[j], A1[j], int(FL[j]), PT[j] > 0.0)
    return m * DR[j] + DO[j] + s


@_njit
def _refine(fl, F, q, fixed, nd, kb, jlo, jhi, m, s, cache, ncache):
    """The stationary point of the regime's objective next to node kb (beyond D's participation
    threshold when it lies in that cell): (ω, value, ncache, status); ω is NaN when none."""
    W, A1, PT = nd[0], nd[1], nd[3]
    TW, TA, TF = nd[9], nd[10], nd[11]
    left = max(kb - 1, jlo)
    right = min(kb + 1, jhi)
    sc = _node_slope(fl, F, q, nd, kb, m, s)
    if sc > 0:
        ia, ib, sa = kb, right, sc
        sb = _node_slope(fl, F, q, nd, right, m, s) if right != kb else sc
    else:
        ia, ib, sb = left, kb, sc
        sa = _node_slope(fl, F, q, nd, left, m, s) if left != kb else sc
    wa, xa = W[ia], A1[ia]
    if PT[ia] == 0.0 and PT[ib] > 0.0:
        # f' jumps where D starts to participate: look for a stationary point only beyond it
        st = _threshold(fl, F, q, fixed, nd, ia)
        if st:
            return math.nan, -math.inf, ncache, st
        wa, xa = TW[ia], TA[ia]
        dr, do = drev(fl, F, q, wa, xa, int(TF[ia]), True)
        sa = m * dr + do + s
    wr, vr = math.nan, -math.inf
    if sa > 0 and sb < 0:
        hit = -1
        for c in range(ncache):
            if cache[c, 0] == wa and cache[c, 1] == W[ib] and cache[c, 2] == m and cache[c, 3] == s:
                hit = c
        if hit < 0:
            root, rev, oth, st = illinois_slope(fl, F, q, fixed, wa, W[ib], sa, sb, xa, A1[ib], m, s)
            if st:
                return math.nan, -math.inf, ncache, st
            cache[ncache, 0], cache[ncache, 1], cache[ncache, 2], cache[ncache, 3] = wa, W[ib], m, s
            cache[ncache, 4], cache[ncache, 5], cache[ncache, 6] = root, rev, oth
            hit = ncache
            ncache += 1
        wr = cache[hit, 4]
        vr = m * cache[hit, 5] + cache[hit, 6] + s * wr
    return wr, vr, ncache, 0


@_njit
def maximise(fl, F, q, fixed, nd, jlo, jhi, jt, m, c0, s, cache, ncache):
    """Best ω over nodes jlo..jhi and the refined candidates: (ω, value, ncache, status)."""
    W, PT, RV, OT, TW, TR, TO = nd[0], nd[3], nd[4], nd[5], nd[9], nd[12], nd[13]
    best = -math.inf
    kb = jlo
    for j in range(jlo, jhi + 1):
        v = m * RV[j] + OT[j] + s * W[j]
        if v >= best:
            best = v
            kb = j
    wt, vt = math.nan, -math.inf
    for j in range(jlo, jhi):
        if PT[j] == 0.0 and PT[j + 1] > 0.0:  # D's participation switches on: its threshold
            st = _threshold(fl, F, q, fixed, nd, j)
            if st:
                return math.nan, math.nan, ncache, st
            wt, vt = TW[j], m * TR[j] + TO[j] + s * TW[j]
            break
    # refine the best node and every other local maximum of the node values: with a
    # multi-peaked form two peaks can be closer in value than a grid cell's curvature drop, so
    # the best node may sit next to the lower one (issue: sin(30ω) benefit)
    wr, vr, ncache, st = _refine(fl, F, q, fixed, nd, kb, jlo, jhi, m, s, cache, ncache)
    if st:
        return math.nan, math.nan, ncache, st
    for k in range(jlo, jhi + 1):
        if k == kb:
            continue
        vk = m * RV[k] + OT[k] + s * W[k]
        if k == jlo or k == jhi:  # the region's ends are candidates of their own
            continue
        v_left = m * RV[k - 1] + OT[k - 1] + s * W[k - 1]
        v_right = m * RV[k + 1] + OT[k + 1] + s * W[k + 1]
        if not (vk > v_left and vk >= v_right):
            continue
        wk, vk2, ncache, st = _refine(fl, F, q, fixed, nd, k, jlo, jhi, m, s, cache, ncache)
        if st:
            return math.nan, math.nan, ncache, st
        if not math.isnan(wk) and (math.isnan(wr) or vk2 > vr or (vk2 == vr and wk > wr)):
            wr, vr = wk, vk2
    # candidates, as in the closed form: the region's ends and θ, the stationary point (or the best
    # node when there is none, or when it is better), the threshold. Other nodes are not: next
    # to a flat optimum they would tie with it and, being more open, win by the tie rule.
    vlo = m * RV[jlo] + OT[jlo] + s * W[jlo]
    vhi = m * RV[jhi] + OT[jhi] + s * W[jhi]
    vth = m * RV[jt] + OT[jt] + s * W[jt]
    vb = best if (math.isnan(wr) or best > vr + TIE * (1.0 + abs(vr))) else -math.inf
    best = max(vlo, vhi, vth, vb, vr, vt)
    tol = TIE * (1.0 + abs(best))
    w = -math.inf
    for wc, vc in ((W[jlo], vlo), (W[jhi], vhi), (W[jt], vth), (W[kb], vb), (wr, vr), (wt, vt)):
        if vc >= best - tol:
            w = max(w, wc)
    return w, best - c0, ncache, 0


@_njit
def solve_row(fl, F, q, form, nd, cache, out):
    """The three regimes of one point into out[0:6]; returns a status (0 = solved).

    ``nd`` (14 × (nodes + 1); nodes: the grid's points on [0, 1]) holds, per node:
    ω, α1*, flag, participation, δ·r, b − κ − φ_G, U_D*,
    the slope parts δ·r' and (b − κ)' (NaN until needed), and for the cell to its right the
    participation threshold's ω, α1*, flag, δ·r and b − κ − φ_G (NaN until needed).
    """
    a0, theta, pen = q[A0], q[TH], q[PEN]
    nodes = nd.shape[1] - 1
    fixed = form1(K_PR, fl[K_PR], F[PR], F[PR], F[PR], q, a0, 0)
    W, A1, FL, PT, RV, OT, UD, DR, TW = nd[0], nd[1], nd[2], nd[3], nd[4], nd[5], nd[6], nd[7], nd[9]
    n = 0
    jt = -1
    for k in range(nodes):
        wk = k / (nodes - 1)
        if jt < 0 and theta < wk:
            W[n] = theta
            jt = n
            n += 1
        if jt < 0 and theta == wk:
            jt = n
        W[n] = wk
        n += 1
    for j in range(n):
        guess = a0
        if j >= 1 and FL[j - 1] == 1.0:
            guess = A1[j - 1]
            if j >= 2 and FL[j - 2] == 1.0 and W[j - 1] - W[j - 2] >= 0.5 * (W[j] - W[j - 1]):
                guess = _interp(W[j - 2], A1[j - 2], W[j - 1], A1[j - 1], W[j])
        a1, flag, ud, part, rev, oth, st = outcome(fl, F, q, W[j], guess, fixed)
        if st:
            return st
        A1[j], FL[j], UD[j], PT[j], RV[j], OT[j] = a1, flag, ud, 1.0 if part else 0.0, rev, oth
        DR[j] = math.nan
        TW[j] = math.nan
    nc = 0
    out[0], out[1], nc, st = maximise(fl, F, q, fixed, nd, 0, n - 1, jt, 1.0, 0.0, 0.0, cache, nc)
    if st:
        return st
    out[2], out[3], nc, st = maximise(fl, F, q, fixed, nd, jt, n - 1, jt, 1.0, 0.0, 0.0, cache, nc)
    if st:
        return st
    m, c0, s = 1.0, pen, 0.0  # lump sum
    if form == 1:
        m, c0 = 1.0 - pen, 0.0  # turnover
    elif form == 2:
        c0, s = pen * theta, pen  # shortfall
    out[4], out[5], nc, st = maximise(fl, F, q, fixed, nd, 0, jt, jt, m, c0, s, cache, nc)
    return st


@_njit
def _tuples(P, i, F, fl):
    """Row i, the addresses and the flags as tuples: passed by value, so the inner functions
    do no reference counting (arrays would cost more than the arithmetic)."""
    q = (P[i, 0], P[i, 1], P[i, 2], P[i, 3], P[i, 4], P[i, 5], P[i, 6], P[i, 7], P[i, 8], P[i, 9])
    ft = (F[0], F[1], F[2], F[3], F[4], F[5], F[6], F[7], F[8], F[9], F[10], F[11], F[12], F[13])
    return q, ft, (fl[0], fl[1], fl[2], fl[3], fl[4], fl[5])


@_njit
def regimes_all(P, F, fl, form, nodes, res):
    """Regimes of every row of P (rows × 10 parameters) into res (6 × rows); (row, status) of the
    first row that fails, or (-1, 0)."""
    nd = np.empty((14, nodes + 1))  # per node: see solve_row
    cache = np.empty((3 * (nodes + 1), 7))  # refined roots, shared by the regimes
    out = np.empty(6)
    for i in range(P.shape[0]):
        q, ft, flt = _tuples(P, i, F, fl)
        st = solve_row(flt, ft, q, form, nd, cache, out)
        if st:
            return i, st
        for j in range(6):
            res[j, i] = out[j]
    return -1, 0


@_njit
def outcomes_all(P, F, fl, w, res):
    """α1*, U_D*, participation, δ·r, b − κ − φ_G and flag at ω = w[i] for every row (cold start)."""
    for i in range(P.shape[0]):
        q, ft, flt = _tuples(P, i, F, fl)
        fixed = form1(K_PR, flt[K_PR], ft[PR], ft[PR], ft[PR], q, q[A0], 0)
        a1, flag, ud, part, rev, oth, st = outcome(flt, ft, q, w[i], q[A0], fixed)
        if st:
            return i, st
        res[0, i], res[1, i], res[2, i], res[3, i], res[4, i], res[5, i] = (
            a1, ud, 1.0 if part else 0.0, rev, oth, flag)
    return -1, 0


class CompiledNumericalKernel:
    """The numerical kernel's interface (``regimes``, ``outcome``) on the compiled path."""

    method = "numerical"

    def __init__(self, p: dict[str, np.ndarray], compiled, nodes: int = NODES):
        self.nodes = int(nodes)
        self.P = np.ascontiguousarray(np.stack([np.asarray(p[k], float) for k in COLUMNS], axis=1))
        self.F, self.flags, self._keep = compiled

    def _check(self, failed: tuple[int, int]) -> None:
        row, status = failed
        if status == _NO_ROOT:
            raise SolverError(NO_FINITE_RESPONSE)
        if status:
            at = ", ".join(f"{k}={v:.6g}" for k, v in zip(COLUMNS, self.P[row], strict=True))
            raise SolverError(
                f"a functional form returned NaN or inf in the specialist's problem at {at}: forms "
                "must be finite for every α1 ≥ α0 and ω in [0, 1], and a little beyond (finite "
                "differences step up to 4e-3 past the domain)")

    def regimes(self, theta: np.ndarray, pen: np.ndarray, form: str) -> Regimes:
        res = np.empty((6, self.P.shape[0]))
        compile_notice(regimes_all, "the numerical kernel for user forms")
        self._check(regimes_all(self.P, self.F, self.flags, FORMS[form], self.nodes, res))
        return Regimes(*res)

    def outcome(self, w: np.ndarray):
        """α1*, U_D*, participation, δ·r, b − κ − φ_G and the interior flag at ω of shape (N, 1)."""
        res = np.empty((6, self.P.shape[0]))
        self._check(outcomes_all(self.P, self.F, self.flags, np.ascontiguousarray(w[:, 0], float), res))
        a1, ud, part, rev, other, flag = (x[:, None] for x in res)
        return a1, ud, part > 0, rev, other, flag.astype(int)
