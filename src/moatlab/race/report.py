"""Run a race scenario end to end: numbers, sweeps, figures and a summary (used by the CLI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .analysis import optimal_upgrade, revenue, sweep, upgrade
from .effects import component_effects
from .scenario import RaceScenario


def run_scenario(sc: RaceScenario, out: Path) -> dict[str, Any]:
    """Compute the scenario's results and write ``race.nc``, figures and ``summary.json`` into ``out``."""
    from ..plots.race import (
        plot_daily_revenue,
        plot_revenue_vs_open,
        plot_upgrade_heatmap,
        plot_zstar_components,
    )

    model, rng = sc.model, sc.seed if sc.seed is not None else int(np.random.SeedSequence().entropy % 2**32)
    r = revenue(model, rng=rng)
    summary: dict[str, Any] = {
        "name": sc.name,
        "seed": rng,  # the scenario's, or the one drawn for it: rerun with seed = this to repeat the run
        "components": model.label,
        "revenue": r.revenue,
        "consumer_surplus": r.consumer_surplus,
        "prestige": r.prestige,
    }
    files = ["summary.json", "daily_revenue.png"]
    plot_daily_revenue(r.daily_revenue).savefig(out / "daily_revenue.png", dpi=120)
    z = sc.z
    if z is None:
        o = optimal_upgrade(model, sc.day, rng=rng)
        summary.update(z_star=o.z_star, value_star=o.value)
        z = o.z_star if o.upgrade else None
    if z is not None:
        u = upgrade(model, z, sc.day, rng=rng)
        summary.update(upgrade_z=z, upgrade_day=sc.day, upgrade_value=u.value, marginal=u.marginal)
    g = sc.sweep
    if "open_compute" in g:
        ds = sweep(
            model, open_compute=g["open_compute"], upgrade_to=None if z is None else [z], day=sc.day, rng=rng
        )
        ds.to_netcdf(out / "race_open_compute.nc")
        plot_revenue_vs_open(ds).savefig(out / "revenue_vs_open.png", dpi=120)
        files += ["race_open_compute.nc", "revenue_vs_open.png"]
    if "open_upgrade" in g:
        days = g.get("release_day", np.array([0]))
        if z is not None:
            ds = sweep(
                model, open_upgrade=g["open_upgrade"], release_day=days, upgrade_to=[z], day=sc.day, rng=rng
            )
            ds.to_netcdf(out / "race_open_upgrade.nc")
            files.append("race_open_upgrade.nc")
            if ds.sizes["release_day"] > 1:
                plot_upgrade_heatmap(ds).savefig(out / "upgrade_heatmap.png", dpi=120)
                files.append("upgrade_heatmap.png")
        k = int(days[len(days) // 2])
        eff = component_effects(
            model,
            g["open_upgrade"],
            k,
            sc.day,
            rng=0 if rng is None else rng,
            skip_same_kind=sc.skip_same_kind,
        )
        eff.to_netcdf(out / "effects.nc")
        plot_zstar_components(eff).savefig(out / "zstar_components.png", dpi=120)
        files += ["effects.nc", "zstar_components.png"]
        if eff.attrs["skipped_presets"]:
            summary["skipped_presets"] = eff.attrs["skipped_presets"]
        summary["conclusion_holds"] = {
            str(c): bool(v)
            for c, v in zip(eff["component"].values, eff["conclusion_holds"].values, strict=True)
        }
    if sc.labs:  # strategic rivals: [[labs]] and [equilibrium]
        files += _equilibrium(sc, summary, out)
    summary["files"] = files
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    return summary


def _equilibrium(sc: RaceScenario, summary: dict[str, Any], out: Path) -> list[str]:
    from ..plots.race import plot_equilibrium
    from .equilibrium import equilibrium, equilibrium_sweep

    eqc = sc.equilibrium
    mode, grid, rd = eqc.get("mode", "nash"), eqc.get("grid", 64), eqc.get("release_day", 0)
    eq = equilibrium(sc.model, sc.labs, mode=mode, day=sc.day, grid=grid)
    summary["equilibrium"] = eq.to_dict()
    xs = eqc.get("open_upgrade", sc.sweep.get("open_upgrade"))
    if xs is None:
        return []
    ds = equilibrium_sweep(sc.model, sc.labs, xs, release_day=rd, mode=mode, day=sc.day, grid=grid)
    ds.to_netcdf(out / "equilibrium.nc")
    plot_equilibrium(ds).savefig(out / "equilibrium.png", dpi=120)
    summary["equilibrium"]["conclusion_holds"] = bool(ds.attrs["conclusion_holds"])
    return ["equilibrium.nc", "equilibrium.png"]
