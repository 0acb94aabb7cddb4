"""Value curves f(x): the value per customer per day of a model trained with compute x.

Families (all increasing; log and power with b <= 1 are concave)::

    log       f(x) = a · log(1 + x / x0)
    power     f(x) = a · (x / x0)^b,                     0 < b <= 1 for concavity (b <= 2 allowed)
    logistic  f(x) = a / (1 + exp(-k · (log10 x - log10 mid)))   an S-curve in log-compute

and any user callable (vectorised over numpy arrays), checked to be non-decreasing and finite on
the compute range a computation uses. Compute may span many orders of magnitude (1e20–1e27 FLOP):
everything is float64 and the families work on x / x0 or log10 x, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._validate import ParameterError, check_range

FAMILIES = ("log", "power", "logistic")


@dataclass(frozen=True)
class ValueCurve:
    """A value curve ``f``; call it on compute (any shape).

    Parameters
    ----------
    family : {'log', 'power', 'logistic', 'callable'}
    a : float
        Scale (value per customer per day at the curve's reference point).
    x0 : float
        Compute scale of ``log`` and ``power``.
    b : float
        Exponent of ``power``.
    mid, k : float
        Midpoint (compute) and steepness (per decade) of ``logistic``.
    fn : callable, optional
        The user's ``f`` for ``family='callable'``.
    """

    family: str = "log"
    a: float = 1.0
    x0: float = 1.0
    b: float = 0.5
    mid: float = 1.0
    k: float = 1.0
    fn: Callable[[np.ndarray], np.ndarray] | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.family not in (*FAMILIES, "callable"):
            raise ParameterError("family", self.family, "one of " + ", ".join((*FAMILIES, "callable")))
        if self.family == "callable":
            if not callable(self.fn):
                raise ParameterError("fn", self.fn, "a callable f(compute) -> value")
            return
        check_range("a", self.a, 0.0, lo_open=True)
        check_range("x0", self.x0, 0.0, lo_open=True)
        check_range("b", self.b, 0.0, 2.0, lo_open=True)
        check_range("mid", self.mid, 0.0, lo_open=True)
        check_range("k", self.k, 0.0, lo_open=True)

    @classmethod
    def of(cls, f: ValueCurve | Callable | str | None) -> ValueCurve:
        """Coerce a family name, a callable or a curve into a :class:`ValueCurve`."""
        if f is None:
            return cls()
        if isinstance(f, ValueCurve):
            return f
        if isinstance(f, str):
            return cls(family=f)
        if callable(f):
            return cls(family="callable", fn=f, name=getattr(f, "__name__", "f"))
        raise ParameterError("f", f, "a ValueCurve, a family name or a callable")

    @property
    def concave(self) -> bool:
        return self.family == "log" or (self.family == "power" and self.b <= 1.0)

    def __call__(self, x: np.ndarray | float) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self.family == "log":
            return self.a * np.log1p(x / self.x0)
        if self.family == "power":
            return self.a * (x / self.x0) ** self.b
        if self.family == "logistic":
            with np.errstate(divide="ignore"):
                z = self.k * (np.log10(x) - np.log10(self.mid))
            return self.a / (1.0 + np.exp(-z))
        return np.asarray(self.fn(x), dtype=float)  # type: ignore[misc]

    def derivative(self, x: np.ndarray | float) -> np.ndarray:
        """f'(x) (central difference in relative step for user callables)."""
        x = np.asarray(x, dtype=float)
        if self.family == "log":
            return self.a / (self.x0 + x)
        if self.family == "power":
            return self.a * self.b / self.x0 * (x / self.x0) ** (self.b - 1.0)
        h = np.maximum(np.abs(x), 1e-300) * 1e-6
        return (self(x + h) - self(x - h)) / (2 * h)

    def check_increasing(self, lo: float, hi: float, points: np.ndarray | None = None) -> None:
        """Raise :class:`ParameterError` unless f is finite and non-decreasing on [lo, hi]."""
        if self.family != "callable":
            return
        lo = max(lo, 1e-300)
        grid = np.geomspace(lo, max(hi, lo), 257) if hi > lo else np.array([lo])
        if points is not None:
            pts = np.asarray(points, dtype=float).ravel()
            grid = np.unique(np.concatenate([grid, pts[pts > 0]]))
        try:
            v = self(grid)
        except Exception as e:  # the user's function failed on our grid: say where
            raise ParameterError(
                "f", self.name or "callable", f"a function defined on compute in [{lo:g}, {hi:g}] ({e})"
            ) from None
        if v.shape != grid.shape or not np.isfinite(v).all():
            raise ParameterError(
                "f", self.name or "callable", f"finite on compute in [{lo:g}, {hi:g}], one value per compute"
            )
        d = np.diff(v)
        tol = 1e-12 * max(1.0, float(np.max(np.abs(v))))
        if (d < -tol).any():
            i = int(np.argmax(d < -tol))
            raise ParameterError(
                "f",
                self.name or "callable",
                f"increasing on the compute range used, but f({grid[i]:g}) = {v[i]:g} > "
                f"f({grid[i + 1]:g}) = {v[i + 1]:g}",
            )
