"""Benchmarks of the race model (``python benchmarks/bench_race.py [mc|equilibrium]``; both by default).

1. Equilibrium of 3 strategic labs (two starting from the open weights) over 200 open-release
   sizes x′, Nash and leader–follower (``moatlab.race.equilibrium_sweep``: payoff tables on a shared
   grid, exact equilibrium counts, refinement), against a per-point loop in the same run: for each
   x′, best-response dynamics with ``scipy.optimize.minimize_scalar`` (bounded, in log z) on each
   lab's payoff summed over days, until no lab moves (timed on a sample of points, extrapolated).
   The two must agree on the largest upgrade; the loop finds one equilibrium and cannot say whether
   it is unique. Target: under 10 s for the grid; the ratio is printed.

2. Expected upgrade value under uncertain open releases.

10^5 Monte Carlo draws (Poisson releases, lognormal sizes) × a 200-point grid of open-frontier
compute, vectorised (``moatlab.race.sweep``), against a plain per-draw Python loop over days on a
sample of draws in the same run (extrapolated per draw). Both are checked to give the same numbers
on the same draws. The last line prints the speed-up ratio (target >= 100).
"""

from __future__ import annotations

import math
import time

import numpy as np

from moatlab.race import RaceModel, ReleaseProcess, sweep
from moatlab.race.montecarlo import draw_releases

N_DRAWS, N_GRID, SAMPLE = 100_000, 200, 10
Z, DAY = 20.0, 0


def model(draws: int) -> RaceModel:
    return RaceModel(f="log", n=100, m=365, open=1.0, closed=4.0,
                     uncertain=ReleaseProcess(rate=3 / 365, log_mu=math.log(2.0), log_sigma=0.5, draws=draws))


def loop_value(mdl: RaceModel, x: float, days: np.ndarray, logm: np.ndarray) -> float:
    """One draw, one open compute: day-by-day revenue with and without the upgrade, in plain Python."""
    rel = sorted(zip(days.tolist(), logm.tolist(), strict=True))
    y = mdl.closed.compute[0]
    with_, without = 0.0, 0.0
    frontier, j = x, 0
    for t in range(mdl.m):
        while j < len(rel) and rel[j][0] <= t:
            frontier *= math.exp(rel[j][1])
            j += 1
        fx = math.log1p(frontier)
        without += mdl.n * max(0.0, math.log1p(y) - fx)
        yz = max(y, Z) if t >= DAY else y
        with_ += mdl.n * max(0.0, math.log1p(yz) - fx)
    return with_ - without - mdl.cost_per_unit * Z


def _loop_payoff(k: int, z: np.ndarray, x: float, labs, n: float, m: int) -> float:
    """Lab k's payoff with upgrades z (NaN: none), the open model at x from day 0, summed over days."""
    own = [max(lab.compute.compute[0], zz) if np.isfinite(zz) else lab.compute.compute[0]
           for lab, zz in zip(labs, z, strict=True)]
    rival = max(o for j, o in enumerate(own) if j != k)
    gap = math.log1p(own[k]) - max(math.log1p(rival), math.log1p(x))
    rev = float(np.sum(np.full(m, n * max(gap, 0.0))))  # day by day
    if not np.isfinite(z[k]):
        return rev
    cost = z[k] if not labs[k].from_open else max(labs[k].floor * z[k], z[k] - x)
    return rev - labs[k].cost_per_unit * cost


def _loop_point(x: float, labs, n: float, m: int, lo: float, hi: float) -> np.ndarray:
    from scipy.optimize import minimize_scalar

    z = np.full(len(labs), np.nan)
    for _ in range(20):
        moved = False
        for k in range(len(labs)):
            def neg(lz, k=k):
                zz = z.copy()
                zz[k] = math.exp(lz)
                return -_loop_payoff(k, zz, x, labs, n, m)
            res = minimize_scalar(neg, bounds=(math.log(lo), math.log(hi)), method="bounded",
                                  options={"xatol": 1e-7})
            none = z.copy()
            none[k] = np.nan
            best = math.exp(res.x) if -res.fun > _loop_payoff(k, none, x, labs, n, m) else np.nan
            if not (np.isnan(best) and np.isnan(z[k])) and not (abs(best - z[k]) <= 1e-6 * abs(best)):
                z[k], moved = best, True
        if not moved:
            break
    return z


def bench_equilibrium() -> None:
    from moatlab.race import equilibrium_sweep, labs_of

    n, m, points, sample = 100.0, 365, 200, 8
    model = RaceModel(f="log", n=n, m=m, open=1.0, closed=4.0)
    labs = labs_of(model, 3, rival_from_open=True, floor=0.5)
    xs = np.geomspace(4.5, 6e4, points)
    ds = {}
    for mode in ("nash", "leader"):
        t0 = time.perf_counter()
        ds[mode] = equilibrium_sweep(model, labs, xs, mode=mode)
        t = time.perf_counter() - t0
        print(f"equilibrium grid ({mode}): 3 labs × {points} open-release sizes in {t:.2f} s "
              f"(equilibria per point: {sorted(set(ds[mode]['n_equilibria'].values.tolist()))})")
    t_grid = t
    idx = np.linspace(0, points - 1, sample).astype(int)
    t0 = time.perf_counter()
    loop = np.array([_loop_point(float(xs[i]), labs, n, m, 4.0 * (1 + 1e-9), 1e6 * xs[-1]) for i in idx])
    t_loop = (time.perf_counter() - t0) / sample * points
    ours = ds["leader"]["z_frontier"].values[idx]
    theirs = np.nanmax(np.where(np.isnan(loop), -np.inf, loop), axis=1)
    theirs = np.where(np.isfinite(theirs), theirs, np.nan)
    both = np.isfinite(ours) & np.isfinite(theirs)
    agree = bool(np.array_equal(np.isfinite(ours), np.isfinite(theirs)))
    err = float(np.max(np.abs(ours[both] / theirs[both] - 1))) if both.any() else 0.0
    print(f"per-point scipy best-response loop: {sample} points timed, "
          f"extrapolated to {points}: {t_loop:.1f} s")
    print(f"largest upgrade, grid vs loop: same points upgrade: {agree}; max relative difference {err:.1e}")
    print(f"speedup (leader grid vs loop): {t_loop / t_grid:.1f}")


def bench_mc() -> None:
    grid = np.geomspace(0.1, 3.9, N_GRID)
    # agreement on the same draws
    small = model(SAMPLE)
    d, lm = draw_releases(small.uncertain, small.m, 1)
    ours = sweep(small, open_compute=grid, upgrade_to=[Z], day=DAY, rng=1, keep_draws=True, marginal=False)
    t0 = time.perf_counter()
    base = np.array([[loop_value(small, x, d[i], lm[i]) for i in range(SAMPLE)] for x in grid])
    t_loop = (time.perf_counter() - t0) / SAMPLE * N_DRAWS
    err = np.max(np.abs(ours["value_draws"].values[:, 0, :] - base) / np.abs(base))
    print(f"per-draw Python loop: {SAMPLE} draws × {N_GRID} grid points timed, "
          f"extrapolated to {N_DRAWS:,} draws: {t_loop:.0f} s")
    print(f"max relative difference, vectorised vs loop on the same draws: {err:.1e}")
    assert err < 1e-9, "the vectorised and the loop results disagree"
    t0 = time.perf_counter()
    ds = sweep(model(N_DRAWS), open_compute=grid, upgrade_to=[Z], day=DAY, rng=1, marginal=False)
    t_vec = time.perf_counter() - t0
    v = ds["value"].values[:, 0]
    print(f"vectorised: {N_DRAWS:,} draws × {N_GRID} open-compute points in {t_vec:.1f} s "
          f"(E[V] from {v[0]:.4g} at x = {grid[0]:.3g} to {v[-1]:.4g} at x = {grid[-1]:.3g})")
    print(f"speedup: {t_loop / t_vec:.0f}")


def main(which: str = "all") -> None:
    if which in ("all", "equilibrium"):
        bench_equilibrium()
    if which in ("all", "mc"):
        bench_mc()


if __name__ == "__main__":
    import sys

    main(sys.argv[1] if len(sys.argv) > 1 else "all")
