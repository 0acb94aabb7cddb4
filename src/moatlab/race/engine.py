"""Vectorised evaluation on segments: the days where no schedule changes are summed at once.

The horizon is cut at every day any schedule changes (and at the upgrade day); within a segment
[a, b) all compute levels are constant, so its weight is W = Σ_{t=a}^{b-1} n(t)·β^t, read from a
cumulative sum. Payoffs are then sums over segments of W · price. Every array may carry leading
dimensions (open-frontier grid, release days, upgrade sizes, Monte Carlo draws); they broadcast.
"""

from __future__ import annotations

import numpy as np

from .._validate import ParameterError
from .model import RaceModel


def value_at(days: np.ndarray, comp: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Compute of a non-decreasing step schedule at times ``t``: max of entries with day <= t.

    ``days``/``comp`` have shape (..., K), ``t`` (..., L); NaN where no entry is yet in force.
    """
    days = np.asarray(days, dtype=float)
    comp = np.asarray(comp, dtype=float)
    t = np.asarray(t, dtype=float)
    on = days[..., None, :] <= t[..., :, None]
    v = np.where(on, comp[..., None, :], -np.inf).max(axis=-1)
    return np.where(np.isfinite(v), v, np.nan)


def segments(model: RaceModel, *day_sources: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segment starts and weights from the change days of all schedules.

    Returns ``starts`` (..., L), ``W`` (customer-day weights) and ``Wb`` (day weights β^t).
    """
    arrs = [np.asarray(d, dtype=float) for d in day_sources]
    lead = np.broadcast_shapes(*[a.shape[:-1] for a in arrs]) if arrs else ()
    parts = [np.zeros((*lead, 1))] + [np.broadcast_to(a, (*lead, a.shape[-1])) for a in arrs]
    starts = np.sort(np.clip(np.concatenate(parts, axis=-1), 0, model.m), axis=-1)
    ends = np.concatenate([starts[..., 1:], np.full((*lead, 1), float(model.m))], axis=-1)
    cw, cb = model.day_weights()
    si, ei = starts.astype(np.int64), ends.astype(np.int64)
    return starts, cw[ei] - cw[si], cb[ei] - cb[si]


def _val(f, skill: float, comp: np.ndarray) -> np.ndarray:
    """Value of a model of compute ``comp`` (0 where there is no model, NaN compute)."""
    have = np.isfinite(comp)
    return np.where(have, f(np.where(have, comp, 1.0) * skill), 0.0)


def alternatives(model: RaceModel, x: np.ndarray, rivals: tuple[np.ndarray, ...] = ()) -> list[np.ndarray]:
    """Per niche, the value of the customers' best alternative: the open model or a rival."""
    out = []
    for nch in model.niche_list():
        best = _val(nch.f, nch.open_skill, x)
        for r in rivals:
            best = np.maximum(best, _val(nch.f, nch.rival_skill, r))
        out.append(best)
    return out


def payoff(
    model: RaceModel, W: np.ndarray, Wb: np.ndarray, y: np.ndarray, alt: list[np.ndarray]
) -> dict[str, np.ndarray]:
    """Revenue, consumer surplus and prestige of the closed lab, summed over segments.

    ``y`` holds the lab's compute on each segment (NaN: no model) and ``alt`` the values of the
    best alternatives per niche (from :func:`alternatives`); all broadcast with ``W``.
    """
    from .model import Customers

    k_rev, k_cs = (model.customers or Customers()).factors(model.margin)
    gap_sum = 0.0
    own_tot = 0.0
    other_tot = 0.0
    per_day = (model.prestige.per_day if model.prestige is not None else 0.0) + (
        model.open_release.per_day if model.open_release is not None else 0.0
    )
    for nch, best in zip(model.niche_list(), alt, strict=True):
        vy = _val(nch.f, nch.closed_skill, y)
        gap_sum = gap_sum + nch.weight * np.maximum(vy - best, 0.0)
        if per_day:
            own_tot = own_tot + nch.weight * vy
            other_tot = other_tot + nch.weight * best
    rev = (W * gap_sum).sum(axis=-1)
    if model.open_release is not None:  # released openly: no price, the customers keep the gap
        out = {"revenue": 0.0 * rev, "consumer_surplus": (k_rev + k_cs) * rev}
    else:
        out = {"revenue": k_rev * rev, "consumer_surplus": k_cs * rev}
    if per_day:  # reputation while the lab's model leads (the frontier, or the open frontier)
        lead = np.asarray(own_tot > other_tot, dtype=float)
        out["prestige"] = per_day * (Wb * lead).sum(axis=-1)
    else:
        out["prestige"] = np.zeros(np.shape(out["revenue"]))
    return out


def demand_factor(model: RaceModel, x: np.ndarray) -> np.ndarray | float:
    """(f(x) / f(x_ref))^η of the ecosystem-demand component (1 without it; 1 where x is NaN)."""
    eco = model.ecosystem_demand
    if eco is None or eco.elasticity == 0:
        return 1.0
    ref = model.open_ref(eco.ref)
    f_ref = float(model.f(ref))
    if not f_ref > 0:
        raise ParameterError(
            "ecosystem_demand.ref", ref, "an open compute where f > 0 (demand is scaled by f(x) / f(x_ref))"
        )
    x = np.asarray(x, dtype=float)
    fx = np.where(np.isfinite(x), model.f(np.where(np.isfinite(x), x, ref)), f_ref)
    return (np.maximum(fx, 0.0) / f_ref) ** eco.elasticity


def unit_cost_factor(model: RaceModel, open_at_s: np.ndarray) -> np.ndarray | float:
    """c(x) / c = max(φ, min(1, (x(s) / x_ref)^(−ε))) of the per-unit spill-over (1 without it)."""
    uc = model.unit_cost
    if uc is None:
        return 1.0
    xs = np.nan_to_num(np.asarray(open_at_s, dtype=float), nan=0.0)
    ref = model.open_ref(uc.ref)
    with np.errstate(divide="ignore"):
        ratio = np.where(xs > 0, (np.maximum(xs, 1e-300) / ref) ** (-uc.elasticity), np.inf)
    return np.maximum(uc.floor, np.minimum(1.0, ratio))


def upgrade_cost(model: RaceModel, z: np.ndarray, open_at_s: np.ndarray) -> np.ndarray:
    """C(z | x(s)) = c(x) · z, or c(x) · max(φ z, z − σ x(s)) with the lump-sum spill-over.

    c(x) = c without the per-unit spill-over (``unit_cost``), c · max(φ, (x(s)/x_ref)^(−ε)) with it.
    """
    z = np.asarray(z, dtype=float)
    c = model.cost_per_unit * unit_cost_factor(model, open_at_s)
    if model.spillover is None:
        return c * z
    xs = np.nan_to_num(np.asarray(open_at_s, dtype=float), nan=0.0)
    sp = model.spillover
    return c * np.maximum(sp.floor * z, z - sp.sigma * xs)
