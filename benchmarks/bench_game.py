"""Benchmark of the openness-game solver: vectorised closed form, numerical path, naive baseline.

Run: ``python benchmarks/bench_game.py [--n 1000000] [--sample 200]``. Prints equilibria per
second for each path and, as its last line, ``speedup: <ratio>`` (vectorised closed form over
the naive per-point scipy.optimize baseline; the compiled numba path when numba is installed,
else the numpy path, which is also timed). Targets (one core): >= 5e6/s closed form,
>= 1e5/s numerical path with user forms, >= 300x the baseline, < 2 GB peak for 1e7 points.

The bargaining stage (``--bargaining-only`` runs just this part): a 201 × 201 landscape with Nash
bargaining over δ0 (both welfare references included; target < 10 s on one core), and the bargained
equilibria per second against a per-point loop that hands each point's Nash product to
``scipy.optimize.minimize_scalar`` (bounded Brent over δ0, each evaluation one call of moatlab's point
solver) on a sample (target >= 100x); it prints ``bargaining speedup: <ratio>``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np
from scipy.optimize import minimize_scalar

from moatlab import GameForms, GameParams
from moatlab.game import _fast, equilibrium_arrays, numerical_backend


def random_points(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every parameter varies."""
    return dict(
        alpha0=rng.uniform(0.01, 3, n), theta=rng.uniform(0, 1, n), penalty=rng.uniform(0, 0.5, n),
        delta0=rng.uniform(0.1, 1, n), c_d=rng.uniform(0.2, 5, n), lam=rng.uniform(0, 0.95, n),
        epsilon=rng.uniform(0, 0.3, n), kappa0=rng.uniform(0, 0.2, n), c_g=rng.uniform(0, 0.5, n),
        f_d=rng.uniform(0, 0.3, n),
    )


def naive_point(p: dict[str, float]) -> tuple[float, float]:
    """One equilibrium the way one would write it first: nested scipy.optimize, per point."""

    def d_response(w: float) -> tuple[float, float]:
        share = p["delta0"] * (1 - w)
        f = lambda a: -((1 - share) * a - p["c_d"] * (1 - p["lam"] * w) * (a - p["alpha0"]) ** 2)  # noqa: E731
        r = minimize_scalar(f, bounds=(p["alpha0"], p["alpha0"] + 100), method="bounded")
        return r.x, -r.fun - p["f_d"]

    def ug(w: float, pen: float) -> float:
        a1, ud = d_response(w)
        rev = p["delta0"] * (1 - w) * a1 if ud >= 0 else 0.0
        return rev + p["epsilon"] * w - p["kappa0"] * (1 - w) - p["c_g"] * p["alpha0"] ** 2 - pen

    best = (0.0, float("nan"))  # exit
    for lo, hi, pen in ((0.0, p["theta"], p["penalty"]), (p["theta"], 1.0, 0.0)):
        if hi <= lo:
            continue
        r = minimize_scalar(lambda w, pen=pen: -ug(w, pen), bounds=(lo, hi), method="bounded")
        if -r.fun > best[0]:
            best = (-r.fun, r.x)
    return best


def rate(fn, n: int, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return n / best


def memory_child(n: int) -> None:
    """Solve n points in chunks of 1e6 (inputs drawn per chunk, ω and action kept for all)."""
    rng = np.random.default_rng(1)
    omega = np.empty(n)
    action = np.empty(n, dtype=np.int8)
    step = 1_000_000
    t = time.perf_counter()
    for i in range(0, n, step):
        m = min(step, n - i)
        out = equilibrium_arrays(GameParams(**random_points(m, rng)))
        omega[i:i + m], action[i:i + m] = out["omega"], out["action"]
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n:.0e} points in {dt:.1f} s, peak RSS {peak:.0f} MB")


def scipy_nash_point(p: dict[str, float]) -> tuple[float, float]:
    """Nash bargaining at one point the way one would write it first: scipy over δ0, the game solved
    by moatlab's point path at each evaluation."""
    from moatlab.game.solver import equilibria_flat

    arr = {k: np.array([v]) for k, v in p.items()}

    def neg_product(d0: float) -> float:
        arr["delta0"] = np.array([d0])
        out = equilibria_flat(arr, "lump_sum", GameForms(), "auto")
        return -float(out["U_G"][0] * out["U_D"][0])

    r = minimize_scalar(neg_product, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-9})
    return float(r.x), float(-r.fun)


def bench_bargaining(sample: int) -> None:
    from moatlab.game.landscape import landscape
    from moatlab.game.openness_bargaining import bargained_flat

    landscape(np.linspace(0, 1, 5), np.linspace(0, 0.5, 5), alpha0=0.5, bargaining="nash")  # warm up
    t, c = time.perf_counter(), time.process_time()
    ds = landscape(alpha0=0.5, bargaining="nash")
    t_land, c_land = time.perf_counter() - t, time.process_time() - c
    n_pareto = int(ds["pareto_strict_no_regulation"].sum())
    print(f"landscape 201x201, Nash bargaining: {t_land:8.2f} s  ({c_land:.2f} s CPU; target < 10 s; both "
          f"references under the same solution; {n_pareto} strict Pareto improvements over no regulation)")
    gp = GameParams(**{k: v for k, v in zip(("theta", "penalty"), np.meshgrid(
        np.linspace(0, 1, 201), np.linspace(0, 0.5, 201), indexing="ij"), strict=True)}, alpha0=0.5)
    flat = gp.flat()
    t, c = time.perf_counter(), time.process_time()
    ours = bargained_flat(flat, "lump_sum", GameForms(), "auto", "nash")
    t_ours, c_ours = time.perf_counter() - t, time.process_time() - c
    r_ours = flat["theta"].size / t_ours
    print(f"bargained equilibria (Nash):  {r_ours:12.4g} points/s  (40,401 points, grid of 33 shares + "
          "golden-section refinement, all points at once)")
    rng = np.random.default_rng(3)
    idx = rng.choice(flat["theta"].size, size=sample, replace=False)
    t, c = time.perf_counter(), time.process_time()
    base = [scipy_nash_point({k: float(v[i]) for k, v in flat.items()}) for i in idx]
    r_base = sample / (time.perf_counter() - t)
    c_base = time.process_time() - c
    prod = ours["U_G"][idx] * ours["U_D"][idx]
    agree = np.mean([abs(b[1] - q) <= 1e-9 * (1 + abs(q)) or b[1] < q
                     for b, q in zip(base, prod, strict=True)])
    better = np.mean([q > b[1] + 1e-9 * (1 + abs(q)) for b, q in zip(base, prod, strict=True)])
    print(f"scipy loop per point (Nash):  {r_base:12.4g} points/s  ({sample} points; ours at least as good "
          f"at {100 * agree:.0f}% of them, strictly better at {100 * better:.0f}%: bounded Brent can stop "
          "at a local maximum)")
    print(f"bargaining speedup (CPU time): {(c_base / sample) / (c_ours / flat['theta'].size):.0f}")
    print(f"bargaining speedup: {r_ours / r_base:.0f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--n-numerical", type=int, default=200_000)
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--sweep", type=int, default=10_000_000)
    ap.add_argument("--memory-child", type=int, default=0)
    ap.add_argument("--bargaining-only", action="store_true", help="run only the bargaining benchmark")
    ap.add_argument("--bargaining-sample", type=int, default=100)
    a = ap.parse_args()
    if a.memory_child:
        memory_child(a.memory_child)
        return
    if a.bargaining_only:
        bench_bargaining(a.bargaining_sample)
        return
    rng = np.random.default_rng(0)
    pts = random_points(a.n, rng)
    gp = GameParams(**pts)
    r_closed = rate(lambda: equilibrium_arrays(gp), a.n)
    kind = "compiled (numba)" if _fast.available() else "numpy, vectorised"
    print(f"closed form, {kind}: {r_closed:12.4g} equilibria/s  ({a.n:.0e} points, "
          "every parameter varying)")
    if _fast.available():
        os.environ["MOATLAB_NO_NUMBA"] = "1"
        r_np = rate(lambda: equilibrium_arrays(gp), a.n)
        del os.environ["MOATLAB_NO_NUMBA"]
        print(f"closed form, numpy path:     {r_np:12.4g} equilibria/s  (without numba)")

    m = a.n_numerical
    gpn = GameParams(**{k: v[:m] for k, v in pts.items()})
    user = GameForms(revenue=lambda x: x, share=lambda w: 0.7 * (1 - w),
                     finetune_cost=lambda d, w: (1 - 0.6 * w) * d**2)
    backend = numerical_backend(user)
    t = time.perf_counter()
    equilibrium_arrays(GameParams(**{k: v[:1] for k, v in pts.items()}), forms=user)
    t_compile = time.perf_counter() - t
    r_num = rate(lambda: equilibrium_arrays(gpn, forms=user), m)
    print(f"numerical path, user forms:  {r_num:12.4g} equilibria/s  ({m:.0e} points; r, δ, φ_D as "
          f"plain lambdas, derivatives by finite differences; {backend}; compiling the forms took "
          f"{t_compile:.2f} s once)")
    r_num_a = rate(lambda: equilibrium_arrays(gpn, method="numerical"), m)
    print(f"numerical path, default ∂:   {r_num_a:12.4g} equilibria/s  (the default forms' analytic "
          "derivatives, every parameter varying)")
    if backend == "numba":
        os.environ["MOATLAB_NO_NUMBA"] = "1"
        m_np = min(m, 20_000)
        gp_np = GameParams(**{k: v[:m_np] for k, v in pts.items()})
        r_num_np = rate(lambda: equilibrium_arrays(gp_np, forms=user), m_np, repeat=1)
        del os.environ["MOATLAB_NO_NUMBA"]
        print(f"numerical path, numpy:       {r_num_np:12.4g} equilibria/s  (the same user forms, "
              "vectorised numpy path: without numba, or forms numba cannot compile)")

    s = a.sample
    sample = [{k: float(v[i]) for k, v in pts.items()} for i in range(s)]
    t = time.perf_counter()
    naive = [naive_point(p) for p in sample]
    r_naive = s / (time.perf_counter() - t)
    ours = equilibrium_arrays(GameParams(**{k: v[:s] for k, v in pts.items()}))
    agree = np.mean([abs(nv[0] - ug) < 1e-4 for nv, ug in zip(naive, ours["U_G"], strict=True)])
    print(f"naive scipy.optimize/point:  {r_naive:12.4g} equilibria/s  ({s} points; agrees with "
          f"the solver on U_G to 1e-4 at {100 * agree:.0f}% of them)")

    if a.sweep:
        r = subprocess.run([sys.executable, __file__, "--memory-child", str(a.sweep)],
                           capture_output=True, text=True, check=True)
        print("sweep:", r.stdout.strip())
    bench_bargaining(a.bargaining_sample)
    print(f"numerical path, user forms, vs target 1e5/s: {r_num / 1e5:.2f}x")
    print(f"speedup: {r_closed / r_naive:.0f}")


if __name__ == "__main__":
    main()
