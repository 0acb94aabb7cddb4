"""Independent reference solvers for the safety-floor game (tests only).

D's problem is solved by trying every active set of its two bounds (not by the kernel's
piecewise-in-L formula); G's by a dense grid over (α0, β0) refined twice around the best cell.
"""

from __future__ import annotations

import numpy as np


def d_best(a0, b0, theta_d, c1, r, delta):
    """D's best addition by enumerating the 4 active sets of x ≥ (0, L); returns (xa, xb, U_D)."""
    p, q, s = c1
    wa, wb = (1 - delta) * r[0], (1 - delta) * r[1]
    a0, b0 = np.broadcast_arrays(np.asarray(a0, float), np.asarray(b0, float))
    L = np.maximum(0.0, theta_d - b0)
    det = p * s - q * q
    cands = [
        (np.full_like(L, (s * wa - q * wb) / (2 * det)), np.full_like(L, (p * wb - q * wa) / (2 * det))),
        (np.zeros_like(L), np.full_like(L, wb / (2 * s))),
        ((wa - 2 * q * L) / (2 * p), L),
        (np.zeros_like(L), L),
    ]
    best_v = np.full(L.shape, -np.inf)
    bxa, bxb = np.zeros_like(L), np.zeros_like(L)
    for xa, xb in cands:
        feas = (xa >= -1e-12) & (xb >= L - 1e-12)
        xa, xb = np.maximum(xa, 0), np.maximum(xb, L)
        v = wa * xa + wb * xb - (p * xa * xa + 2 * q * xa * xb + s * xb * xb)
        better = feas & (v > best_v)
        best_v = np.where(better, v, best_v)
        bxa, bxb = np.where(better, xa, bxa), np.where(better, xb, bxb)
    UD = (1 - delta) * (r[0] * a0 + r[1] * b0) + best_v
    return bxa, bxb, UD


def outcome(a0, b0, case):
    """(U_G, U_D, beta1) of G's release (a0, b0) with D's reference best response."""
    th_d, c0, c1, r, d = case["theta_d"], case["c0"], case["c1"], case["r"], case["delta"]
    xa, xb, UD = d_best(a0, b0, th_d, c1, r, d)
    rev = r[0] * (a0 + xa) + r[1] * (b0 + xb)
    UG = d * rev - (c0[0] * a0 * a0 + 2 * c0[1] * a0 * b0 + c0[2] * b0 * b0)
    return UG, UD, b0 + xb


def _grid_best(case, alo, ahi, blo, bhi, n, tol, top=1):
    A, B = np.meshgrid(np.linspace(alo, ahi, n), np.linspace(blo, bhi, n), indexing="ij")
    UG, UD, _ = outcome(A, B, case)
    UG = np.where(UD >= -tol, UG, -np.inf).ravel()
    idx = np.argsort(UG)[::-1][:top]
    return [(float(UG[i]), float(A.ravel()[i]), float(B.ravel()[i])) for i in idx if np.isfinite(UG[i])]


def brute_g(case, n=301, zooms=2, top=12, tol=1e-12):
    """G's best release on a dense grid (D must participate), refined twice around each of the
    ``top`` best grid points: returns (U_G, a0, b0), or (-inf, nan, nan) when no grid release keeps
    D in."""
    c0, c1, r = case["c0"], case["c1"], case["r"]
    tg, td = case["theta_g"], case["theta_d"]
    lam0 = 0.5 * (c0[0] + c0[2] - np.hypot(c0[0] - c0[2], 2 * c0[1]))
    lam1 = 0.5 * (c1[0] + c1[2] - np.hypot(c1[0] - c1[2], 2 * c1[1]))
    rn = float(np.hypot(*r))
    X = td + rn / lam1
    R = (rn + np.sqrt(rn * rn + 4 * lam0 * rn * X)) / (2 * lam0) + 1e-9
    da, db = R / (n - 1), (max(tg, R) - tg) / (n - 1)
    best = (-np.inf, np.nan, np.nan)
    for start in _grid_best(case, 0.0, R, tg, max(tg, R), n, tol, top):
        cur, wa, wb = start, da, db
        for _ in range(zooms):
            found = _grid_best(case, max(0.0, cur[1] - 4 * wa), cur[1] + 4 * wa,
                               max(tg, cur[2] - 4 * wb), cur[2] + 4 * wb, 61, tol)
            if found and found[0][0] > cur[0]:
                cur = found[0]
            wa, wb = 8 * wa / 60, 8 * wb / 60
        if cur[0] > best[0]:
            best = cur
    return best


def random_case(rng, kappa=0.9):
    """A random game: cost diagonals in [0.3, 3], cross terms κ·sqrt(c_αα c_ββ) with
    κ ∈ [−kappa, kappa], r in [0, 2]², δ in [0.05, 0.95], floors zero or positive."""
    def mat():
        aa, bb = rng.uniform(0.3, 3, 2)
        return (aa, rng.uniform(-kappa, kappa) * np.sqrt(aa * bb), bb)

    r = tuple(rng.uniform(0, 2, 2) * (rng.uniform(size=2) > 0.1))
    return dict(c0=mat(), c1=mat(), r=r, delta=rng.uniform(0.05, 0.95),
                theta_g=0.0 if rng.uniform() < 0.35 else rng.uniform(0, 1.2),
                theta_d=0.0 if rng.uniform() < 0.25 else rng.uniform(0, 2.5))
