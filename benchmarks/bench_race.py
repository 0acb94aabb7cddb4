"""Benchmark: expected upgrade value under uncertain open releases.

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


def main() -> None:
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


if __name__ == "__main__":
    main()
