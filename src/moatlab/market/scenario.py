"""Market scenarios as TOML files, validated on load with field-level errors.

A scenario names only what differs from the defaults::

    name = "rogue_giant"
    description = "One incumbent releases open weights from the start."
    periods = 120                 # any MarketParams field at the top level
    appropriability = 0.3
    [assets.data]                 # one asset's fields
    specificity = 0.1
    [types.challenger]            # one firm type's fields
    count = 12
    [policy]                      # public_benchmarks, legal_clarity, fractionalisation,
    theta = 0.5                   # royalty_cap, theta, penalty
    [rogue]                       # optional: firm, period, openness
    period = 0
    [leak]                        # optional: period
    period = 12
    [ensemble]                    # optional defaults for `moatlab market run`
    seeds = 30
    seed = 0

The packaged scenarios (:func:`packaged`) are: baseline, generic_assets, rogue_giant,
leak, one per lever and all_levers. The defaults they start from are the calibrated values
(docs/market.md, "Calibration"). They differ only in these parameters.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .._toml import load_toml
from .._validate import ParameterError, _fmt
from ..errors import ScenarioError as _ScenarioError
from .params import MarketParams, make_params


class ScenarioError(_ScenarioError):
    """A market scenario is malformed; ``str()`` names the file, the field, the value and the rule."""


@dataclass(frozen=True)
class MarketScenario:
    """A named parameter set, with the ensemble size and base seed it suggests."""

    name: str
    params: MarketParams
    description: str = ""
    seeds: int = 30
    seed: int = 0
    source: str = ""


def packaged() -> dict[str, Path]:
    """The scenarios shipped with moatlab, by name.

    >>> sorted(packaged())[:3]
    ['all_levers', 'baseline', 'fractionalisation']
    """
    root = resources.files("moatlab.market") / "scenarios"
    return {Path(str(f)).stem: Path(str(f)) for f in root.iterdir() if str(f).endswith(".toml")}


def load_scenario(source: str | os.PathLike) -> MarketScenario:
    """Load a scenario from a TOML path or a packaged name ('baseline', 'rogue_giant', …).

    Raises
    ------
    ScenarioError
        One line naming the file and the field, e.g.
        ``bad.toml: policy.theta = 2 is not allowed: must be <= 1``.

    Examples
    --------
    >>> load_scenario("rogue_giant").params.rogue.period
    0
    """
    path = Path(source)
    if not path.suffix and str(source) in packaged():
        path = packaged()[str(source)]
    where = str(source)
    names = ", ".join(sorted(packaged()))
    doc = load_toml(path, "scenario file", error=ScenarioError, missing=f" (or packaged scenario: {names})")
    return from_dict(doc, where=where)


def from_dict(doc: dict[str, Any], where: str = "scenario") -> MarketScenario:
    """Build a scenario from the parsed TOML table (see the module docstring for the fields)."""
    doc = dict(doc)
    name = doc.pop("name", Path(where).stem)
    description = doc.pop("description", "")
    ens = doc.pop("ensemble", {})
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"{where}: name = {name!r} is not allowed: must be a non-empty string")
    if not isinstance(ens, dict):
        raise ScenarioError(f"{where}: ensemble: expected a table with seeds and seed")
    for k in ens:
        if k not in ("seeds", "seed"):
            raise ScenarioError(f"{where}: ensemble.{k}: unknown field (allowed: seed, seeds)")
    seeds, seed = ens.get("seeds", 30), ens.get("seed", 0)
    if not (isinstance(seeds, int) and not isinstance(seeds, bool) and 1 <= seeds <= 100_000):
        raise ScenarioError(
            f"{where}: ensemble.seeds = {seeds!r} is not allowed: must be an integer in [1, 100000]"
        )
    if not (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
        raise ScenarioError(f"{where}: ensemble.seed = {seed!r} is not allowed: must be an integer >= 0")
    try:
        params = make_params(doc)
    except ParameterError as e:
        raise ScenarioError(
            f"{where}: {e.name} = {_fmt(e.value)} is not allowed: must be {e.allowed}"
        ) from None
    return MarketScenario(name, params, str(description), seeds, seed, where)
