"""Benchmark of the safety-floor game's solver on the paper's largest (θ_G, θ_D) map.

Laufer, Kleinberg and Heidari ("The Backfiring Effect of Weak AI Safety Regulation") map θ_G from
0 to 1.25 and θ_D from θ_G to 2.5 in steps of 0.005. This script solves every game of that map
with :func:`moatlab.safety.solve_arrays` (vectorised closed-form candidate enumeration) and a
random sample of the same games with a per-point ``scipy.optimize`` solver (D's problem by
L-BFGS-B with bounds, G's by bounded Nelder–Mead from four starts, abstention compared at the
end), both in this run, and prints games per second, how often the two agree on G's utility (to
1e-6 relative), how often the vectorised solver is better, and as its last line
``speedup: <ratio>``. Targets (one core): the whole map in under 5 s, >= 1000x the baseline.

Run: ``python benchmarks/bench_safety.py [--step 0.005] [--sample 30] [--seed 0]
[--c0 1,0,1 --c1 1,0,1 --r 1,1 --delta 0.5]``.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # one core

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

from moatlab.safety import solve_arrays  # noqa: E402


def paper_map(step: float) -> tuple[np.ndarray, np.ndarray]:
    """(θ_G, θ_D) pairs: θ_G in [0, 1.25], θ_D in [θ_G, 2.5], both on the step grid."""
    k = np.arange(int(round(2.5 / step)) + 1)
    gi, di = np.meshgrid(k[k * step <= 1.25 + 1e-12], k, indexing="ij")
    keep = di >= gi
    return gi[keep] * step, di[keep] * step


def naive_point(tg, td, c0, c1, r, delta):
    """One equilibrium the way one would write it first: nested scipy.optimize, per point."""
    C0 = np.array([[c0[0], c0[1]], [c0[1], c0[2]]])
    C1 = np.array([[c1[0], c1[1]], [c1[1], c1[2]]])
    r = np.array(r)

    def d_resp(g0):
        L = max(0.0, td - g0[1])

        def neg(x):
            return -((1 - delta) * r @ (g0 + x) - x @ C1 @ x), -((1 - delta) * r - 2 * C1 @ x)

        res = minimize(neg, x0=np.array([0.0, L]), jac=True, method="L-BFGS-B", bounds=[(0, None), (L, None)])
        return -res.fun, res.x

    def neg_ug(g0):
        g0 = np.asarray(g0)
        ud, x = d_resp(g0)
        cost = g0 @ C0 @ g0
        return cost if ud < -1e-12 else -(delta * r @ (g0 + x) - cost)

    hi = max(tg, td) + 5.0
    starts = [(0.25, max(tg, 0.25)), (0.0, tg), (0.0, max(tg, td)), (0.5, max(tg, 0.5 * (tg + td)))]
    best = None
    for s in starts:
        res = minimize(neg_ug, x0=np.array(s), method="Nelder-Mead", bounds=[(0, hi), (tg, hi)],
                       options=dict(xatol=1e-9, fatol=1e-12, maxiter=4000))
        if best is None or res.fun < best.fun:
            best = res
    ug = -best.fun
    return max(ug, 0.0) if ug >= 0 else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--step", type=float, default=0.005)
    ap.add_argument("--sample", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--c0", default="1,0,1")
    ap.add_argument("--c1", default="1,0,1")
    ap.add_argument("--r", default="1,1")
    ap.add_argument("--delta", type=float, default=0.5)
    a = ap.parse_args()
    c0, c1 = tuple(map(float, a.c0.split(","))), tuple(map(float, a.c1.split(",")))
    r = tuple(map(float, a.r.split(",")))
    tg, td = paper_map(a.step)
    n = tg.size
    solve_arrays(theta_g=tg[:1000], theta_d=td[:1000], c0=c0, c1=c1, r=r, delta=a.delta)  # warm up
    t0 = time.perf_counter()
    out = solve_arrays(theta_g=tg, theta_d=td, c0=c0, c1=c1, r=r, delta=a.delta)
    t_vec = time.perf_counter() - t0
    print(f"paper map: {n} games (step {a.step:g}) in {t_vec:.3f} s = {n / t_vec:,.0f} games/s "
          f"(target < 5 s); backfiring {int(out['backfiring'].sum())}, mutualism "
          f"{int(out['mutualism'].sum())}, no product {int((out['G_strategy'] == 3).sum())}")
    rng = np.random.default_rng(a.seed)
    idx = rng.choice(n, size=min(a.sample, n), replace=False)
    t0 = time.perf_counter()
    naive = np.array([naive_point(tg[i], td[i], c0, c1, r, a.delta) for i in idx])
    t_naive = time.perf_counter() - t0
    ours = out["U_G"][idx]
    tol = 1e-6 * (1 + np.abs(ours))
    agree = np.abs(ours - naive) <= tol
    better = ours > naive + tol
    print(f"scipy.optimize per point: {idx.size} games in {t_naive:.2f} s = "
          f"{idx.size / t_naive:,.1f} games/s")
    print(f"agreement on U_G (1e-6 rel): {agree.mean():.1%}; vectorised better: {better.mean():.1%}; "
          f"scipy better: {(~agree & ~better).mean():.1%} (largest gap {np.max(naive - ours):.2e})")
    print(f"speedup: {(n / t_vec) / (idx.size / t_naive):.0f}")


if __name__ == "__main__":
    main()
