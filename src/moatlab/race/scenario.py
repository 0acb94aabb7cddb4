"""Race scenarios as TOML files, validated on load with field-level errors.

seed = 1                                  # optional: seeds Monte Carlo draws
[model]
n = 100                                   # customers
m = 365                                   # days
open = [[0, 1.0], [120, 6.0]]             # or a number: constant compute from day 0
closed = 4.0
cost_per_unit = 1.0                       # C(z) = cost_per_unit · z
margin = 0.0
[value]                                   # f: family = log | power | logistic, and its parameters
family = "log"
[upgrade]                                 # z omitted: the optimal z*
z = 20.0
day = 0
[sweep]                                   # grids: {start, stop, num, log}
open_upgrade = {start = 4.5, stop = 40, num = 30, log = true}
release_day = {start = 0, stop = 360, num = 25}
# optional components: [discount] beta; [customers]; [[rivals]] schedule; [uncertain];
# [[niches]] weight, family…, closed_skill, open_skill, rival_skill; [prestige]; [demand] growth;
# [spillover] sigma, floor; [open_release] per_day; [ecosystem_demand] elasticity, ref;
# [unit_cost] elasticity, floor, ref
# strategic rivals (``moatlab race equilibrium``): [[labs]] compute, cost_per_unit, from_open, floor,
# name; [equilibrium] mode = "nash" | "leader", grid, open_upgrade = {start, stop, num, log}, release_day
# [effects] skip_same_kind = true: the component-effects sweep leaves out the presets of the
# components set here (default false: a preset that would overwrite one is an error)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from .._limits import check as _limit
from .._toml import load_toml
from .._validate import ParameterError, _fmt
from ..errors import ScenarioError as _ScenarioError
from .model import (
    Customers,
    EcosystemDemand,
    Niche,
    OpenRelease,
    Prestige,
    RaceModel,
    ReleaseProcess,
    Spillover,
    UnitCost,
)
from .value import ValueCurve


class ScenarioError(_ScenarioError):
    """A scenario file is malformed: ``str()`` names the file, the field and the problem."""


@dataclass(frozen=True)
class RaceScenario:
    model: RaceModel
    name: str = "race"
    z: float | None = None
    day: int = 0
    sweep: dict[str, np.ndarray] = field(default_factory=dict)
    seed: int | None = None
    skip_same_kind: bool = False  # [effects]: leave out presets of the model's own components
    labs: tuple = ()  # [[labs]]: strategic closed labs (moatlab.race.strategic.Lab)
    equilibrium: dict = field(default_factory=dict)  # [equilibrium]: mode, grid, open_upgrade, release_day


_SECTIONS = {
    "model",
    "value",
    "upgrade",
    "sweep",
    "discount",
    "customers",
    "rivals",
    "uncertain",
    "niches",
    "prestige",
    "demand",
    "spillover",
    "open_release",
    "ecosystem_demand",
    "unit_cost",
    "labs",
    "equilibrium",
    "effects",
    "seed",
    "name",
}
_MODEL = {"n", "m", "open", "closed", "cost_per_unit", "margin"}
_VALUE = {"family", "a", "x0", "b", "mid", "k"}


def _keys(path: str, where: str, table: Any, allowed: set[str]) -> dict:
    if not isinstance(table, dict):
        raise ScenarioError(f"{path}: {where}: expected a table")
    for k in table:
        if k not in allowed:
            raise ScenarioError(f"{path}: {where}.{k}: unknown field (allowed: {', '.join(sorted(allowed))})")
    return table


_TOML_NAME = {"discount": "discount.beta", "demand_growth": "demand.growth"}


def _build(path: str, where: str, fn, **kw):
    try:
        return fn(**kw)
    except ParameterError as e:
        if e.name in _TOML_NAME:
            name = _TOML_NAME[e.name]
        elif e.name.startswith("lab ") or e.name.startswith("lab."):  # a [[labs]] table's field
            name = f"{where}.{e.name[4:].replace(' ', '')}"
        elif e.name.startswith(where.split("[")[0]) or e.name.split(".")[0] in _SECTIONS:
            name = e.name
        else:
            name = f"{where}.{e.name}"
        raise ScenarioError(f"{path}: {name} = {_fmt(e.value)} is not allowed: must be {e.allowed}") from None
    except TypeError as e:
        raise ScenarioError(f"{path}: {where}: {e}") from None


def _grid(path: str, where: str, spec: Any) -> np.ndarray:
    if isinstance(spec, list):
        return np.asarray(spec, dtype=float)
    t = _keys(path, where, spec, {"start", "stop", "num", "log"})
    try:
        start, stop, num = float(t["start"]), float(t["stop"]), int(t["num"])
    except (KeyError, TypeError, ValueError):
        raise ScenarioError(f"{path}: {where}: needs numbers start, stop and an integer num") from None
    if num < 1 or (t.get("log") and (start <= 0 or stop <= 0)):
        raise ScenarioError(f"{path}: {where}: num must be >= 1 and a log grid needs start, stop > 0")
    _limit("grid_axis", num, f"{path}: {where}.num")
    return np.geomspace(start, stop, num) if t.get("log") else np.linspace(start, stop, num)


def load_scenario(path: str | os.PathLike) -> RaceScenario:
    """Read and validate a race scenario; raise :class:`ScenarioError` naming the field."""
    p = str(path)
    doc = load_toml(path, "race scenario file", error=ScenarioError)
    _keys(p, "scenario", doc, _SECTIONS)
    model = dict(_keys(p, "model", doc.get("model", {}), _MODEL))
    if "value" in doc:
        v = _keys(p, "value", doc["value"], _VALUE)
        model["f"] = _build(p, "value", ValueCurve, **v)
    comp: dict[str, Any] = {}
    if "discount" in doc:
        comp["discount"] = _keys(p, "discount", doc["discount"], {"beta"}).get("beta")
        if comp["discount"] is None:
            raise ScenarioError(f"{p}: discount.beta: missing (a daily factor in (0, 1])")
    if "customers" in doc:
        kw = _keys(p, "customers", doc["customers"], {f.name for f in fields(Customers)})
        if "sample" in kw:
            kw = {**kw, "sample": tuple(kw["sample"])}
        comp["customers"] = _build(p, "customers", Customers, **kw)
    if "rivals" in doc:
        if not isinstance(doc["rivals"], list):
            raise ScenarioError(f"{p}: rivals: expected an array of tables [[rivals]] with a schedule")
        comp["rivals"] = tuple(
            _keys(p, f"rivals[{i}]", r, {"schedule"}).get("schedule", 0.0)
            for i, r in enumerate(doc["rivals"])
        )
    if "uncertain" in doc:
        comp["uncertain"] = _build(
            p,
            "uncertain",
            ReleaseProcess,
            **_keys(p, "uncertain", doc["uncertain"], {f.name for f in fields(ReleaseProcess)}),
        )
    if "niches" in doc:
        niches = []
        for i, t in enumerate(doc["niches"] if isinstance(doc["niches"], list) else [None]):
            t = dict(
                _keys(
                    p,
                    f"niches[{i}]",
                    t,
                    {"weight", "closed_skill", "open_skill", "rival_skill", "name", *_VALUE},
                )
            )
            fv = {k: t.pop(k) for k in list(t) if k in _VALUE}
            niches.append(
                _build(
                    p,
                    f"niches[{i}]",
                    Niche,
                    f=_build(p, f"niches[{i}]", ValueCurve, **fv) if fv else ValueCurve(),
                    **t,
                )
            )
        comp["niches"] = tuple(niches)
    if "prestige" in doc:
        comp["prestige"] = _build(
            p, "prestige", Prestige, **_keys(p, "prestige", doc["prestige"], {"per_day", "upgrade_bonus"})
        )
    if "demand" in doc:
        comp["demand_growth"] = _keys(p, "demand", doc["demand"], {"growth"}).get("growth", 0.0)
    if "spillover" in doc:
        comp["spillover"] = _build(
            p, "spillover", Spillover, **_keys(p, "spillover", doc["spillover"], {"sigma", "floor"})
        )
    if "open_release" in doc:
        comp["open_release"] = _build(
            p, "open_release", OpenRelease, **_keys(p, "open_release", doc["open_release"], {"per_day"})
        )
    for key, cls in (("ecosystem_demand", EcosystemDemand), ("unit_cost", UnitCost)):
        if key in doc:
            comp[key] = _build(p, key, cls, **_keys(p, key, doc[key], {f.name for f in fields(cls)}))
    mdl = _build(p, "model", RaceModel, **model, **comp)
    up = _keys(p, "upgrade", doc.get("upgrade", {}), {"z", "day"})
    day = up.get("day", 0)
    if not (isinstance(day, int) and 0 <= day < mdl.m):
        raise ScenarioError(
            f"{p}: upgrade.day = {day!r} is not allowed: must be an integer in [0, {mdl.m - 1}]"
        )
    z = up.get("z")
    if z is not None and not (isinstance(z, int | float) and z > 0):
        raise ScenarioError(f"{p}: upgrade.z = {z!r} is not allowed: must be a number > 0")
    sw = _keys(
        p, "sweep", doc.get("sweep", {}), {"open_compute", "open_upgrade", "release_day", "upgrade_to"}
    )
    grids = {k: _grid(p, f"sweep.{k}", v) for k, v in sw.items()}
    if "release_day" in grids:
        grids["release_day"] = np.unique(np.round(grids["release_day"]).astype(int))
    seed = doc.get("seed")
    if seed is not None and not (isinstance(seed, int) and seed >= 0):
        raise ScenarioError(f"{p}: seed = {seed!r} is not allowed: must be an integer >= 0")
    skip = _keys(p, "effects", doc.get("effects", {}), {"skip_same_kind"}).get("skip_same_kind", False)
    if not isinstance(skip, bool):
        raise ScenarioError(f"{p}: effects.skip_same_kind = {skip!r} is not allowed: must be true or false")
    labs, eq = _strategic(p, doc, mdl)
    return RaceScenario(
        mdl, str(doc.get("name", Path(path).stem)), None if z is None else float(z), day, grids, seed, skip,
        labs, eq,
    )


def _strategic(p: str, doc: dict, mdl: RaceModel) -> tuple[tuple, dict]:
    """[[labs]] and [equilibrium] tables of the strategic-rivals game."""
    from .strategic import MODES, Lab

    labs = []
    if "labs" in doc:
        if not isinstance(doc["labs"], list):
            raise ScenarioError(f"{p}: labs: expected an array of tables [[labs]]")
        allowed = {f.name for f in fields(Lab)}
        for i, t in enumerate(doc["labs"]):
            labs.append(_build(p, f"labs[{i}]", Lab, **_keys(p, f"labs[{i}]", t, allowed)))
    keys = {"mode", "grid", "open_upgrade", "release_day"}
    eq = dict(_keys(p, "equilibrium", doc.get("equilibrium", {}), keys))
    if "mode" in eq and eq["mode"] not in MODES:
        raise ScenarioError(
            f"{p}: equilibrium.mode = {eq['mode']!r} is not allowed: must be one of {', '.join(MODES)}"
        )
    if "grid" in eq and not (isinstance(eq["grid"], int) and 16 <= eq["grid"] <= 512):
        raise ScenarioError(
            f"{p}: equilibrium.grid = {eq['grid']!r} is not allowed: must be an integer in [16, 512]"
        )
    if "open_upgrade" in eq:
        eq["open_upgrade"] = _grid(p, "equilibrium.open_upgrade", eq["open_upgrade"])
    rd = eq.get("release_day", 0)
    if not (isinstance(rd, int) and 0 <= rd < mdl.m):
        raise ScenarioError(
            f"{p}: equilibrium.release_day = {rd!r} is not allowed: must be an integer in [0, {mdl.m - 1}]"
        )
    return tuple(labs), eq
