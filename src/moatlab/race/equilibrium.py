"""Equilibria of the strategic-rivals game: one point (a frozen dataclass) or a sweep of the open frontier.

See :mod:`moatlab.race.strategic` for the game, the payoff tables and the solvers. Here: the grid of
upgrade levels, the refinement passes, and the results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from .._validate import ParameterError, check_range
from ..errors import LimitError
from .model import RaceModel
from .strategic import Lab, _best, _Game, check_game, count_nash, list_nash, solve_leader

MAX_POINTS = 2000  # open-frontier points in one sweep
_MAX_WORK = 3e9  # table entries over all passes of one sweep (a few minutes at most)
_BUDGET = 15_000_000  # float64 elements of the tables and counts held at once (about 120 MB)
_PTS = 8  # fine points per refined interval


@dataclass(frozen=True, repr=False)
class Equilibrium:
    """The game's equilibrium at one open frontier.

    ``z_star[k]`` is lab k's upgrade in the first listed equilibrium (NaN: it does not upgrade, or
    no equilibrium exists); ``n_equilibria`` counts the pure-strategy equilibria on the final grid
    (0: none exists; always 1 in leader mode); ``unique`` is True when exactly one exists (leader
    mode: no mover on the path is indifferent); ``equilibria`` lists up to ``max_listed`` of them.
    """

    mode: str
    labs: tuple[str, ...]
    z_star: tuple[float, ...]
    payoff: tuple[float, ...]
    n_equilibria: int
    unique: bool
    equilibria: tuple[tuple[float, ...], ...]
    day: int

    @property
    def exists(self) -> bool:
        return self.n_equilibria > 0

    def to_dict(self) -> dict:
        return {
            "mode": self.mode,
            "labs": list(self.labs),
            "z_star": list(self.z_star),
            "payoff": list(self.payoff),
            "n_equilibria": self.n_equilibria,
            "exists": self.exists,
            "unique": self.unique,
            "equilibria": [list(e) for e in self.equilibria],
            "day": self.day,
        }

    def __repr__(self) -> str:
        kind = "none" if not self.exists else ("unique" if self.unique else f"{self.n_equilibria} equilibria")
        zs = ", ".join(
            f"{n}: {'no upgrade' if math.isnan(z) else f'{z:.6g}'}"
            for n, z in zip(self.labs, self.z_star, strict=True)
        )
        pay = ", ".join(f"{p:.6g}" for p in self.payoff)
        return f"Equilibrium({self.mode}, {kind}, day {self.day})\n  z*: {zs}\n  payoff: {pay}"


def _levels(
    model: RaceModel, labs: tuple[Lab, ...], oc: np.ndarray, day: int, grid: int, z_max: float | None
) -> np.ndarray:
    ys = [lab.compute.at(day) for lab in labs]
    pos = [c for c in (*np.ravel(oc), *(c for lab in labs for c in lab.compute.compute)) if c > 0]
    if not pos:
        raise ParameterError("labs", "compute 0", "some compute > 0 (a lab's or the open frontier's)")
    lo = min((y for y in ys if np.isfinite(y) and y > 0), default=min(pos) * 1e-3)
    hi = z_max if z_max is not None else 1e6 * max(pos)
    if not hi > lo:
        raise ParameterError(
            "z_max", hi, f"greater than the smallest lab compute on the upgrade day ({lo:g})"
        )
    return np.geomspace(lo * (1 + 1e-9), hi, grid)


def _refine(coarse: np.ndarray, levels: np.ndarray, prof: np.ndarray) -> np.ndarray:
    """The coarse levels plus _PTS points in the 2 intervals of ``levels`` around each level index
    of each x's row of ``prof`` (0: none; unused intervals are taken from the top, so every x gets
    as many). Fine points of earlier passes away from ``prof`` are dropped: the grid keeps its size."""
    X, G = levels.shape
    n_int = min(2 * prof.shape[1], G - 1)
    fr = np.arange(1, _PTS + 1) / (_PTS + 1)
    new = np.empty((X, n_int * _PTS))
    for x in range(X):
        want = []
        for g in prof[x]:
            if g > 0:
                want += [g - 2, g - 1]  # the intervals below and above level index g − 1
        ints = [i for i in dict.fromkeys(want) if 0 <= i < G - 1][:n_int]
        rest = (i for i in range(G - 2, -1, -1) if i not in ints)
        ints += [next(rest) for _ in range(n_int - len(ints))]
        lo, hi = np.log(levels[x, ints]), np.log(levels[x, np.array(ints) + 1])
        new[x] = np.exp(lo[:, None] + fr * (hi - lo)[:, None]).ravel()
    return np.sort(np.concatenate([coarse, new], axis=1), axis=1)


def _solve(model, labs, od, oc, day, mode, grid, z_max, max_listed, refine):
    """Solve in chunks of open-frontier points, so that memory stays bounded (about 120 MB of
    tables); per-x arrays of the final grid's equilibria, equilibria padded with NaN."""
    K = len(labs)
    levels = _levels(model, labs, oc, day, grid, z_max)
    g1 = grid + 4 * K * _PTS + 1
    chunk = max(1, int(_BUDGET // ((2 * K + 3) * g1 * g1)))
    parts = [
        _solve_chunk(model, labs, od, oc[a : a + chunk], day, mode, levels, max_listed, refine)
        for a in range(0, oc.shape[0], chunk)
    ]
    E = max(p[0].shape[1] for p in parts)
    zs = np.concatenate(
        [np.pad(p[0], ((0, 0), (0, E - p[0].shape[1]), (0, 0)), constant_values=np.nan) for p in parts]
    )
    return (zs, *(np.concatenate([p[i] for p in parts]) for i in (1, 2, 3)))


def _solve_chunk(model, labs, od, oc, day, mode, levels, max_listed, refine):
    K = len(labs)
    game = _Game(model, labs, od, oc, day)
    X = game.x.shape[0]
    grid = levels.size
    coarse = np.broadcast_to(levels, (X, grid))
    levels = coarse
    for it in range(refine + 1):
        T = [game.table(k, levels) for k in range(K)]
        if mode == "leader":
            path, unique = solve_leader(T)
            lists = [[tuple(p)] for p in path]
            count = np.ones(X, dtype=np.int64)
        else:
            br = [_best(t) for t in T]
            count, top, tied = count_nash(br)
            lists = [list_nash(br, top, tied, x, max_listed) if count[x] else [] for x in range(X)]
            unique = count == 1
        if it < refine:
            first = np.array([lst[0] if lst else (0,) * K for lst in lists])
            # also each lab's best upgrade past the open frontier (even a losing one) against the
            # others' first-equilibrium choices, so that a narrow window where an upgrade pays is
            # not lost between coarse levels
            h = np.array(
                [
                    [max((p for j, p in enumerate(row) if j != k), default=0) for k in range(K)]
                    for row in first
                ]
            )
            above = levels > game.x_s[:, None]  # upgrades past the open frontier at the ship day
            best_up = np.stack(
                [
                    1 + np.where(above, T[k][np.arange(X), 1:, h[:, k]], -np.inf).argmax(axis=1)
                    for k in range(K)
                ],
                axis=1,
            )
            levels = _refine(coarse, levels, np.concatenate([first, best_up], axis=1) if it == 0 else first)
    lv = np.concatenate([np.full((X, 1), np.nan), levels], axis=1)  # index 0: no upgrade
    E = max(1, max(len(lst) for lst in lists))
    zs = np.full((X, E, K), np.nan)
    pay = np.full((X, K), np.nan)
    for x, lst in enumerate(lists):
        for e, prof in enumerate(lst):
            zs[x, e] = lv[x, list(prof)]
        if lst:
            prof = lst[0]
            for k in range(K):
                h = max((p for j, p in enumerate(prof) if j != k), default=0)
                pay[x, k] = T[k][x, prof[k], h]
    return zs, pay, count, np.asarray(unique, bool)


def _check(model, labs, mode, day, grid, max_listed, refine):
    labs = check_game(model, labs, mode)
    if not (isinstance(day, int | np.integer) and 0 <= day < model.m):
        raise ParameterError("day", day, f"an integer day in [0, {model.m - 1}]")
    if not (isinstance(grid, int | np.integer) and 16 <= grid <= 512):
        raise ParameterError("grid", grid, "an integer number of upgrade levels in [16, 512]")
    if not (isinstance(max_listed, int | np.integer) and 1 <= max_listed <= 64):
        raise ParameterError("max_listed", max_listed, "an integer in [1, 64]")
    if not (isinstance(refine, int | np.integer) and 0 <= refine <= 4):
        raise ParameterError("refine", refine, "an integer number of refinement passes in [0, 4]")
    return labs


def equilibrium(
    model: RaceModel,
    labs: Sequence[Lab],
    mode: str = "nash",
    day: int = 0,
    grid: int = 64,
    z_max: float | None = None,
    max_listed: int = 8,
    refine: int = 3,
) -> Equilibrium:
    """The equilibrium of K strategic labs against the model's open frontier.

    Parameters
    ----------
    model : RaceModel
        Value curve, demand, horizon, open frontier and components (its ``closed`` schedule is not
        used: the labs bring their own; its ``rivals`` stay as non-strategic rivals).
    labs : sequence of Lab
        2 to 6 labs (:func:`moatlab.race.strategic.labs_of` makes K copies of the model's lab).
    mode : {'nash', 'leader'}
        Simultaneous moves, or leader–follower in the order of ``labs``.
    day : int
        The day every upgrade ships.
    grid : int
        Log-spaced upgrade levels from the smallest lab compute to ``z_max`` (default 10^6 × the
        largest compute).
    max_listed : int
        How many equilibria to list when there are several.
    refine : int
        Refinement passes (each about 9-fold finer around the first equilibrium).

    Returns
    -------
    Equilibrium
    """
    labs = _check(model, labs, mode, day, grid, max_listed, refine)
    od, oc = model.open.arrays()
    zs, pay, count, unique = _solve(
        model, labs, od[None], oc[None], int(day), mode, grid, z_max, max_listed, refine
    )
    n = int(count[0])
    listed = tuple(tuple(float(v) for v in row) for row in zs[0][: min(n, zs.shape[1])])
    return Equilibrium(
        mode,
        tuple(lab.name or f"lab{i}" for i, lab in enumerate(labs)),
        tuple(float(v) for v in zs[0, 0]),
        tuple(float(v) for v in pay[0]),
        n,
        bool(unique[0]),
        listed,
        int(day),
    )


def equilibrium_sweep(
    model: RaceModel,
    labs: Sequence[Lab],
    open_upgrade: Sequence[float],
    release_day: int = 0,
    mode: str = "nash",
    day: int = 0,
    grid: int = 64,
    z_max: float | None = None,
    max_listed: int = 8,
    refine: int = 3,
) -> xr.Dataset:
    """Equilibria against the size x′ of an open release on ``release_day`` (added to ``model.open``).

    Returns
    -------
    xarray.Dataset
        ``z_star`` and ``payoff`` (open_upgrade, lab) of the first listed equilibrium (NaN z*: no
        upgrade or no equilibrium), ``z_frontier`` (the largest of them), ``z_single`` (lab 0
        alone, without strategic rivals: the race essay's z*), ``n_equilibria``,
        ``exists``, ``unique`` (open_upgrade) and ``z_equilibria`` (open_upgrade, equilibrium, lab)
        listing up to ``max_listed``. ``attrs['conclusion_holds']`` is 1 when ``z_frontier`` is
        non-increasing in x′ (the race essay's conclusion for the industry), else 0.
    """
    labs = _check(model, labs, mode, day, grid, max_listed, refine)
    xu = np.atleast_1d(check_range("open_upgrade", open_upgrade, 0.0, lo_open=True)).astype(float)
    if xu.ndim != 1 or xu.size > MAX_POINTS:
        raise LimitError(f"open_upgrade: {xu.size} points is too many (at most {MAX_POINTS})")
    if not (isinstance(release_day, int | np.integer) and 0 <= release_day < model.m):
        raise ParameterError("release_day", release_day, f"an integer day in [0, {model.m - 1}]")
    bd, bc = model.open.arrays()
    od = np.concatenate([bd, [float(release_day)]])[None]
    oc = np.concatenate([np.broadcast_to(bc, (xu.size, bc.size)), xu[:, None]], axis=1)
    g1 = grid + 4 * len(labs) * _PTS + 1
    work = xu.size * g1 * g1 * len(labs) * (refine + 1)
    if work > _MAX_WORK:
        raise LimitError(
            f"equilibrium sweep: {xu.size} points × {len(labs)} labs × grid {grid} × {refine + 1} passes is "
            f"{work:.2g} table entries (at most {_MAX_WORK:.0e}): use fewer points, labs, levels or passes"
        )
    zs, pay, count, unique = _solve(model, labs, od, oc, int(day), mode, grid, z_max, max_listed, refine)
    names = [lab.name or f"lab{i}" for i, lab in enumerate(labs)]
    ds = xr.Dataset(
        {
            "z_star": (("open_upgrade", "lab"), zs[:, 0]),
            "payoff": (("open_upgrade", "lab"), pay),
            "n_equilibria": (("open_upgrade",), count),
            "exists": (("open_upgrade",), count > 0),
            "unique": (("open_upgrade",), unique),
            "z_equilibria": (("open_upgrade", "equilibrium", "lab"), zs),
        },
        coords={"open_upgrade": xu, "lab": names, "equilibrium": np.arange(zs.shape[1])},
    )
    from .analysis import sweep

    one = model.replace(closed=labs[0].compute, cost_per_unit=labs[0].cost_per_unit)
    single = sweep(
        one, open_upgrade=xu, release_day=[int(release_day)], day=int(day), optimise=True, marginal=False
    )
    ds["z_single"] = ("open_upgrade", single["z_star"].values[:, 0])
    ds["z_single"].attrs.update(units="compute", description="z* of lab 0 alone (no strategic rival)")
    ds["z_frontier"] = ds["z_star"].max("lab", skipna=True)
    ds["z_frontier"].attrs.update(units="compute", description="the largest upgrade of any lab (NaN: none)")
    zf = np.nan_to_num(ds["z_frontier"].values, nan=0.0)
    ds.attrs["conclusion_holds"] = int(bool((np.diff(zf) <= 1e-6 * max(zf.max(initial=0.0), 1.0)).all()))
    ds["z_star"].attrs.update(
        units="compute",
        description="lab's upgrade in the first listed equilibrium (NaN: no upgrade, or no equilibrium)",
    )
    ds["payoff"].attrs.update(units="$", description="lab's payoff (revenue + prestige − cost)")
    ds["n_equilibria"].attrs["description"] = "pure-strategy equilibria on the final grid (0: none)"
    ds["open_upgrade"].attrs.update(units="compute", description="open release compute x′")
    ds.attrs.update(
        game_mode=mode,
        release_day=int(release_day),
        day=int(day),
        grid=int(grid),
        refine=int(refine),
        components=model.label,
        n=model.n,
        m=model.m,
        from_open=",".join(str(int(lab.from_open)) for lab in labs),
        max_listed=int(max_listed),
    )
    return ds


__all__ = ["Equilibrium", "Lab", "equilibrium", "equilibrium_sweep"]
