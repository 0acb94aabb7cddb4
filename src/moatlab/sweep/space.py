"""A declarative parameter space: each parameter fixed, a grid, or a distribution.

Every distribution is a map from the unit interval: ``value = ppf(u)`` with ``u ~ U(0, 1)``.
So one sample of the unit hypercube (full factorial, Latin hypercube, Sobol', Monte Carlo,
Saltelli or Morris) serves every distribution, and a design's randomness lives only in ``u``:

    Fixed(v)               ppf(u) = v
    Grid(values)           on a grid design: every value; on a sampled one: values[⌊u·k⌋]
    Uniform(low, high)     ppf(u) = low + u (high − low)
    Normal(mean, sd, low, high)   truncated to [low, high] (default: untruncated)
    LogNormal(mu, sigma)   ppf(u) = exp(mu + sigma Φ⁻¹(u))
    Beta(a, b, low, high)  ppf(u) = low + (high − low) B⁻¹_{a,b}(u)
    Empirical(values)      ppf(u) = sorted values[⌊u·k⌋] (resampling with equal weights)

A bad field raises :class:`SpecError` with one line naming the dotted field
(``parameters.alpha0.sd``), the value and what is allowed.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._limits import check
from ..errors import ScenarioError, fmt_value


class SpecError(ScenarioError):
    """A sweep specification is invalid: ``<field> = <value> is not allowed: must be <allowed>``."""

    def __init__(self, field: str, value: Any, allowed: str):
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(f"{field} = {_fmt(value)} is not allowed: must be {allowed}")


def _fmt(v: Any) -> str:
    return fmt_value(v)


def _num(field: str, v: Any, lo: float = -math.inf, hi: float = math.inf, *, lo_open=False) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
        raise SpecError(field, v, "a number")
    v = float(v)
    ok = math.isfinite(v) and (v > lo if lo_open else v >= lo) and v <= hi
    if not ok:
        rng = f"{'>' if lo_open else '>='} {lo:g}" if math.isfinite(lo) else "finite"
        raise SpecError(field, v, rng if math.isinf(hi) else f"in [{lo:g}, {hi:g}]")
    return v


def _values(field: str, v: Any, min_len: int = 1) -> np.ndarray:
    if not isinstance(v, list | tuple | np.ndarray) or len(v) < min_len:
        raise SpecError(field, v, f"a list of at least {min_len} number(s)")
    return np.array([_num(f"{field}[{i}]", x) for i, x in enumerate(v)])


@dataclass(frozen=True)
class Parameter(ABC):
    """Base class: a named parameter with a map ``ppf`` from [0, 1) to its values."""

    name: str

    kind = "parameter"

    @property
    @abstractmethod
    def support(self) -> tuple[float, float]:
        """Smallest and largest value the parameter can take."""

    @abstractmethod
    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at unit-interval points ``u``."""

    @property
    def uncertain(self) -> bool:
        return True

    def to_dict(self) -> dict[str, Any]:
        d = {
            k: (list(map(float, v)) if isinstance(v, tuple) else v)
            for k, v in self.__dict__.items()
            if k != "name"
        }
        return {"dist": self.kind, **d}


def _pick(values: tuple[float, ...], u: np.ndarray) -> np.ndarray:
    v = np.asarray(values, float)
    return v[np.minimum((np.asarray(u) * v.size).astype(np.int64), v.size - 1)]


@dataclass(frozen=True)
class Fixed(Parameter):
    """A parameter held at one value."""

    value: float = 0.0
    kind = "fixed"

    @property
    def support(self):
        return (self.value, self.value)

    @property
    def uncertain(self) -> bool:
        return False

    def ppf(self, u):
        return np.full(np.shape(u), self.value)


@dataclass(frozen=True)
class Grid(Parameter):
    """Explicit values: every one on a grid design, equally likely on a sampled design."""

    values: tuple[float, ...] = ()
    kind = "grid"

    def __post_init__(self):
        object.__setattr__(self, "values", tuple(float(x) for x in self.values))

    @property
    def support(self):
        return (min(self.values), max(self.values))

    def ppf(self, u):
        return _pick(self.values, u)


@dataclass(frozen=True)
class Uniform(Parameter):
    low: float = 0.0
    high: float = 1.0
    kind = "uniform"

    @property
    def support(self):
        return (self.low, self.high)

    def ppf(self, u):
        return self.low + np.asarray(u) * (self.high - self.low)


@dataclass(frozen=True)
class Normal(Parameter):
    """Normal(mean, sd), truncated to [low, high] when they are finite."""

    mean: float = 0.0
    sd: float = 1.0
    low: float = -math.inf
    high: float = math.inf
    kind = "normal"

    @property
    def support(self):
        return (self.low, self.high)

    def ppf(self, u):
        from scipy import stats  # lazy: scipy.stats takes seconds to import
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        if math.isinf(a) and math.isinf(b):
            return self.mean + self.sd * stats.norm.ppf(u)
        return stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)


@dataclass(frozen=True)
class LogNormal(Parameter):
    """exp(Normal(mu, sigma)): a positive parameter with a long right tail."""

    mu: float = 0.0
    sigma: float = 1.0
    kind = "lognormal"

    @property
    def support(self):
        return (0.0, math.inf)

    def ppf(self, u):
        from scipy import stats  # lazy: scipy.stats takes seconds to import
        return np.exp(self.mu + self.sigma * stats.norm.ppf(u))


@dataclass(frozen=True)
class Beta(Parameter):
    """Beta(a, b) rescaled to [low, high]."""

    a: float = 1.0
    b: float = 1.0
    low: float = 0.0
    high: float = 1.0
    kind = "beta"

    @property
    def support(self):
        return (self.low, self.high)

    def ppf(self, u):
        from scipy import stats  # lazy: scipy.stats takes seconds to import
        return self.low + (self.high - self.low) * stats.beta.ppf(u, self.a, self.b)


@dataclass(frozen=True)
class Empirical(Parameter):
    """Resample observed values with equal weights."""

    values: tuple[float, ...] = ()
    kind = "empirical"

    def __post_init__(self):
        object.__setattr__(self, "values", tuple(sorted(float(x) for x in self.values)))

    @property
    def support(self):
        return (self.values[0], self.values[-1])

    def ppf(self, u):
        return _pick(self.values, u)


DISTRIBUTIONS = ("uniform", "normal", "lognormal", "beta", "empirical")


def parse_parameter(name: str, raw: Any) -> Parameter:
    """One parameter from a TOML/JSON value: a number (fixed), a list (grid) or a table.

    Tables: ``{grid = [...]}``, ``{grid = {start, stop, num}}``, or ``{dist = "<name>", ...}``
    with the distribution's fields.
    """
    f = f"parameters.{name}"
    if isinstance(raw, Parameter):
        return raw
    if isinstance(raw, bool) or isinstance(raw, str):
        raise SpecError(f, raw, "a number, a list (grid) or a table {dist = ...} / {grid = ...}")
    if isinstance(raw, int | float):
        return Fixed(name, _num(f, raw))
    if isinstance(raw, list | tuple):
        return Grid(name, tuple(_values(f, raw)))
    if not isinstance(raw, dict):
        raise SpecError(f, raw, "a number, a list (grid) or a table {dist = ...} / {grid = ...}")
    raw = dict(raw)
    if "grid" in raw:
        g = raw.pop("grid")
        _no_extra(f, raw)
        if isinstance(g, dict):
            start = _num(f"{f}.grid.start", g.get("start"))
            stop = _num(f"{f}.grid.stop", g.get("stop"))
            num = g.get("num")
            if isinstance(num, bool) or not isinstance(num, int) or num < 1:
                raise SpecError(f"{f}.grid.num", num, "an integer >= 1")
            check("grid_axis", num, f"{f}.grid.num")
            return Grid(name, tuple(np.linspace(start, stop, num)))
        return Grid(name, tuple(_values(f"{f}.grid", g)))
    dist = raw.pop("dist", None)
    if dist == "fixed":
        p = Fixed(name, _num(f"{f}.value", raw.pop("value", None)))
        _no_extra(f, raw)
        return p
    if dist not in DISTRIBUTIONS:
        raise SpecError(f"{f}.dist", dist, "one of fixed, " + ", ".join(DISTRIBUTIONS))
    get = raw.pop
    if dist == "uniform":
        lo, hi = _num(f"{f}.low", get("low", None)), _num(f"{f}.high", get("high", None))
        if hi <= lo:
            raise SpecError(f"{f}.high", hi, f"> low = {lo:g}")
        p = Uniform(name, lo, hi)
    elif dist == "normal":
        mean = _num(f"{f}.mean", get("mean", None))
        sd = _num(f"{f}.sd", get("sd", None), 0, lo_open=True)
        lo = _num(f"{f}.low", get("low", -math.inf)) if "low" in raw else -math.inf
        hi = _num(f"{f}.high", get("high", math.inf)) if "high" in raw else math.inf
        if hi <= lo:
            raise SpecError(f"{f}.high", hi, f"> low = {lo:g}")
        p = Normal(name, mean, sd, lo, hi)
    elif dist == "lognormal":
        p = LogNormal(
            name, _num(f"{f}.mu", get("mu", None)), _num(f"{f}.sigma", get("sigma", None), 0, lo_open=True)
        )
    elif dist == "beta":
        a = _num(f"{f}.a", get("a", None), 0, lo_open=True)
        b = _num(f"{f}.b", get("b", None), 0, lo_open=True)
        lo, hi = _num(f"{f}.low", get("low", 0.0)), _num(f"{f}.high", get("high", 1.0))
        if hi <= lo:
            raise SpecError(f"{f}.high", hi, f"> low = {lo:g}")
        p = Beta(name, a, b, lo, hi)
    else:
        p = Empirical(name, tuple(_values(f"{f}.values", get("values", None))))
    _no_extra(f, raw)
    return p


def _no_extra(f: str, raw: dict) -> None:
    if raw:
        k = next(iter(raw))
        raise SpecError(f"{f}.{k}", raw[k], "absent (unknown field for this kind of parameter)")


@dataclass(frozen=True)
class ParameterSpace:
    """Parameters (fixed, grids, distributions) and the outcomes to record.

    Parameters
    ----------
    parameters : sequence of Parameter
        One entry per parameter that is not left at the model's default.
    outcomes : sequence of str
        Names of the model outcomes to record (all of them when empty).

    Examples
    --------
    >>> from moatlab.sweep import ParameterSpace, Uniform, Fixed
    >>> s = ParameterSpace([Uniform("alpha0", 0.05, 0.5), Fixed("theta", 0.5)], ["omega"])
    >>> s.uncertain
    ('alpha0',)
    """

    parameters: tuple[Parameter, ...]
    outcomes: tuple[str, ...] = ()
    _by_name: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        params = tuple(self.parameters)
        object.__setattr__(self, "parameters", params)
        object.__setattr__(self, "outcomes", tuple(self.outcomes))
        names = [p.name for p in params]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise SpecError("parameters", sorted(dup)[0], "each parameter named once")
        object.__setattr__(self, "_by_name", dict(zip(names, params, strict=True)))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def uncertain(self) -> tuple[str, ...]:
        """Names of the parameters that vary (grids and distributions)."""
        return tuple(p.name for p in self.parameters if p.uncertain)

    @property
    def fixed(self) -> dict[str, float]:
        return {p.name: p.value for p in self.parameters if isinstance(p, Fixed)}

    def __getitem__(self, name: str) -> Parameter:
        return self._by_name[name]

    def values(self, u: np.ndarray) -> dict[str, np.ndarray]:
        """Map unit-hypercube rows ``u`` (n × len(uncertain)) to parameter arrays (fixed ones too)."""
        u = np.clip(np.asarray(u, float), 1e-12, 1 - 1e-12)  # keeps infinite tails finite
        out = {name: self[name].ppf(u[:, j]) for j, name in enumerate(self.uncertain)}
        out.update({k: np.full(u.shape[0], v) for k, v in self.fixed.items()})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {p.name: p.to_dict() for p in self.parameters}
