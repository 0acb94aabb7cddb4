"""Uncertain open releases: seeded Monte Carlo draws of release days and sizes.

Poisson arrivals at ``rate`` per day; each release multiplies the open frontier by
max(1, exp(N(log_mu, log_sigma))), so the frontier never moves back. ``uniform_day``: one release
on a day uniform in {0, …, m−1} multiplying the frontier by exp(log_mu). All numbers are drawn up
front from ``numpy.random.default_rng(rng)``: the same seed gives the same draws whatever the chunking.
"""

from __future__ import annotations

import math

import numpy as np

from .model import ReleaseProcess

RNG = int | np.random.SeedSequence | np.random.Generator | None


def draw_releases(proc: ReleaseProcess, m: int, rng: RNG) -> tuple[np.ndarray, np.ndarray]:
    """Release days (draws, K) and log size multipliers (draws, K); padding days are ``m``."""
    g = np.random.default_rng(rng)
    d = int(proc.draws)
    if proc.kind == "uniform_day":
        days = g.integers(0, m, size=(d, 1)).astype(float)
        return days, np.full((d, 1), max(0.0, proc.log_mu))
    lam = proc.rate * m
    if lam <= 0:
        return np.full((d, 0), float(m)), np.zeros((d, 0))
    k = int(math.ceil(lam + 6.0 * math.sqrt(lam) + 4))
    times = np.cumsum(g.exponential(1.0 / proc.rate, size=(d, k)), axis=1)
    logm = np.maximum(0.0, g.normal(proc.log_mu, proc.log_sigma, size=(d, k)))
    days = np.floor(times)
    late = days >= m
    return np.where(late, float(m), days), np.where(late, 0.0, logm)
