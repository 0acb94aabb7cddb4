"""Which assumptions flip the essay's conclusion? z* against the open frontier, each component alone.

``DEFAULT_PRESETS`` switches on one component at a time with a moderate setting (scaled to the
model where a scale is needed); :func:`component_effects` computes z*(x′) for the core model and
for each preset, over the size x′ of an open release on day k.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr

from .analysis import sweep
from .model import (
    Customers,
    EcosystemDemand,
    Niche,
    Prestige,
    RaceModel,
    ReleaseProcess,
    Spillover,
    UnitCost,
)
from .montecarlo import RNG
from .scenario import ScenarioError
from .schedule import Schedule
from .value import ValueCurve


def _core_daily(model: RaceModel) -> float:
    y = max(model.closed.compute)
    x = max(model.open.compute)
    return float(model.n * max(model.f(y) - model.f(x), model.f(y) * 0.1))


DEFAULT_PRESETS: dict[str, Callable[[RaceModel], RaceModel]] = {
    "discounting (β = 0.999/day)": lambda m: m.replace(discount=0.999),
    "heterogeneous customers (uniform price)": lambda m: m.replace(
        customers=Customers("lognormal", "uniform", sigma=0.8)
    ),
    "oligopoly (a rival at half the lab's compute)": lambda m: m.replace(
        rivals=(Schedule.of([(0, 0.5 * max(m.closed.compute))]),)
    ),
    "uncertain open releases": lambda m: m.replace(uncertain=ReleaseProcess(rate=2 / 365, draws=400)),
    "niches (open model twice as good at half the tasks)": lambda m: m.replace(
        niches=(Niche(0.5, m.f), Niche(0.5, m.f, open_skill=2.0))
    ),
    "prestige of the frontier": lambda m: m.replace(prestige=Prestige(per_day=0.5 * _core_daily(m))),
    "demand growth (0.3%/day)": lambda m: m.replace(demand_growth=0.003),
    "open models cheapen training (σ = 0.5)": lambda m: m.replace(spillover=Spillover(0.5, 0.2)),
    "demand grows with the open ecosystem (η = 0.5)": lambda m: m.replace(
        ecosystem_demand=EcosystemDemand(elasticity=0.5)
    ),
    "open models cut the cost per unit (ε = 0.5)": lambda m: m.replace(
        unit_cost=UnitCost(elasticity=0.5, floor=0.1)
    ),
}


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - incomparable values count as different
        return False


def overwritten(preset: Callable[[RaceModel], RaceModel], model: RaceModel) -> list[str]:
    """The components the model sets that ``preset`` would replace (empty: no conflict)."""
    out = preset(model)
    return [c for c in model.components if not _same(getattr(model, c), getattr(out, c))]


def _apply(name: str, preset: Callable[[RaceModel], RaceModel], model: RaceModel) -> RaceModel:
    """Apply a preset; refuse (one line, naming both) if it would replace a component the user set."""
    out = preset(model)
    for comp in model.components:
        mine, theirs = getattr(model, comp), getattr(out, comp)
        if not _same(mine, theirs):
            raise ScenarioError(
                f"preset {name!r} would overwrite the model's own {comp} component ({mine!r} -> "
                f"{theirs!r}): remove {comp} from the model, leave that preset out, or skip presets "
                "of the model's own kinds (skip_same_kind=True; scenario [effects] skip_same_kind = true; "
                "CLI --skip-same-kind)"
            )
    return out


def component_effects(
    model: RaceModel,
    open_upgrade: Sequence[float],
    release_day: int = 0,
    day: int = 0,
    presets: dict[str, Callable[[RaceModel], RaceModel]] | None = None,
    rng: RNG = 0,
    skip_same_kind: bool = False,
) -> xr.Dataset:
    """z* and V(z*) against the open release size x′, for the core and each component alone.

    Returns
    -------
    xarray.Dataset
        ``z_star`` and ``value_star`` with dims ``(component, open_upgrade)``. The first row is the
        model as given, labelled with its components exactly as set ('core' only when it has none:
        the essay's model); each preset row is labelled with the preset's name, prefixed with the
        model's components when it has any.

    Raises
    ------
    ScenarioError
        A preset would replace a component of the same kind that the model already sets (unless
        ``skip_same_kind``: such presets are then left out, and named in ``attrs['skipped_presets']``).
    """
    presets = DEFAULT_PRESETS if presets is None else presets
    skipped = [k for k, p in presets.items() if skip_same_kind and overwritten(p, model)]
    presets = {k: p for k, p in presets.items() if k not in skipped}
    base = model.label
    names = [base, *(name if base == "core" else f"{base} + {name}" for name in presets)]
    models = [model, *(_apply(name, p, model) for name, p in presets.items())]
    zs, vs = [], []
    for mdl in models:
        ds = sweep(mdl, open_upgrade=open_upgrade, release_day=[release_day], day=day, optimise=True, rng=rng)
        zs.append(ds["z_star"].values[:, 0])
        vs.append(ds["value_star"].values[:, 0])
    out = xr.Dataset(
        {
            "z_star": (("component", "open_upgrade"), np.array(zs)),
            "value_star": (("component", "open_upgrade"), np.array(vs)),
        },
        coords={"component": names, "open_upgrade": np.asarray(open_upgrade, dtype=float)},
    )
    out["z_star"].attrs.update(description="optimal upgrade z* (NaN: no upgrade pays)")
    out.attrs.update(release_day=release_day, day=day, skipped_presets=", ".join(skipped))
    # does z* fall (or stay) as the open release grows? The essay's conclusion, per component
    diffs = np.diff(np.nan_to_num(np.array(zs), nan=0.0), axis=1)
    out["conclusion_holds"] = (("component",), (diffs <= 1e-6 * np.nanmax(np.array(zs), initial=1)).all(1))
    out["conclusion_holds"].attrs["description"] = "z* is non-increasing in the open release size x′"
    return out


__all__ = ["DEFAULT_PRESETS", "ValueCurve", "component_effects", "overwritten"]
