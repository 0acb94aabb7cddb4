"""Revenue, upgrade value, optimal upgrade z* and sweeps: the public functions of the race model.

Upgrade to z at day s: the lab's compute becomes y'(t) = max(y(t), z) for t >= s, and::

    V(z) = P(with z) − P(without) − C(z | x(s)) [+ one-off prestige bonus]

where P is revenue plus prestige. z* = argmax_z V over (y(s), z_max], found on a log-spaced grid
of 192 points (more, at the same density per decade, when swept open compute widens the range)
then refined by golden-section search in log z (vectorised over all sweep points),
and compared with z just above each open compute level (where leading the open model starts to pay);
when max V <= 0 the lab does not upgrade and z* is NaN. The marginal race incentive is ∂R/∂z at z
(central difference, relative step 1e-6). With uncertain releases every quantity is the mean over
the Monte Carlo draws (common random numbers across z, so z* maximises the sample mean).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from .. import _limits
from .._validate import ParameterError, check_range
from .engine import alternatives, demand_factor, payoff, segments, upgrade_cost
from .model import RaceModel
from .montecarlo import RNG, draw_releases

_BUDGET = 4_000_000  # elements per chunk of draws


def _lookup(days: np.ndarray, comp: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Value of step schedules at times t: the largest compute among entries with day <= t (NaN if
    none). Entries need not be sorted, so an added release can sit anywhere; leading dims broadcast."""
    on = days[..., None, :] <= t[..., :, None]
    v = np.where(on, comp[..., None, :], -np.inf).max(axis=-1)
    return np.where(np.isfinite(v), v, np.nan)


def _evaluate(
    model: RaceModel,
    ob_days: np.ndarray,
    ob_comp: np.ndarray,
    z: np.ndarray | None,
    s: int,
    rng: RNG,
    keep_draws: bool = False,
    marginal: bool = True,
) -> dict[str, np.ndarray]:
    """Payoffs without (and with, if ``z``) the upgrade; leading dims broadcast; draws averaged.

    Returns arrays of the broadcast shape of ``ob_days[..., 0]``, ``ob_comp[..., 0]`` and ``z``;
    with uncertain releases also ``sd_*`` and, if ``keep_draws``, ``draws_*`` with a last draw axis.
    """
    cd, cc = model.closed.arrays()
    rivals = [r.arrays() for r in model.rivals]
    lead = np.broadcast_shapes(ob_days.shape[:-1], ob_comp.shape[:-1], () if z is None else np.shape(z))
    mc = model.uncertain is not None
    if mc:
        rdays, rlog = draw_releases(model.uncertain, model.m, rng)
    else:
        rdays, rlog = np.zeros((1, 0)), np.zeros((1, 0))
    n_draws = rdays.shape[0]
    size = max(1, int(np.prod(lead))) * (rdays.shape[1] + ob_days.shape[-1] + len(cd) + 4)
    chunk = max(1, _BUDGET // size)
    keys = ["revenue", "consumer_surplus", "prestige"] + (
        ["revenue_with", "consumer_surplus_with", "prestige_with", "cost", "value"]
        + (["marginal"] if marginal else [])
        if z is not None
        else []
    )
    acc = {k: np.zeros(lead) for k in keys}
    acc2 = {k: np.zeros(lead) for k in keys}
    draws = {k: [] for k in keys} if keep_draws else None
    zz = None if z is None else np.asarray(z, dtype=float)
    for a in range(0, n_draws, chunk):
        rd, rl = rdays[a : a + chunk], rlog[a : a + chunk]  # (C, Kr)
        od = ob_days[..., None, :]  # (A..., 1, K)
        oc = ob_comp[..., None, :]
        srcs = [od, rd, cd[None, :], np.full((1, 1), float(s))] + [d[None, :] for d, _ in rivals]
        starts, W, Wb = segments(model, *srcs)  # (A'..., C, L)
        cm = np.exp((rl[:, None, :] * (rd[:, None, :] <= starts[..., :, None])).sum(-1)) if rl.size else 1.0
        x = _lookup(od, oc, starts) * cm
        y = _lookup(cd, cc, starts)
        rv = tuple(_lookup(d, c, starts) for d, c in rivals)
        alt = alternatives(model, x, rv)
        W = W * demand_factor(model, x)  # demand that grows with the open ecosystem
        out = payoff(model, W, Wb, y, alt)
        res = {
            "revenue": out["revenue"],
            "consumer_surplus": out["consumer_surplus"],
            "prestige": out["prestige"],
        }
        if zz is not None:
            zb = zz[..., None, None]
            after = starts >= s

            def with_z(zv, after=after, y=y, W=W, Wb=Wb, alt=alt):
                return payoff(model, W, Wb, np.where(after, np.fmax(y, zv), y), alt)

            ow = with_z(zb)
            at_s = starts == s  # s is one of the segment starts
            x_s = np.where(at_s, np.nan_to_num(x, nan=0.0), -np.inf).max(-1)
            y_s = np.where(at_s, np.nan_to_num(y, nan=0.0), -np.inf).max(-1)
            if marginal:
                h = 1e-6
                up = with_z(zb * (1 + h))["revenue"] - with_z(zb * (1 - h))["revenue"]
                res["marginal"] = up / (2 * h * zz[..., None])
            bonus = 0.0
            if model.prestige is not None and model.prestige.upgrade_bonus:
                bonus = model.prestige.upgrade_bonus * (zz[..., None] > y_s)
            cost = upgrade_cost(model, zz[..., None], x_s)
            res.update(
                revenue_with=ow["revenue"],
                consumer_surplus_with=ow["consumer_surplus"],
                prestige_with=ow["prestige"] + bonus,
                cost=cost,
                value=ow["revenue"] + ow["prestige"] + bonus - out["revenue"] - out["prestige"] - cost,
            )
        for k in keys:
            v = np.broadcast_to(res[k], (*lead, rd.shape[0]))
            acc[k] += v.sum(-1)
            acc2[k] += (v * v).sum(-1)
            if draws is not None:
                draws[k].append(np.array(v))
    out = {k: acc[k] / n_draws for k in keys}
    if mc:
        for k in keys:
            var = np.maximum(acc2[k] / n_draws - out[k] ** 2, 0.0)
            out["sd_" + k] = np.sqrt(var * n_draws / max(n_draws - 1, 1))
        if draws is not None:
            for k in keys:
                out["draws_" + k] = np.concatenate(draws[k], axis=-1)
    return out


def _check_day(day: int, model: RaceModel) -> int:
    if not (isinstance(day, int | np.integer) and 0 <= day < model.m):
        raise ParameterError("day", day, f"an integer day in [0, {model.m - 1}]")
    return int(day)


def _g(v: float) -> str:
    return f"{v:.6g}"


@dataclass(frozen=True, repr=False)
class RevenueResult:
    """The closed lab's payoffs over the horizon (means over draws when releases are uncertain)."""

    revenue: float
    consumer_surplus: float
    prestige: float
    daily_revenue: np.ndarray
    sd_revenue: float = float("nan")

    @property
    def payoff(self) -> float:
        return self.revenue + self.prestige

    def __repr__(self) -> str:
        d = self.daily_revenue
        sd = "" if np.isnan(self.sd_revenue) else f" ± {_g(self.sd_revenue)} (sd over draws)"
        return (
            f"RevenueResult(revenue={_g(self.revenue)}{sd}, consumer_surplus={_g(self.consumer_surplus)}, "
            f"prestige={_g(self.prestige)};\n  daily_revenue: {d.size} days, "
            f"{_g(float(d.min()) if d.size else np.nan)} … {_g(float(d.max()) if d.size else np.nan)})"
        )

    def to_dict(self) -> dict:
        return {
            "revenue": self.revenue,
            "consumer_surplus": self.consumer_surplus,
            "prestige": self.prestige,
            "payoff": self.payoff,
            "sd_revenue": self.sd_revenue,
        }


@dataclass(frozen=True, repr=False)
class UpgradeResult:
    """Value of upgrading to compute ``z`` at ``day`` against not upgrading."""

    z: float
    day: int
    value: float
    revenue_with: float
    revenue_without: float
    cost: float
    marginal: float
    sd_value: float = float("nan")

    def to_dict(self) -> dict:
        return {
            k: getattr(self, k)
            for k in ("z", "day", "value", "revenue_with", "revenue_without", "cost", "marginal", "sd_value")
        }

    def __repr__(self) -> str:
        sd = "" if np.isnan(self.sd_value) else f" ± {_g(self.sd_value)}"
        return (
            f"UpgradeResult(z={_g(self.z)} on day {self.day}: value={_g(self.value)}{sd}, "
            f"revenue {_g(self.revenue_without)} -> {_g(self.revenue_with)}, cost={_g(self.cost)}, "
            f"marginal={_g(self.marginal)})"
        )


@dataclass(frozen=True, repr=False)
class OptimalUpgrade:
    """z* = argmax V(z) and V(z*); ``upgrade`` is False (z* NaN) when no z has V > 0."""

    z_star: float
    value: float
    upgrade: bool
    day: int

    def to_dict(self) -> dict:
        return {"z_star": self.z_star, "value": self.value, "upgrade": self.upgrade, "day": self.day}

    def __repr__(self) -> str:
        what = f"z*={_g(self.z_star)}" if self.upgrade else "no upgrade pays"
        return f"OptimalUpgrade({what} on day {self.day}, value={_g(self.value)})"


def revenue(model: RaceModel, rng: RNG = None) -> RevenueResult:
    """Revenue, consumer surplus and prestige of the closed lab over the horizon.

    Parameters
    ----------
    model : RaceModel
    rng : int, SeedSequence or Generator, optional
        Seeds the Monte Carlo draws when ``model.uncertain`` is set.
    """
    model.check_curves()
    od, oc = model.open.arrays()
    r = _evaluate(model, od, oc, None, 0, rng)
    daily = _daily(model, rng)
    return RevenueResult(
        float(r["revenue"]),
        float(r["consumer_surplus"]),
        float(r["prestige"]),
        daily,
        float(r.get("sd_revenue", np.nan)),
    )


def _daily(model: RaceModel, rng: RNG) -> np.ndarray:
    """Expected revenue on each day: the engine's payoff with every day a segment of its own."""
    days = np.arange(model.m, dtype=float)[None, :]
    if model.uncertain is not None:
        rd, rl = draw_releases(model.uncertain, model.m, rng)
        cm = np.exp((rl[:, None, :] * (rd[:, None, :] <= days[..., None])).sum(-1))
    else:
        cm = 1.0
    x = (_lookup(*model.open.arrays(), days) * cm)[..., None]  # (draws, m, 1): sum over a length-1 axis
    y = _lookup(*model.closed.arrays(), days)[..., None]
    rv = tuple(_lookup(*r.arrays(), days)[..., None] for r in model.rivals)
    cw, cb = model.day_weights()
    W = np.diff(cw)[None, :, None] * demand_factor(model, x)
    daily = payoff(model, W, np.diff(cb)[None, :, None], y, alternatives(model, x, rv))["revenue"]
    return daily.mean(axis=0)


def upgrade(model: RaceModel, z: float, day: int = 0, rng: RNG = None) -> UpgradeResult:
    """Value V of upgrading the closed model to compute ``z`` shipping at ``day``."""
    day = _check_day(day, model)
    z = float(check_range("z", z, 0.0, lo_open=True))
    model.check_curves(np.array([z]))
    od, oc = model.open.arrays()
    r = _evaluate(model, od, oc, np.asarray(z), day, rng)
    return UpgradeResult(
        z,
        day,
        float(r["value"]),
        float(r["revenue_with"]),
        float(r["revenue"]),
        float(r["cost"]),
        float(r["marginal"]),
        float(r.get("sd_value", np.nan)),
    )


def _z_bounds(model: RaceModel, day: int, z_max: float | None) -> tuple[float, float]:
    y_s = model.closed.at(day)
    lo = (
        y_s
        if np.isfinite(y_s) and y_s > 0
        else min(c for c in (*model.open.compute, *model.closed.compute) if c > 0) * 1e-3
    )
    hi = z_max if z_max is not None else 1e6 * max(max(model.open.compute), max(model.closed.compute), lo)
    if not hi > lo:
        raise ParameterError("z_max", hi, f"greater than the lab's compute at the upgrade day ({lo:g})")
    return lo * (1 + 1e-9), hi


def _optimise(
    model: RaceModel,
    od: np.ndarray,
    oc: np.ndarray,
    day: int,
    rng: RNG,
    z_max: float | None,
    grid: int = 192,
    iters: int = 40,
) -> tuple[np.ndarray, np.ndarray]:
    """z* and V(z*) over the broadcast shape of the open arrays (NaN z* where no upgrade pays)."""
    lo, hi = _z_bounds(model, day, z_max)
    if z_max is None:  # the default bound also covers swept open compute: 10^6 × the largest,
        wide = 1e6 * float(np.nanmax(oc, initial=0.0))  # with the grid's density kept per decade
        if wide > hi:
            grid += int(np.ceil(grid * np.log(wide / hi) / np.log(hi / lo)))
            hi = wide
    model.check_curves(np.array([lo, hi]))
    lg = np.linspace(np.log(lo), np.log(hi), grid)
    lead = np.broadcast_shapes(od.shape[:-1], oc.shape[:-1])
    if isinstance(rng, np.random.Generator):
        rng = int(rng.integers(2**63))
    seed = rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng)

    def V(logz: np.ndarray, grid_axis: bool = False) -> np.ndarray:  # common random numbers for all z
        o_d, o_c = (od[..., None, :], oc[..., None, :]) if grid_axis else (od, oc)
        return _evaluate(model, o_d, o_c, np.exp(logz), day, np.random.default_rng(seed), marginal=False)[
            "value"
        ]

    vals = V(np.broadcast_to(lg, (*lead, grid)), grid_axis=True)
    i = np.argmax(vals, axis=-1)
    a = lg[np.clip(i - 1, 0, grid - 1)]
    b = lg[np.clip(i + 1, 0, grid - 1)]
    g = (np.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = V(c), V(d)
    for _ in range(iters):
        left = fc >= fd
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        c2 = b - g * (b - a)
        d2 = a + g * (b - a)
        c, d = c2, d2
        fc, fd = V(c), V(d)
    best_log = np.where(fc >= fd, c, d)
    best_val = np.maximum(fc, fd)
    grid_best = np.take_along_axis(vals, i[..., None], axis=-1)[..., 0]
    use_grid = grid_best > best_val
    zs = np.exp(np.where(use_grid, lg[i], best_log))
    vs = np.where(use_grid, grid_best, best_val)
    # just above each open compute level: where leading the open model starts to pay (prestige,
    # open release), a window that can be narrower than the grid's step
    cand = np.clip(np.broadcast_to(oc, (*lead, oc.shape[-1])) * (1 + 1e-7), lo, hi)
    cv = V(np.log(cand), grid_axis=True)
    j = np.argmax(cv, axis=-1)
    cbest = np.take_along_axis(cv, j[..., None], axis=-1)[..., 0]
    better = cbest > vs
    zs = np.where(better, np.take_along_axis(cand, j[..., None], axis=-1)[..., 0], zs)
    vs = np.where(better, cbest, vs)
    return np.where(vs > 0, zs, np.nan), vs


def optimal_upgrade(
    model: RaceModel, day: int = 0, z_max: float | None = None, rng: RNG = None
) -> OptimalUpgrade:
    """z* = argmax_z V(z) over (y(day), z_max] (default z_max: 10^6 × the largest compute, open or
    closed, including swept open compute in :func:`sweep`)."""
    day = _check_day(day, model)
    od, oc = model.open.arrays()
    zs, vs = _optimise(model, od, oc, day, rng, z_max)
    return OptimalUpgrade(float(zs), float(vs), bool(np.isfinite(zs)), day)


def sweep(
    model: RaceModel,
    *,
    open_compute=None,
    open_upgrade=None,
    release_day=None,
    upgrade_to=None,
    day: int = 0,
    optimise: bool = False,
    rng: RNG = None,
    keep_draws: bool = False,
    marginal: bool = True,
) -> xr.Dataset:
    """Revenue, upgrade value and z* over grids of the open frontier, its release day and z.

    Parameters
    ----------
    open_compute : array, optional
        Constant open-frontier compute x (dim ``open_compute``), replacing ``model.open``.
    open_upgrade, release_day : array, optional
        An open release to compute x′ (dim ``open_upgrade``) on day k (dim ``release_day``), added
        to ``model.open`` (the frontier is the larger of the two).
    upgrade_to : array, optional
        Closed upgrade sizes z (dim ``upgrade_to``) shipping on ``day``: adds ``value``,
        ``revenue_with``, ``cost`` and ``marginal``.
    optimise : bool
        Add ``z_star`` and ``value_star`` (the optimal upgrade) at each point.
    rng : int, SeedSequence or Generator
        Seeds the Monte Carlo draws of uncertain releases (then results are means, with ``sd_*``).
    keep_draws : bool
        Keep every draw (dim ``draw``) of revenue and value, not only their mean and spread.
    marginal : bool
        Compute the marginal race incentive dR/dz (two more evaluations per point).

    Returns
    -------
    xarray.Dataset
    """
    _limits.check_sizes("race_cells", "race sweep points × m days", open_compute, open_upgrade, release_day,
                        upgrade_to, times=model.m)
    day = _check_day(day, model)
    if open_compute is not None and (open_upgrade is not None or release_day is not None):
        raise ParameterError("open_compute", "given", "not combined with open_upgrade / release_day")
    dims: list[str] = []
    coords: dict[str, np.ndarray] = {}
    extra = []
    if open_compute is not None:
        x = np.atleast_1d(check_range("open_compute", open_compute, 0.0))
        od, oc = np.zeros((1, 1)), x[:, None]
        dims, coords["open_compute"] = ["open_compute"], x
        extra.append(x)
    else:
        bd, bc = model.open.arrays()
        od, oc = bd, bc
        if open_upgrade is not None or release_day is not None:
            xu = np.atleast_1d(
                check_range("open_upgrade", open_upgrade if open_upgrade is not None else [max(bc)], 0.0)
            )
            kd = np.atleast_1d(
                check_range("release_day", release_day if release_day is not None else [0], 0, model.m - 1)
            )
            if not np.all(np.mod(kd, 1) == 0):
                raise ParameterError("release_day", kd[np.mod(kd, 1) != 0][0], "integer days")
            od = np.concatenate([np.broadcast_to(bd, (kd.size, bd.size)), kd[:, None]], axis=-1)[None]
            oc = np.concatenate([np.broadcast_to(bc, (xu.size, bc.size)), xu[:, None]], axis=-1)[:, None]
            dims, coords["open_upgrade"], coords["release_day"] = ["open_upgrade", "release_day"], xu, kd
            extra.append(xu)
    model.check_curves(*extra, *([np.atleast_1d(upgrade_to)] if upgrade_to is not None else []))
    data: dict[str, tuple] = {}
    if upgrade_to is not None:
        z = np.atleast_1d(check_range("upgrade_to", upgrade_to, 0.0, lo_open=True))
        coords["upgrade_to"] = z
        r = _evaluate(model, od[..., None, :], oc[..., None, :], z, day, rng, keep_draws, marginal)
        zd = [*dims, "upgrade_to"]
    else:
        r = _evaluate(model, od, oc, None, day, rng, keep_draws)
        zd = dims
    for k, v in r.items():
        if k.startswith("draws_"):
            data[k[6:] + "_draws"] = ([*zd, "draw"], v)
        else:
            data[k] = (zd, v)
    if optimise:
        zs, vs = _optimise(model, od, oc, day, rng, None)
        data["z_star"] = (dims, zs)
        data["value_star"] = (dims, vs)
    ds = xr.Dataset({k: (d, np.asarray(v)) for k, (d, v) in data.items()}, coords=coords)
    for k, (u, desc) in _ATTRS.items():
        if k in ds:
            ds[k].attrs.update(units=u, description=desc)
    ds.attrs.update(
        n=model.n,
        m=model.m,
        day=day,
        f=model.f.family,
        components=model.label,
        draws=model.uncertain.draws if model.uncertain else 0,
    )
    return ds


_ATTRS = {
    "revenue": ("$", "closed lab's revenue without the upgrade"),
    "revenue_with": ("$", "closed lab's revenue with the upgrade"),
    "value": ("$", "upgrade value V = payoff with − payoff without − cost"),
    "cost": ("$", "training cost of the upgrade C(z | x)"),
    "marginal": ("$ per unit compute", "marginal race incentive dR/dz"),
    "z_star": ("compute", "optimal upgrade z* (NaN: no upgrade pays)"),
    "value_star": ("$", "upgrade value at z*"),
    "consumer_surplus": ("$", "customers' surplus from the closed model"),
    "prestige": ("$", "non-monetary payoff without the upgrade"),
    "open_compute": ("compute", "open-frontier compute x"),
    "open_upgrade": ("compute", "open release compute x′"),
    "release_day": ("day", "day k of the open release"),
    "upgrade_to": ("compute", "closed upgrade compute z"),
}
