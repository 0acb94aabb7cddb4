"""Vectorised kernel of the safety-floor game: D's best response and G's candidate enumeration.

Everything here works on flat numpy arrays of equal length (one entry per game); there is no
Python loop over games. Notation (see :mod:`moatlab.safety`):

* G's costs C0 = [[P, Q], [Q, S]], D's costs C1 = [[p, q], [q, s]], w = (1 − δ) r.
* D adds x = γ1 − γ0 ≥ (0, L) with L = max(0, θ_D − β0). Its problem
  max_x wᵀx − xᵀC1x is a strictly concave QP whose solution depends on β0 only through L:

  - x = x_free for L ≤ L_free, where x_free solves the problem with the performance bound only
    (interior: x = C1⁻¹w/2 if its α-part is ≥ 0, else (0, w_β/(2s))) and L_free its β-part;
  - x = (max(0, (w_α − 2qL)/(2p)), L) for L > L_free (D's floor, or β1 = β0, binds).

* So D's response is piecewise affine in β0 with breaks at β0 = θ_D, θ_D − L_free and
  θ_D − w_α/(2q) (q > 0). On each piece G maximises a concave quadratic over a convex set
  (α0 ≥ 0, β0 in the piece and above θ_G, D's participation U_D = ρα0 + h(β0) ≥ 0 with
  ρ = w_α and h quadratic). Its KKT points are among: the stationary point; the maximiser on
  each linear face (α0 = 0, β0 = either end of the piece); the vertices; the intersections of
  the participation curve with the faces; the stationary points of U_G along that curve
  (roots of a cubic). Every candidate is then evaluated exactly (D's response recomputed), so
  extra candidates cost time but never correctness; the best feasible one wins.
"""

from __future__ import annotations

import numpy as np

STRATEGIES = ("unconstrained", "floor", "participation", "abstain")
UNCONSTRAINED, FLOOR, PARTICIPATION, ABSTAIN = range(4)

#: Relative tolerance for ties (G's indifference, D's participation at U_D = 0).
TIE_RTOL = 1e-9
#: Relative tolerance for "on the floor" / "on a bound" labels.
BOUND_RTOL = 1e-7

_ARGS = ("theta_g", "theta_d", "c0_aa", "c0_ab", "c0_bb", "c1_aa", "c1_ab", "c1_bb", "r_a", "r_b",
         "delta")


def d_free(wa, wb, p, q, s):
    """D's best addition with only the performance bound x_α ≥ 0 (and x_β free)."""
    det = p * s - q * q
    xa_u = (s * wa - q * wb) / (2 * det)
    xb_u = (p * wb - q * wa) / (2 * det)
    interior = xa_u >= 0
    return np.where(interior, xa_u, 0.0), np.where(interior, xb_u, wb / (2 * s))


def d_response(b0, theta_d, wa, wb, p, q, s):
    """D's best addition x = γ1 − γ0 given G's safety β0 (closed form of its box QP)."""
    L = np.maximum(0.0, theta_d - b0)
    fa, fb = d_free(wa, wb, p, q, s)
    bound = L > fb
    xa = np.where(bound, np.maximum(0.0, (wa - 2 * q * L) / (2 * p)), fa)
    xb = np.where(bound, L, fb)
    return xa, xb


def evaluate(a0, b0, g):
    """Exact outcome of G's release γ0 = (a0, b0): D's response and both utilities.

    ``g`` is a dict of parameter arrays broadcastable against ``a0``. Returns
    ``(a1, b1, U_G, U_D, L, xb)``.
    """
    w = 1.0 - g["delta"]
    wa, wb = w * g["r_a"], w * g["r_b"]
    p, q, s = g["c1_aa"], g["c1_ab"], g["c1_bb"]
    xa, xb = d_response(b0, g["theta_d"], wa, wb, p, q, s)
    a1, b1 = a0 + xa, b0 + xb
    rev = g["r_a"] * a1 + g["r_b"] * b1
    phi1 = p * xa * xa + 2 * q * xa * xb + s * xb * xb
    phi0 = g["c0_aa"] * a0 * a0 + 2 * g["c0_ab"] * a0 * b0 + g["c0_bb"] * b0 * b0
    U_D = w * rev - phi1
    U_G = g["delta"] * rev - phi0
    return a1, b1, U_G, U_D, np.maximum(0.0, g["theta_d"] - b0), xb


def _quad_roots(c0, c1, c2):
    """Both roots of c2 t² + c1 t + c0 (real parts; linear when c2 = 0). NaN where none."""
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = np.sqrt(np.maximum(c1 * c1 - 4 * c2 * c0, 0.0))
        # stable form: q = -(c1 + sign(c1) disc)/2, roots q/c2 and c0/q
        sgn = np.where(c1 >= 0, 1.0, -1.0)
        qq = -0.5 * (c1 + sgn * disc)
        quad = c2 != 0
        r1 = np.where(quad, qq / c2, -c0 / c1)
        r2 = np.where(quad, c0 / qq, np.nan)
    return r1, r2


def _cubic_roots(c):
    """Real parts of the roots of c[:,0] + c[:,1] t + c[:,2] t² + c[:,3] t³ (n × 3, NaN padded).

    Degree 3 rows use the eigenvalues of the companion matrix (batched LAPACK); lower-degree rows
    the quadratic formula. Complex roots contribute their real parts: candidates only.
    """
    n = c.shape[0]
    out = np.full((n, 3), np.nan)
    scale = np.max(np.abs(c), axis=1)
    scale = np.where(scale > 0, scale, 1.0)
    cn = c / scale[:, None]
    cubic = np.abs(cn[:, 3]) > 1e-12
    if cubic.any():
        cc = cn[cubic]
        m = np.zeros((cc.shape[0], 3, 3))
        m[:, 0, :] = -cc[:, [2, 1, 0]] / cc[:, 3:4]
        m[:, 1, 0] = 1.0
        m[:, 2, 1] = 1.0
        ok = np.isfinite(m).all(axis=(1, 2))
        ev = np.full((cc.shape[0], 3), np.nan)
        if ok.any():
            ev[ok] = np.linalg.eigvals(m[ok]).real
        out[cubic] = ev
    rest = ~cubic
    if rest.any():
        r1, r2 = _quad_roots(cn[rest, 0], cn[rest, 1], cn[rest, 2])
        out[rest, 0] = r1
        out[rest, 1] = r2
    return out


def _pieces(g):
    """Breakpoints of D's response in β0: sorted (n × 3), +inf where a break does not exist."""
    w = 1.0 - g["delta"]
    wa, wb = w * g["r_a"], w * g["r_b"]
    p, q, s = g["c1_aa"], g["c1_ab"], g["c1_bb"]
    _, lfree = d_free(wa, wb, p, q, s)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        l0 = np.where(q > 0, wa / (2 * q), np.inf)
    td = g["theta_d"]
    e = np.stack([td, td - lfree, np.where(np.isfinite(l0), td - l0, np.inf)], axis=1)
    return np.sort(e, axis=1)


def candidates(g):
    """Candidate releases (a0, b0), each n × K, for the flat parameter arrays ``g``."""
    n = g["theta_g"].shape[0]
    delta = g["delta"]
    w = 1.0 - delta
    ra, rb = g["r_a"], g["r_b"]
    wa, wb = w * ra, w * rb
    p, q, s = g["c1_aa"], g["c1_ab"], g["c1_bb"]
    P, Q, S = g["c0_aa"], g["c0_ab"], g["c0_bb"]
    tg, td = g["theta_g"], g["theta_d"]
    fa, fb = d_free(wa, wb, p, q, s)
    det0 = P * S - Q * Q
    e = _pieces(g)
    bounds = np.concatenate([np.full((n, 1), -np.inf), e, np.full((n, 1), np.inf)], axis=1)
    A, B = [], []

    def add(a, b):
        A.append(np.broadcast_to(a, (n,)))
        B.append(np.broadcast_to(b, (n,)))

    rho = wa
    has_rho = rho > 0
    for k in range(4):
        lo = np.maximum(bounds[:, k], tg)
        hi = bounds[:, k + 1]
        empty = lo > hi
        lo = np.where(empty, np.nan, lo)
        hi = np.where(empty, np.nan, hi)
        m = np.where(np.isfinite(hi), 0.5 * (lo + hi), lo + 1.0)
        # affine pieces x(b) = X0 + X1 b of D's response on this interval
        Lm = np.maximum(0.0, td - m)
        left = m < td
        l0 = np.where(left, td, 0.0)
        l1 = np.where(left, -1.0, 0.0)
        free = Lm <= fb
        atype = (wa - 2 * q * Lm) > 0
        X0a = np.where(free, fa, np.where(atype, (wa - 2 * q * l0) / (2 * p), 0.0))
        X1a = np.where(free, 0.0, np.where(atype, -q * l1 / p, 0.0))
        X0b = np.where(free, fb, l0)
        X1b = np.where(free, 0.0, l1)
        ka = delta * ra
        kb = delta * (rb + ra * X1a + rb * X1b)
        q00 = p * X0a * X0a + 2 * q * X0a * X0b + s * X0b * X0b
        q01 = p * X0a * X1a + q * (X0a * X1b + X0b * X1a) + s * X0b * X1b
        q11 = p * X1a * X1a + 2 * q * X1a * X1b + s * X1b * X1b
        h0 = wa * X0a + wb * X0b - q00
        h1 = wb + wa * X1a + wb * X1b - 2 * q01
        h2 = -q11
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # 1. stationary point of G's quadratic on this piece
            add((S * ka - Q * kb) / (2 * det0), (P * kb - Q * ka) / (2 * det0))
            # 2. best point on the face α0 = 0; 3-4. best points on the faces β0 = lo, β0 = hi
            add(0.0, np.clip(kb / (2 * S), lo, hi))
            add(np.maximum(0.0, (ka - 2 * Q * lo) / (2 * P)), lo)
            add(np.maximum(0.0, (ka - 2 * Q * hi) / (2 * P)), hi)
            # 5. vertices on α0 = 0
            add(0.0, lo)
            add(0.0, hi)
            # 6-7. participation curve ∩ α0 = 0, and the best point on the line β0 = root
            #      (the whole curve when ρ = 0)
            for t in _quad_roots(h0, h1, h2):
                add(0.0, t)
                add(np.maximum(0.0, (ka - 2 * Q * t) / (2 * P)), t)
            # 8. participation curve ∩ β0 = lo, hi
            for t in (lo, hi):
                add(np.where(has_rho, -(h0 + h1 * t + h2 * t * t) / rho, np.nan), t)
            # 9. stationary points of U_G along the curve α0 = −h(β0)/ρ: roots of a cubic
            #    (derivative of ρ²·U_G along the curve)
            r2 = rho * rho
            c = np.zeros((n, 4))
            c[:, 0] = -rho * ka * h1 + r2 * kb - 2 * P * h0 * h1 + 2 * rho * Q * h0
            c[:, 1] = (-2 * rho * ka * h2 - 2 * P * (2 * h0 * h2 + h1 * h1) + 2 * rho * Q * 2 * h1
                       - 2 * r2 * S)
            c[:, 2] = -2 * P * 3 * h1 * h2 + 2 * rho * Q * 3 * h2
            c[:, 3] = -2 * P * 2 * h2 * h2
            c = np.where(np.isfinite(c), c, 0.0)
            roots = _cubic_roots(c)
            for j in range(3):
                t = roots[:, j]
                add(np.where(has_rho, -(h0 + h1 * t + h2 * t * t) / rho, np.nan), t)
    return np.stack(A, axis=1), np.stack(B, axis=1)


def scale_of(g):
    """A per-game utility scale for tolerances: revenue²/cost plus the floors' cost."""
    cmin = np.minimum.reduce([g["c0_aa"], g["c0_bb"], g["c1_aa"], g["c1_bb"]])
    cmax = np.maximum.reduce([g["c0_aa"], g["c0_bb"], g["c1_aa"], g["c1_bb"]])
    r = g["r_a"] + g["r_b"]
    return r * r / cmin + cmax * (g["theta_g"] ** 2 + g["theta_d"] ** 2) + 1e-300


def solve_flat(g):
    """Subgame-perfect equilibrium for flat arrays ``g`` (all the same length n).

    Returns a dict of arrays: alpha0, beta0, alpha1, beta1, U_G, U_D, G_strategy, D_strategy
    (codes into :data:`STRATEGIES`). An abstaining G (no release that D accepts and that G
    weakly prefers to abstaining) gives NaN investments and zero utilities.
    """
    a, b = candidates(g)
    a = np.maximum(a, 0.0)
    b = np.maximum(b, g["theta_g"][:, None])
    gg = {k: v[:, None] for k, v in g.items()}
    with np.errstate(invalid="ignore", over="ignore"):
        a1, b1, UG, UD, L, xb = evaluate(a, b, gg)
    sc = scale_of(g)
    tol = TIE_RTOL * sc
    ok = np.isfinite(a) & np.isfinite(b) & np.isfinite(UG) & (UD >= -tol[:, None])
    UGm = np.where(ok, UG, -np.inf)
    best = UGm.max(axis=1)
    # ties: G prefers the safer product (β1), then more of its own safety (β0)
    near = UGm >= (best - tol)[:, None]
    key1 = np.where(near, b1, -np.inf)
    top = key1.max(axis=1)
    near2 = near & (key1 >= top[:, None] - BOUND_RTOL * (1 + np.abs(top[:, None])))
    pick = np.argmax(np.where(near2, b, -np.inf), axis=1)
    rows = np.arange(a.shape[0])
    release = best >= -tol  # release over abstention when indifferent
    sel = {name: arr[rows, pick] for name, arr in
           (("alpha0", a), ("beta0", b), ("alpha1", a1), ("beta1", b1), ("U_G", UG), ("U_D", UD),
            ("L", L), ("xb", xb))}
    out = {}
    for k in ("alpha0", "beta0", "alpha1", "beta1"):
        out[k] = np.where(release, sel[k], np.nan)
    out["U_G"] = np.where(release, sel["U_G"], 0.0)
    out["U_D"] = np.where(release, np.maximum(sel["U_D"], 0.0), 0.0)
    tg, td = g["theta_g"], g["theta_d"]
    btol = BOUND_RTOL * (1 + np.maximum(tg, td))
    on_part = (np.abs(sel["U_D"]) <= tol) & (sel["L"] > btol)
    d_floor = (sel["L"] > btol) & (np.abs(sel["xb"] - sel["L"]) <= btol)
    g_floor = (tg > 0) & (np.abs(sel["beta0"] - tg) <= btol)
    gs = np.where(on_part, PARTICIPATION, np.where(g_floor, FLOOR, UNCONSTRAINED))
    ds = np.where(on_part, PARTICIPATION, np.where(d_floor, FLOOR, UNCONSTRAINED))
    out["G_strategy"] = np.where(release, gs, ABSTAIN).astype(np.int8)
    out["D_strategy"] = np.where(release, ds, ABSTAIN).astype(np.int8)
    return out
