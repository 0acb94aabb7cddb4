"""Race incentives of a closed lab against the open frontier (the race essay), with its eight extensions.

See :mod:`moatlab.race.model` for the equations.
"""

from .analysis import OptimalUpgrade, RevenueResult, UpgradeResult, optimal_upgrade, revenue, sweep, upgrade
from .effects import DEFAULT_PRESETS, component_effects
from .model import Customers, Niche, OpenRelease, Prestige, RaceModel, ReleaseProcess, Spillover
from .scenario import RaceScenario, ScenarioError, load_scenario
from .schedule import Schedule
from .value import ValueCurve

__all__ = [
    "DEFAULT_PRESETS",
    "RaceScenario",
    "ScenarioError",
    "component_effects",
    "load_scenario",
    "sweep",
    "Customers",
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
