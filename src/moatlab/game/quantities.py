"""Derived quantities of the openness game, each computed by one function.

The demo summary, the policy brief and the explorer quote these numbers; computing each in one
place keeps the outputs in agreement.

* :func:`alpha0_closed` — the cut-off α0* above which the generalist keeps its model fully
  closed without regulation, i.e. the smallest α0 with ω_free(α0) = 0. P1 says ω_free falls
  with α0, so the set {α0 : ω_free(α0) = 0} is an interval [α0*, ∞); the cut-off is found by
  bisection on that predicate to a relative width of ``rtol`` (exact up to that width, not a
  grid value).
* :func:`region_shares` — the share of a (θ, p) landscape in each of G's actions, and the share
  of policies that are strict Pareto improvements over no exemption (the hatched area of the
  landscape figure).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from .solver import ACTIONS, solve

__all__ = ["CLOSED_TOL", "alpha0_closed", "region_shares"]

#: ω_free at or below this counts as fully closed.
CLOSED_TOL = 1e-12


def alpha0_closed(epsilon: float = 0.0, *, lo: float = 1e-9, hi: float = 1e3, rtol: float = 1e-10,
                  **params: Any) -> float:
    """The smallest α0 from which G keeps its model fully closed without regulation.

    Parameters
    ----------
    epsilon : float
        G's reputational benefit of openness (ε).
    lo, hi : float
        Bracket searched for the cut-off.
    rtol : float
        Relative width of the final bracket.
    **params
        Other :class:`~moatlab.game.GameParams` fields (δ0, c_D, λ, …) and ``forms``.

    Returns
    -------
    float
        α0*, or ``nan`` when G is not fully closed even at ``hi``; ``lo`` when it is closed
        already at ``lo``.

    Examples
    --------
    >>> round(alpha0_closed(0.0), 4), round(alpha0_closed(0.1), 4)
    (0.29, 0.4329)
    """
    params = {k: v for k, v in params.items() if k not in ("alpha0", "theta", "penalty")}

    def closed(a0: float) -> bool:
        return solve(alpha0=a0, epsilon=epsilon, **params).omega_free <= CLOSED_TOL

    if not closed(hi):
        return float("nan")
    if closed(lo):
        return float(lo)
    while hi - lo > rtol * hi:
        mid = 0.5 * (lo + hi) if hi / lo < 4 else float(np.sqrt(lo * hi))
        if closed(mid):
            hi = mid
        else:
            lo = mid
    return float(hi)


def region_shares(ds: xr.Dataset) -> dict[str, float]:
    """Share of a landscape's (θ, p) grid in each of G's actions and in the Pareto region.

    Parameters
    ----------
    ds : xarray.Dataset
        A landscape from :func:`moatlab.game.landscape.landscape`.

    Returns
    -------
    dict
        ``share_exit``, ``share_not_binding``, ``share_comply``, ``share_defy`` (fractions of
        the grid's points, summing to 1) and ``share_pareto_no_exemption``: the fraction of
        policies that make both G and D strictly better off than no exemption (the hatched
        area of :func:`moatlab.plots.plot_landscape`).
    """
    act = ds["action"].values
    out = {f"share_{a}": float((act == i).mean()) for i, a in enumerate(ACTIONS)}
    out["share_pareto_no_exemption"] = float((ds["pareto_strict_no_exemption"].values == 1).mean())
    return out
