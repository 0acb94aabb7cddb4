"""Pieces shared by the game's kernels: tie rules, candidate selection, regime results."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

Array = np.ndarray

#: G is indifferent between two values closer than this (relative to 1 + |value|).
TIE = 1e-13
#: D participates when its utility is at least ``-TIE_PART`` (indifferent D participates).
TIE_PART = 1e-12


class Regimes(NamedTuple):
    """G's best release in each regime: free (no regulation), comply (ω ≥ θ), defy (ω < θ)."""

    w_free: Array
    v_free: Array
    w_comply: Array
    v_comply: Array
    w_defy: Array
    v_defy: Array


def select_best(cand: Array, val: Array) -> tuple[Array, Array]:
    """Per row, the candidate of highest value; near-ties go to the larger ω (more open).

    ``cand`` and ``val`` have shape (N, C); a value of ``-inf`` marks an infeasible candidate.
    Returns (ω, value); rows with no feasible candidate give (nan, -inf).
    """
    val = np.where(np.isnan(val), -np.inf, val)
    best = val.max(axis=1)
    tol = TIE * (1.0 + np.abs(np.where(np.isfinite(best), best, 0.0)))
    near = val >= (best - tol)[:, None]
    w = np.where(near, cand, -np.inf).max(axis=1)
    w = np.where(np.isfinite(best), w, np.nan)
    return w, best
