"""Race incentives of closed labs against the open frontier (the race essay), with its extensions and
strategic rivals (:mod:`moatlab.race.strategic`).

See :mod:`moatlab.race.model` for the equations.
"""

from .analysis import OptimalUpgrade, RevenueResult, UpgradeResult, optimal_upgrade, revenue, sweep, upgrade
from .effects import DEFAULT_PRESETS, component_effects
from .equilibrium import Equilibrium, equilibrium, equilibrium_sweep
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
from .scenario import RaceScenario, ScenarioError, load_scenario
from .schedule import Schedule
from .strategic import Lab, labs_of
from .value import ValueCurve

__all__ = [
    "DEFAULT_PRESETS",
    "RaceScenario",
    "ScenarioError",
    "component_effects",
    "load_scenario",
    "sweep",
    "Customers",
    "EcosystemDemand",
    "Equilibrium",
    "Lab",
    "UnitCost",
    "equilibrium",
    "equilibrium_sweep",
    "labs_of",
    "Niche",
    "OptimalUpgrade",
    "Prestige",
    "RaceModel",
    "ReleaseProcess",
    "RevenueResult",
    "Schedule",
    "Spillover",
    "OpenRelease",
    "UpgradeResult",
    "ValueCurve",
    "optimal_upgrade",
    "revenue",
    "upgrade",
]
