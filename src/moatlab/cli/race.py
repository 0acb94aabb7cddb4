"""``moatlab race …``: race incentives of a closed lab against the open frontier (the race essay)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from .._limits import check
from ._common import OutDir, atomic_dir, default_out, dumps, fail
from .app import app

race_app = typer.Typer(
    help="Race incentives: closed-lab revenue and upgrade value against the open frontier.",
    no_args_is_help=True,
)
app.add_typer(race_app, name="race")

Family = Annotated[str, typer.Option("--f", help="value curve: log, power or logistic")]
A = Annotated[float, typer.Option("--a", help="scale a of f")]
X0 = Annotated[float, typer.Option("--x0", help="compute scale x0 of f (log, power); midpoint of logistic")]
B = Annotated[float, typer.Option("--b", help="exponent b of the power curve (0 < b <= 2)")]
N = Annotated[float, typer.Option("--n", help="number of customers (> 0)")]
M = Annotated[int, typer.Option("--m", help="horizon in days (>= 1)")]
Open = Annotated[str, typer.Option("--open", help="open frontier: COMPUTE or DAY:COMPUTE,DAY:COMPUTE,…")]
Closed = Annotated[str, typer.Option("--closed", help="closed lab's models: COMPUTE or DAY:COMPUTE,…")]
Cost = Annotated[float, typer.Option("--cost-per-unit", help="training cost per unit of compute")]
Discount = Annotated[float | None, typer.Option("--discount", help="daily discount factor β in (0, 1]")]
Json = Annotated[bool, typer.Option("--json", help="print one JSON object")]


def _schedule(option: str, text: str):
    from ..race import Schedule

    try:
        if ":" not in text:
            return Schedule.of(float(text), option)
        pairs = []
        for part in text.split(","):
            d, _, c = part.partition(":")
            pairs.append((int(d), float(c)))
        return Schedule.of(pairs, option)
    except ValueError as e:
        if "is not allowed" in str(e):
            raise
        fail(
            f"{option} = {text!r} is not allowed: must be COMPUTE or DAY:COMPUTE,DAY:COMPUTE,… with "
            "integer days and numbers for compute"
        )


def _model(f, a, x0, b, n, m, open_, closed, cost, discount):
    from ..race import RaceModel, ValueCurve

    if f not in ("log", "power", "logistic"):
        fail(f"--f = {f!r} is not allowed: must be one of log, power, logistic")
    curve = ValueCurve(f, a=a, x0=x0, b=b, mid=x0)
    return RaceModel(
        f=curve,
        n=n,
        m=m,
        open=_schedule("--open", open_),
        closed=_schedule("--closed", closed),
        cost_per_unit=cost,
        discount=discount,
    )


def _grid(option: str, text: str, log: bool) -> np.ndarray:
    allowed = "START:STOP:NUM with numbers START < STOP (> 0 on a log grid) and an integer NUM >= 2"
    try:
        s, e, k = text.split(":")
        start, stop, num = float(s), float(e), int(k)
    except ValueError:
        fail(f"{option} = {text!r} is not allowed: must be {allowed}")
    if not (math.isfinite(start) and math.isfinite(stop) and start < stop and num >= 2) or (
        log and start <= 0
    ):
        fail(f"{option} = {text!r} is not allowed: must be {allowed}")
    check("grid_axis", num, f"{option} = {text[:80]!r}")
    return np.geomspace(start, stop, num) if log else np.linspace(start, stop, num)


def _print(title: str, d: dict) -> None:
    t = Table(title=title)
    t.add_column("quantity")
    t.add_column("value", justify="right")
    for k, v in d.items():
        t.add_row(k, f"{v:.6g}" if isinstance(v, float) else str(v))
    Console(markup=False, emoji=False).print(t)  # user text (names) printed literally


@race_app.command("revenue")
def revenue_cmd(
    f: Family = "log",
    a: A = 1.0,
    x0: X0 = 1.0,
    b: B = 0.5,
    n: N = 1.0,
    m: M = 365,
    open_: Open = "1",
    closed: Closed = "2",
    cost_per_unit: Cost = 1.0,
    discount: Discount = None,
    json: Json = False,
) -> None:
    """Closed-lab revenue over the horizon: Σ_t n·max(0, f(y(t)) − f(x(t))).

    Example: moatlab race revenue --n 100 --m 365 --open 0:1,120:6 --closed 4 --json
    """
    from ..race import revenue

    r = revenue(_model(f, a, x0, b, n, m, open_, closed, cost_per_unit, discount))
    d = {k: v for k, v in r.to_dict().items() if k != "sd_revenue"}
    typer.echo(dumps(d)) if json else _print("Closed-lab revenue", d)


@race_app.command("upgrade")
def upgrade_cmd(
    f: Family = "log",
    a: A = 1.0,
    x0: X0 = 1.0,
    b: B = 0.5,
    n: N = 1.0,
    m: M = 365,
    open_: Open = "1",
    closed: Closed = "2",
    cost_per_unit: Cost = 1.0,
    discount: Discount = None,
    z: Annotated[float | None, typer.Option("--z", help="upgrade compute; omit for the optimal z*")] = None,
    day: Annotated[int, typer.Option("--day", help="day the upgrade ships")] = 0,
    json: Json = False,
) -> None:
    """Value of upgrading the closed model to z (or the optimal z*) against not upgrading.

    Example: moatlab race upgrade --n 100 --m 365 --open 0:1,120:6 --closed 4 --z 20 --json
    """
    from ..race import optimal_upgrade, upgrade

    model = _model(f, a, x0, b, n, m, open_, closed, cost_per_unit, discount)
    if not (0 <= day < m):
        fail(f"--day = {day} is not allowed: must be an integer in [0, {m - 1}]")
    if z is None:
        o = optimal_upgrade(model, day)
        d = o.to_dict()
        if o.upgrade:
            d.update({k: v for k, v in upgrade(model, o.z_star, day).to_dict().items() if k not in ("day",)})
    else:
        if not z > 0:
            fail(f"--z = {z:g} is not allowed: must be a compute > 0")
        d = {k: v for k, v in upgrade(model, z, day).to_dict().items() if k != "sd_value"}
    typer.echo(dumps(d)) if json else _print("Upgrade value", d)


@race_app.command("sweep")
def sweep_cmd(
    f: Family = "log",
    a: A = 1.0,
    x0: X0 = 1.0,
    b: B = 0.5,
    n: N = 1.0,
    m: M = 365,
    open_: Open = "1",
    closed: Closed = "2",
    cost_per_unit: Cost = 1.0,
    discount: Discount = None,
    open_compute: Annotated[
        str | None, typer.Option(help="log grid START:STOP:NUM of constant open compute")
    ] = None,
    open_upgrade: Annotated[str | None, typer.Option(help="log grid of an open release's compute")] = None,
    release_day: Annotated[str | None, typer.Option(help="grid of its release day")] = None,
    z: Annotated[float | None, typer.Option("--z", help="closed upgrade compute")] = None,
    day: Annotated[int, typer.Option("--day", help="day the upgrade ships")] = 0,
    effects: Annotated[bool, typer.Option(help="z* vs the open release, each component alone")] = False,
    skip_same_kind: Annotated[
        bool, typer.Option(help="with --effects: leave out presets of the model's own kinds")
    ] = False,
    out: OutDir = default_out("race-sweep"),
) -> None:
    """Sweep the open frontier (and its release day): race.nc and figures in --out.

    Example: moatlab race sweep --n 100 --closed 4 --open-upgrade 4.5:1e4:40 --release-day 0:360:37
    --z 20 --out out/
    """
    from ..plots.race import plot_revenue_vs_open, plot_upgrade_heatmap, plot_zstar_components
    from ..race import component_effects, sweep

    model = _model(f, a, x0, b, n, m, open_, closed, cost_per_unit, discount)
    if open_compute is None and open_upgrade is None:
        fail("--open-compute or --open-upgrade is required: give a grid START:STOP:NUM")
    if open_compute is not None and (open_upgrade or release_day):
        fail("--open-compute is not allowed with --open-upgrade/--release-day: choose one sweep")
    if z is not None and not z > 0:
        fail(f"--z = {z:g} is not allowed: must be a compute > 0")
    kw = {}
    if open_compute:
        kw["open_compute"] = _grid("--open-compute", open_compute, True)
    else:
        kw["open_upgrade"] = _grid("--open-upgrade", open_upgrade, True)
        kw["release_day"] = (
            np.unique(np.round(_grid("--release-day", release_day, False)).astype(int))
            if release_day
            else [0]
        )
        if not (0 <= min(kw["release_day"]) and max(kw["release_day"]) < m):
            fail(f"--release-day = {release_day!r} is not allowed: days must lie in [0, {m - 1}]")
    ds = sweep(model, upgrade_to=None if z is None else [z], day=day, **kw)
    with atomic_dir(out) as tmp:
        ds.to_netcdf(tmp / "race.nc")
        files = ["race.nc"]
        if open_compute:
            plot_revenue_vs_open(ds).savefig(tmp / "revenue_vs_open.png", dpi=120)
            files.append("revenue_vs_open.png")
        elif z is not None and ds.sizes.get("release_day", 1) > 1:
            plot_upgrade_heatmap(ds).savefig(tmp / "upgrade_heatmap.png", dpi=120)
            files.append("upgrade_heatmap.png")
        if effects and open_upgrade:
            eff = component_effects(
                model, kw["open_upgrade"], int(kw["release_day"][0]), day, skip_same_kind=skip_same_kind
            )
            eff.to_netcdf(tmp / "effects.nc")
            plot_zstar_components(eff).savefig(tmp / "zstar_components.png", dpi=120)
            files += ["effects.nc", "zstar_components.png"]
    typer.echo(f"wrote {out}/" + ", ".join(files))


@race_app.command("run")
def run_cmd(
    scenario: Annotated[Path, typer.Argument(help="race scenario (TOML)")],
    out: OutDir = default_out("race-run"),
    json: Json = False,
) -> None:
    """Run a race scenario file: revenue, upgrade (or z*), its sweeps and figures.

    Example: moatlab race run examples/race.toml --out out/
    """
    from ..race import load_scenario
    from ..race.report import run_scenario

    sc = load_scenario(scenario)
    with atomic_dir(out) as tmp:
        summary = run_scenario(sc, tmp)
    if json:
        typer.echo(dumps(summary))
    else:
        _print(
            f"Race scenario {sc.name}", {k: v for k, v in summary.items() if not isinstance(v, list | dict)}
        )
        typer.echo(f"wrote {out}/ ({', '.join(summary['files'])})")
