"""Work budgets: every entry point checks how much it was asked to compute *before* allocating.

Each budget has a documented default, sized so that a request it allows stays within a few GB of
memory (the largest landscape allowed holds about 1.2 GB: some 300 bytes a point, measured by
``benchmarks/bench_limits.py``) and within hours rather than years of computing. A request past
a budget raises :class:`~moatlab.errors.LimitError` with one line: what was asked, how many, the
cap and how to raise it. Every cap can be raised (or lowered) for one process with an environment
variable, e.g. ``MOATLAB_MAX_SWEEP_POINTS=1e9 moatlab sweep run big.toml``; ``moatlab sweep run``
also takes ``--max-points``, and ``moatlab landscape`` and ``moatlab safety map`` take
``--max-solves`` (the ``game_solves`` cap). Within a ``with budget(name, cap):`` block, for the
current thread or task only, a cap overrides the environment variable (:func:`budget`; how the
command line applies its options, and how a program raises a cap for one call without touching
the environment of others).

=====================  ==============  ==========================================================
budget                 default         what it caps
=====================  ==============  ==========================================================
``grid_axis``          1,000,000       points on one ``START:STOP:NUM`` axis (any command)
``landscape_points``   4,000,000       θ × p points of one landscape (held in memory at once)
``race_days``          100,000         the race horizon ``m`` in days (about 270 years)
``race_cells``         50,000,000      sweep points × days of one race sweep
``mc_draws``           1,000,000       Monte Carlo draws of the race's uncertain releases
``sweep_points``       100,000,000     points of one sweep (grid product or ``samples``)
``chunk_points``       10,000,000      ``chunk_size``: points computed and held at once
``policy_evaluations`` 200,000,000     policy search: ``grid² × draws × (refine + 1)`` games
``policy_draws``       10,000,000      policy search: ``draws``
``market_runs``        100,000         simulator runs of one command (scenarios or values × seeds)
``sweep_chunks``       1,000,000       chunk files of one sweep folder
``game_solves``        1,000,000,000   openness-game solves of one call, weighted (below)
``block_bytes``        2,000,000,000   memory of one block of a bargained grid (bytes, below)
=====================  ==============  ==========================================================

A grid point does not always cost one game solve. Under a bargaining solution (Qiu et al. 2025's
stage 1) every point solves the game once per candidate share: the share grid (33 by default), the
golden-section refinement around its best share (2 + ⌈log(xtol·(grid−1)/2) / log 0.618⌉ = 40 more at
the defaults, three refinements for Kalai–Smorodinsky) and the agreed share, so
:func:`bargaining_shares` gives 74 solves a point at the defaults. On the numerical path (replaced
forms, ``method="numerical"`` or a share schedule other than ``scale``) a solve searches G's
openness on a grid of ``omega_grid`` points (33 by default) and costs about that many closed-form
solves, so :func:`solve_cost` counts it as ``omega_grid``. ``game_solves`` caps points × shares per
point × solve cost, welfare references included (a landscape without bargaining: three solves a
point and the curves' evaluations per θ) (:func:`moatlab.game.landscape.landscape`,
``moatlab safety map --bargaining``). A bargained grid is computed in blocks of points × candidate
shares; :func:`bargaining_block` sizes the block so that its estimated peak memory
(:func:`set_bytes` a parameter set, measured by ``benchmarks/bench_limits.py``) stays within
``block_bytes``, whatever the share grid.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from .errors import LimitError, ParameterError

__all__ = ["LIMITS", "Limit", "LimitParameterError", "bargaining_block", "bargaining_shares", "budget", "cap",
           "check", "check_sizes", "env_name", "parse_cap", "product", "set_bytes", "solve_cost"]


class LimitParameterError(LimitError, ParameterError):
    """A parameter past a budget: ``<name> = <value> is not allowed: must be at most <cap> …``.

    Both a :class:`LimitError` and a :class:`ParameterError`, so that code that names parameters
    (scenario loaders, the CLI's option names) names this one too.
    """


@dataclass(frozen=True)
class Limit:
    """One budget: its default cap and what a unit of it is."""

    default: int
    unit: str
    why: str


LIMITS: dict[str, Limit] = {
    "grid_axis": Limit(1_000_000, "points on one axis", "a grid axis is held in memory"),
    "landscape_points": Limit(4_000_000, "landscape points", "about 300 bytes each, held at once"),
    "race_days": Limit(100_000, "days", "daily paths are held in memory"),
    "race_cells": Limit(50_000_000, "point × day cells", "the work grows with sweep points × days"),
    "mc_draws": Limit(1_000_000, "Monte Carlo draws", "each draw holds a path of release days"),
    "sweep_points": Limit(100_000_000, "sweep points", "the result of a sweep is written and read whole"),
    "chunk_points": Limit(10_000_000, "points per chunk", "a chunk is computed in memory at once"),
    "policy_evaluations": Limit(200_000_000, "game solutions", "one equilibrium per policy and draw"),
    "policy_draws": Limit(10_000_000, "parameter draws", "the draws are held in memory"),
    "market_runs": Limit(100_000, "simulator runs", "each run simulates every period of the market"),
    "sweep_chunks": Limit(1_000_000, "chunk files", "one file per chunk"),
    "game_solves": Limit(1_000_000_000, "game solves",
                         "about a microsecond each; a numerical-path solve counts as its omega_grid points"),
    "block_bytes": Limit(2_000_000_000, "bytes", "one block of points × candidate shares is held at once"),
}

#: Golden-section ratio of :func:`moatlab.game.bargaining.bargain` (kept here: no numpy import).
_GOLD = (math.sqrt(5.0) - 1.0) / 2.0
#: Estimated peak bytes per parameter set (one point at one candidate share) of a bargained block
#: on the closed-form path, and per ω-grid point more on the numerical path: upper estimates
#: (bench_limits.py measured about 320 and 390 bytes of numpy allocations, 660 of resident memory).
SET_BYTES = 700
OMEGA_BYTES = 64


#: Caps and option names set by :func:`budget` for the current context: budget name →
#: (cap or ``None``, option or ``None``). Never mutated; each ``with budget(...)`` sets a new mapping.
_SCOPED: ContextVar[dict[str, tuple[int | None, str | None]] | None] = ContextVar("moatlab_budgets",
                                                                                  default=None)
#: What a cap given on the command line may be.
CAP_ALLOWED = "a whole number >= 1, such as 5000000 or 5e6"


def env_name(name: str) -> str:
    """The environment variable that overrides budget ``name`` (``MOATLAB_MAX_<NAME>``)."""
    return "MOATLAB_MAX_" + name.upper()


def parse_cap(option: str, raw: str | float) -> int:
    """A cap given as a command-line value (``"2000000"``, ``"2e9"``) as an integer >= 1.

    Raises :class:`ParameterError` naming ``option`` unless ``raw`` is a finite whole number >= 1.
    """
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = float(raw.strip() if isinstance(raw, str) else raw)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value >= 1 and value == int(value)):
        raise ParameterError(option, raw, CAP_ALLOWED)
    return int(value)


@contextlib.contextmanager
def budget(name: str, value: int | None = None, *, option: str | None = None) -> Iterator[None]:
    """Within the ``with`` block, budget ``name`` has cap ``value`` and is raised by ``option``.

    The setting lives in a :class:`contextvars.ContextVar`: it holds for the current thread (or
    asyncio task) only and is undone on leaving the block, so calls in the same process never see
    each other's caps. ``value`` (an integer >= 1) overrides ``$MOATLAB_MAX_<NAME>``; ``None``
    keeps the environment variable or the default. ``option`` (e.g. ``"--max-solves"``) is the
    command-line option that the refusal offers beside the environment variable.

    Parameters
    ----------
    name : str
        A key of :data:`LIMITS`, e.g. ``"game_solves"``.
    value : int, optional
        The cap within the block.
    option : str, optional
        The option named in a refusal within the block.

    Examples
    --------
    >>> from moatlab import _limits
    >>> with _limits.budget("game_solves", 5):
    ...     _limits.cap("game_solves")
    5
    >>> _limits.cap("game_solves") == _limits.LIMITS["game_solves"].default
    True
    """
    if name not in LIMITS:
        raise ParameterError("name", name, "one of " + ", ".join(LIMITS))
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ParameterError(option or "value", value, "an integer >= 1")
    token = _SCOPED.set({**(_SCOPED.get() or {}), name: (value, option)})
    try:
        yield
    finally:
        _SCOPED.reset(token)


def _scoped(name: str) -> tuple[int | None, str | None]:
    return (_SCOPED.get() or {}).get(name, (None, None))


def cap(name: str) -> int:
    """The cap of budget ``name``: the :func:`budget` in force, else ``$MOATLAB_MAX_<NAME>`` when
    set (a number >= 1), else the default."""
    limit = LIMITS[name]
    scoped, _ = _scoped(name)
    if scoped is not None:
        return scoped
    raw = os.environ.get(env_name(name), "").strip()
    if not raw:
        return limit.default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 1):
        raise LimitError(f"{env_name(name)} = {raw[:40]!r} is not allowed: must be a number >= 1")
    return int(value)


def check(
    name: str,
    value: float,
    what: str,
    *,
    option: str | None = None,
    override: int | None = None,
    param: str | None = None,
) -> None:
    """Raise :class:`LimitError` if ``value`` exceeds budget ``name`` (call before allocating).

    ``what`` names the request in the message (``"--theta-grid × --penalty-grid"``); ``option``
    names a command-line option that raises the cap (e.g. ``--max-points``), offered beside the
    environment variable (by default the option of the :func:`budget` in force); ``override``
    replaces the cap (the value of such an option). With ``param`` (a parameter's name) the error
    is a :class:`LimitParameterError` naming it.
    """
    limit = LIMITS[name]
    option = option or _scoped(name)[1]
    top = cap(name) if override is None else int(override)
    if value is None or not value > top:  # NaN and small values pass: other checks judge them
        return
    how = f"give {option} N or set {env_name(name)}=N" if option else f"set {env_name(name)}=N"
    shown = f"{value:,.0f}" if value < 1e18 else f"{value:.3g}"
    if param is not None:
        raise LimitParameterError(
            param, value, f"at most {top:,} {limit.unit} ({limit.why}); to allow more, {how}"
        )
    raise LimitError(
        f"{what}: {shown} {limit.unit} is over the limit of {top:,} ({limit.why}); "
        f"to allow more, {how}"
    )


def check_sizes(name: str, what: str, *arrays, times: float = 1, option: str | None = None) -> None:
    """:func:`check` on ``times`` × the product of the sizes of ``arrays`` (``None`` counts 1)."""
    import numpy as np

    check(name, product(times, *(1 if a is None else np.size(a) for a in arrays)), what, option=option)


def bargaining_shares(solution: str = "nash", share_grid: int = 33, xtol: float = 1e-9) -> int:
    """Game solves per point of one bargaining problem (an upper bound, exact in the usual case).

    The share grid, the golden-section refinement in the two grid cells around the best share
    (two starting points plus one per iteration, until the bracket is ``xtol`` wide; three such
    refinements for ``kalai_smorodinsky``) and one solve at the agreed share. ``fixed`` costs 1.
    """
    if solution in (None, "fixed"):
        return 1
    width = 2.0 / (share_grid - 1)  # two grid cells around the best share
    iters = max(0, math.ceil(math.log(xtol / width) / math.log(_GOLD))) if xtol < width else 0
    refinements = 3 if solution == "kalai_smorodinsky" else 1
    return share_grid + refinements * (2 + iters) + 1


def solve_cost(numerical: bool, omega_grid: int = 33) -> int:
    """Cost of one game solve in closed-form solves: 1, or ``omega_grid`` on the numerical path."""
    return int(omega_grid) if numerical else 1


def set_bytes(numerical: bool = False, omega_grid: int = 33) -> int:
    """Estimated peak memory of one parameter set (one point at one share) in a bargained block."""
    return SET_BYTES + (OMEGA_BYTES * int(omega_grid) if numerical else 0)


def bargaining_block(share_grid: int, numerical: bool = False, omega_grid: int = 33,
                     most: int = 8192) -> int:
    """Points per block of a bargained grid: at most ``most``, and few enough that the block's
    ``share_grid`` candidate shares a point fit in the ``block_bytes`` budget.

    Raises :class:`LimitError` when even one point does not fit.
    """
    per_point = share_grid * set_bytes(numerical, omega_grid)
    top = cap("block_bytes")
    check("block_bytes", per_point, f"one point of a bargained grid ({share_grid} shares at once)")
    return max(1, min(int(most), top // per_point))


def product(*sizes: float) -> float:
    """The product of ``sizes`` as a float (no overflow, no allocation)."""
    out = 1.0
    for s in sizes:
        out *= float(s)
    return out
