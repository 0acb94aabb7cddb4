"""Models a sweep can run: anything with declared parameters, declared outcomes and a vector call.

A sweep model has

* ``name`` and ``options`` (plain data, so a Dask worker can rebuild it),
* ``outcomes``: ``{name: description}``,
* ``check(space)``: raise :class:`SpecError` for a parameter the model does not have or a
  distribution whose support leaves the parameter's allowed range,
* ``evaluate(values, rows, seed)``: parameter arrays in, outcome arrays out; ``rows`` are the
  global sample indices, so a stochastic model seeds row ``i`` with
  ``SeedSequence(seed, spawn_key=(1, i))`` and gives the same numbers however a sweep is chunked.

Four are built in: the openness game (vectorised, compiled when numba is installed), the
race model (one revenue / upgrade-value evaluation per row), the market simulator (one Mesa
run per row) and :class:`FunctionModel` for any Python function.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import ParameterError, check_choice
from .space import ParameterSpace, SpecError


def _support_check(space: ParameterSpace, check_value: Callable[[str, float], None]) -> None:
    for p in space.parameters:
        for end, v in zip(("low", "high"), p.support, strict=True):
            if math.isinf(v):
                try:
                    check_value(p.name, math.copysign(1e300, v))  # an unbounded tail needs an unbounded range
                except ParameterError as e:
                    raise SpecError(
                        f"parameters.{p.name}",
                        p.kind,
                        f"a distribution bounded within {e.allowed.removeprefix('in ')} (give low/high)",
                    ) from None
                continue
            try:
                check_value(p.name, v)
            except ParameterError as e:
                what = "value" if p.kind == "fixed" else f"{end} end of the support"
                raise SpecError(f"parameters.{p.name}", v, f"{e.allowed} ({what} of {p.kind})") from None


@dataclass(frozen=True)
class GameModel:
    """The openness game (spec openness-game.md) over arrays of parameters.

    Outcomes: the solver's (``action``, ``omega``, ``omega_free``, ``alpha1``, ``U_G``, ``U_D``,
    ``surplus``, ``penalty_paid``, ``participates``) and four indicators (``exits``, ``defies``,
    ``complies``, ``not_binding``) and ``openness`` (``omega`` with exit counted as 0: nothing
    released is not open).
    """

    penalty_form: str = "lump_sum"
    method: str = "auto"
    name = "game"

    @property
    def options(self) -> dict[str, Any]:
        return {"penalty_form": self.penalty_form, "method": self.method}

    @property
    def outcomes(self) -> dict[str, str]:
        from ..game.solver import OUTPUTS

        out = {k: v[1] for k, v in OUTPUTS.items()}
        out.update(
            exits="1 if G does not release",
            defies="1 if G releases below θ and pays the penalty",
            complies="1 if G raises openness to θ to qualify",
            not_binding="1 if G's free choice already qualifies",
            openness="openness released, 0 on exit",
        )
        return out

    def check(self, space: ParameterSpace) -> None:
        from ..game.params import NUMERIC, PARAMETERS, GameParams
        from ..game.solver import METHODS

        try:
            GameParams(penalty_form=self.penalty_form)  # validates the options
            check_choice("method", self.method, METHODS)
        except ParameterError as e:
            raise SpecError(f"options.{e.name}", e.value, e.allowed) from None
        for n in space.names:
            if n not in PARAMETERS:
                raise SpecError(f"parameters.{n}", n, "a game parameter: " + ", ".join(NUMERIC))

        def one(name: str, v: float) -> None:
            GameParams(**{name: v}, penalty_form=self.penalty_form)

        _support_check(space, one)

    def evaluate(self, values: dict[str, np.ndarray], rows: np.ndarray, seed: int) -> dict[str, np.ndarray]:
        from ..game.params import GameParams
        from ..game.solver import COMPLY, DEFY, EXIT, NOT_BINDING, equilibrium_arrays

        out = equilibrium_arrays(GameParams(**values, penalty_form=self.penalty_form), method=self.method)
        a = out["action"]
        out.update(
            exits=(a == EXIT).astype(np.int8),
            defies=(a == DEFY).astype(np.int8),
            complies=(a == COMPLY).astype(np.int8),
            not_binding=(a == NOT_BINDING).astype(np.int8),
            openness=np.nan_to_num(out["omega"], nan=0.0),
        )
        return out


@dataclass(frozen=True)
class MarketModel:
    """The market simulator (spec market.md): one seeded run per sample row.

    Parameters are dotted fields of :class:`moatlab.market.MarketParams` (``appropriability``,
    ``policy.theta``, ``assets.data.specificity``…) applied on top of a packaged or TOML
    ``scenario``. Outcomes are the run's means of the 12 monthly metrics over months from
    ``start`` (a fraction of the run) to the end.
    """

    scenario: str = "baseline"
    start: float = 0.5
    name = "market"

    @property
    def options(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "start": self.start}

    @property
    def outcomes(self) -> dict[str, str]:
        from ..market.model import METRICS

        return dict(METRICS)

    def _base(self):
        from ..market.scenario import load_scenario

        return load_scenario(self.scenario).params

    def check(self, space: ParameterSpace) -> None:
        from ..market.params import make_params, nested

        if not 0 <= self.start < 1:
            raise SpecError("options.start", self.start, "in [0, 1)")
        base = self._base()

        def one(name: str, v: float) -> None:
            make_params(nested(name, v), base)

        for n in space.names:  # unknown fields first, with the market's own message
            try:
                make_params(nested(n, space[n].support[0] if math.isfinite(space[n].support[0]) else 0), base)
            except ParameterError as e:
                if "known field" in e.allowed or "documented" in e.allowed:
                    raise SpecError(f"parameters.{n}", n, e.allowed) from None
        _support_check(space, one)

    def evaluate(self, values: dict[str, np.ndarray], rows: np.ndarray, seed: int) -> dict[str, np.ndarray]:
        from ..market.model import METRICS
        from ..market.model import MarketModel as Sim
        from ..market.params import make_params, nested

        base = self._base()
        names = list(values)
        res = np.empty((rows.size, len(METRICS)))
        for i, row in enumerate(rows):
            over: dict[str, Any] = {}
            for n in names:
                v = float(values[n][i])
                field_type = _int_fields().get(n)
                _deep_update(over, nested(n, int(round(v)) if field_type else v))
            params = make_params(over, base)
            df = Sim(params, rng=np.random.SeedSequence(seed, spawn_key=(1, int(row)))).run()
            k0 = int(self.start * len(df))
            res[i] = df[list(METRICS)].to_numpy(float)[k0:].mean(axis=0)
        return {k: res[:, j] for j, k in enumerate(METRICS)}


def _int_fields() -> dict[str, bool]:
    from ..market.params import MarketParams

    return {k: True for k, f in MarketParams.__dataclass_fields__.items() if f.type in ("int", int)}


def _deep_update(d: dict, u: dict) -> None:
    for k, v in u.items():
        if isinstance(v, dict):
            _deep_update(d.setdefault(k, {}), v)
        else:
            d[k] = v


@dataclass(frozen=True)
class FunctionModel:
    """Any vectorised function ``func(**params) -> {outcome: array}`` (or one array).

    Parameters
    ----------
    func : callable
        Called with one 1-D array per parameter; returns a dict of arrays or one array.
    outcomes : sequence of str
        Outcome names (one name when ``func`` returns a single array).
    bounds : dict, optional
        ``{name: (low, high)}``: the allowed range of each parameter (unbounded when absent).

    Examples
    --------
    >>> import numpy as np
    >>> from moatlab.sweep import FunctionModel
    >>> m = FunctionModel(lambda x, y: x + y, ["z"])
    >>> m.evaluate({"x": np.ones(2), "y": np.ones(2)}, np.arange(2), 0)["z"]
    array([2., 2.])
    """

    func: Callable[..., Any]
    outcome_names: tuple[str, ...] = ("y",)
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    name = "function"

    def __init__(self, func, outcomes=("y",), bounds=None):
        object.__setattr__(self, "func", func)
        object.__setattr__(self, "outcome_names", tuple(outcomes))
        object.__setattr__(self, "bounds", dict(bounds or {}))

    @property
    def options(self) -> dict[str, Any]:
        return {"func": getattr(self.func, "__qualname__", repr(self.func))}

    @property
    def outcomes(self) -> dict[str, str]:
        return {k: k for k in self.outcome_names}

    def check(self, space: ParameterSpace) -> None:
        for p in space.parameters:
            lo, hi = self.bounds.get(p.name, (-math.inf, math.inf))
            a, b = p.support
            if a < lo or b > hi:
                raise SpecError(f"parameters.{p.name}", a if a < lo else b, f"in [{lo:g}, {hi:g}]")

    def evaluate(self, values: dict[str, np.ndarray], rows: np.ndarray, seed: int) -> dict[str, np.ndarray]:
        out = self.func(**values)
        if not isinstance(out, dict):
            out = {self.outcome_names[0]: out}
        return {k: np.asarray(v) for k, v in out.items()}


_RACE_MODEL = ("n", "cost_per_unit", "margin", "discount", "demand_growth")
_RACE_VALUE = ("value.a", "value.x0", "value.b", "value.mid", "value.k")
_RACE_POINT = ("open_compute", "closed_compute", "upgrade_to", "day")
_RACE_OUT = {
    "revenue": "closed lab's revenue without the upgrade",
    "revenue_with": "closed lab's revenue with the upgrade",
    "cost": "training cost of the upgrade",
    "value": "upgrade value V = payoff with − payoff without − cost",
    "marginal": "marginal race incentive dR/dz",
    "consumer_surplus": "customers' surplus from the closed model",
}


@dataclass(frozen=True)
class RaceModel:
    """Race incentives (spec race.md): one revenue / upgrade-value evaluation per sample row.

    Parameters are the race model's scalars (``n``, ``cost_per_unit``, ``margin``, ``discount``,
    ``demand_growth``), its value curve's (``value.a``, ``value.x0``, ``value.b``, ``value.mid``,
    ``value.k``) and the point analysed: a constant open frontier ``open_compute`` (replacing the
    scenario's open schedule), a constant closed model ``closed_compute``, the upgrade ``upgrade_to``
    (z; default the scenario's) and its ``day``. The base is ``options.scenario`` (a race TOML
    file; default: the essay's worked example with f = log, n = 100, m = 365, x = 1, y = 4, z = 20).
    Components with random releases are seeded per row.
    """

    scenario: str | None = None
    name = "race"

    @property
    def options(self) -> dict[str, Any]:
        return {"scenario": self.scenario}

    @property
    def outcomes(self) -> dict[str, str]:
        return dict(_RACE_OUT)

    def _base(self):
        from ..race import RaceModel as Race
        from ..race.scenario import RaceScenario, load_scenario

        if self.scenario is None:
            return RaceScenario(Race(f="log", n=100, m=365, open=1.0, closed=4.0), z=20.0)
        return load_scenario(self.scenario)

    def _point(self, sc, point: dict[str, float], i: int | None = None):
        from dataclasses import replace

        from ..race.value import ValueCurve

        model = sc.model
        mk = {k: point[k] for k in _RACE_MODEL if k in point}
        vk = {k.split(".")[1]: point[k] for k in _RACE_VALUE if k in point}
        if vk:
            mk["f"] = replace(model.f, **vk) if model.f.family != "callable" else ValueCurve(**vk)
        if "closed_compute" in point:
            mk["closed"] = point["closed_compute"]
        if mk:
            model = model.replace(**mk)
        return model

    def check(self, space: ParameterSpace) -> None:
        from ..race.scenario import ScenarioError

        allowed = (*_RACE_MODEL, *_RACE_VALUE, *_RACE_POINT)
        for n in space.names:
            if n not in allowed:
                raise SpecError(f"parameters.{n}", n, "a race parameter: " + ", ".join(allowed))
        try:
            sc = self._base()
        except ScenarioError as e:
            raise SpecError("options.scenario", self.scenario, f"a valid race scenario ({e})") from None
        bounds = {"open_compute": (0.0, False), "closed_compute": (0.0, True), "upgrade_to": (0.0, True)}

        def one(name: str, v: float) -> None:
            from .._validate import check_range

            if name in bounds:
                check_range(name, v, bounds[name][0], lo_open=bounds[name][1])
            elif name == "day":
                check_range(name, v, 0, sc.model.m - 1)
            else:
                self._point(sc, {name: v})

        _support_check(space, one)

    def evaluate(self, values: dict[str, np.ndarray], rows: np.ndarray, seed: int) -> dict[str, np.ndarray]:
        from ..race.analysis import sweep

        sc = self._base()
        res = {k: np.full(rows.size, np.nan) for k in _RACE_OUT}
        for i, row in enumerate(rows):
            point = {k: float(v[i]) for k, v in values.items()}
            model = self._point(sc, point)
            z = point.get("upgrade_to", sc.z)
            ds = sweep(
                model,
                open_compute=[point["open_compute"]] if "open_compute" in point else None,
                upgrade_to=None if z is None else [z],
                day=int(round(point.get("day", sc.day))),
                rng=np.random.SeedSequence(seed, spawn_key=(1, int(row))),
            )
            for k in _RACE_OUT:
                if k in ds:
                    res[k][i] = float(ds[k].values.ravel()[0])
        return res


MODELS = {"game": GameModel, "market": MarketModel, "race": RaceModel}


def make_model(name: str, options: dict[str, Any] | None = None):
    """A built-in sweep model by name (``game``, ``race`` or ``market``) with its options."""
    if name not in MODELS:
        raise SpecError("model", name, "one of " + ", ".join(MODELS))
    cls = MODELS[name]
    options = dict(options or {})
    allowed = set(cls.__dataclass_fields__)
    for k in options:
        if k not in allowed:
            raise SpecError(f"options.{k}", options[k], f"one of {', '.join(sorted(allowed))} for {name}")
    try:
        return cls(**options)
    except ParameterError as e:
        raise SpecError(f"options.{e.name}", e.value, e.allowed) from None
