"""Step-function schedules of compute: [(day, compute), …] with non-decreasing compute.

A schedule's compute on day t is the compute of its last entry with day <= t; before its first
entry there is no model (value 0, not f(0)). Days are integers in [0, m); entries at or beyond
the horizon have no effect.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .._validate import ParameterError


@dataclass(frozen=True)
class Schedule:
    """A step function of compute over days (validated, immutable)."""

    days: tuple[int, ...]
    compute: tuple[float, ...]

    @classmethod
    def of(cls, s: Schedule | float | Sequence[Sequence[float]], name: str = "schedule") -> Schedule:
        """From a schedule, a constant compute (from day 0), or ``[(day, compute), …]``."""
        if isinstance(s, Schedule):
            return s
        if isinstance(s, int | float | np.floating | np.integer):
            s = [(0, float(s))]
        try:
            pairs = [(d, c) for d, c in s]  # type: ignore[union-attr]
        except (TypeError, ValueError):
            raise ParameterError(name, s, "a compute, or a list of (day, compute) pairs") from None
        if not pairs:
            raise ParameterError(name, s, "at least one (day, compute) pair")
        days, comp = [], []
        for d, c in pairs:
            if not (isinstance(d, int | np.integer) or (isinstance(d, float) and d.is_integer())) or d < 0:
                raise ParameterError(f"{name} day", d, "an integer >= 0")
            try:
                cf = float(c)
            except (TypeError, ValueError):
                raise ParameterError(f"{name} compute", c, "a number >= 0") from None
            if not (np.isfinite(cf) and cf >= 0):
                raise ParameterError(f"{name} compute", c, "a finite number >= 0")
            days.append(int(d))
            comp.append(cf)
        for i in range(1, len(days)):
            if days[i] <= days[i - 1]:
                raise ParameterError(f"{name} days", days, "strictly increasing")
            if comp[i] < comp[i - 1]:
                raise ParameterError(
                    f"{name} compute", comp, "non-decreasing over time (a frontier never moves back)"
                )
        return cls(tuple(days), tuple(comp))

    def on_days(self, m: int) -> np.ndarray:
        """Compute on each day 0…m−1 (NaN where no model exists yet)."""
        out = np.full(m, np.nan)
        for d, c in zip(self.days, self.compute, strict=True):
            if d < m:
                out[d:] = c
        return out

    def at(self, day: int) -> float:
        idx = np.searchsorted(self.days, day, side="right") - 1
        return self.compute[idx] if idx >= 0 else float("nan")

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.days, dtype=float), np.asarray(self.compute, dtype=float)

    def values(self) -> Iterable[float]:
        return self.compute
