"""``moatlab race …``: race incentives of a closed lab against the open frontier (the race essay)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .._lazy import numpy as np
from .._limits import check
from ._common import OutDir, Table, atomic_dir, default_out, dumps, fail
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


@race_app.command("equilibrium")
def equilibrium_cmd(
    labs: Annotated[int, typer.Option("--labs", help="number of strategic closed labs K (2 to 6)")] = 2,
    mode: Annotated[str, typer.Option("--mode", help="nash (simultaneous) or leader (lab 0 moves first)")] = (
        "nash"
    ),
    rival_from_open: Annotated[
        bool, typer.Option("--rival-from-open", help="labs 1…K−1 start from the open weights")
    ] = False,
    floor: Annotated[
        float, typer.Option("--floor", help="from the open weights a lab still pays at least floor·z")
    ] = 0.1,
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
    ecosystem_demand: Annotated[
        float | None, typer.Option(help="elasticity η of demand to the open ecosystem (n ∝ f(x)^η)")
    ] = None,
    unit_cost: Annotated[
        float | None, typer.Option(help="elasticity ε of the cost per unit to the open frontier")
    ] = None,
    open_upgrade: Annotated[
        str | None,
        typer.Option(help="log grid START:STOP:NUM of an open release's compute x′ (default: just above the "
                     "open frontier to 10^4 × the lab's compute, 40 points)"),
    ] = None,
    release_day: Annotated[int, typer.Option("--release-day", help="day of the open release")] = 0,
    day: Annotated[int, typer.Option("--day", help="day every upgrade ships")] = 0,
    grid: Annotated[int, typer.Option("--grid", help="upgrade levels on the coarse grid (16 to 512)")] = 64,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="race scenario (TOML): labs tables, equilibrium table")
    ] = None,
    out: OutDir = default_out("race-equilibrium"),
    json: Json = False,
) -> None:
    """Equilibrium of K strategic closed labs (Bertrand against each other and the open model).

    Prints each lab's z* and whether the equilibrium is unique (or exists at all).

    Writes equilibrium.nc and equilibrium.png (z*_k against an open release x′) into --out.

    Example: moatlab race equilibrium --labs 2 --rival-from-open --n 100 --closed 4 --json
    """
    from ..plots.race import plot_equilibrium
    from ..race import EcosystemDemand, UnitCost, equilibrium, equilibrium_sweep, labs_of
    from ..race.strategic import MODES

    if mode not in MODES:
        fail(f"--mode = {mode!r} is not allowed: must be one of {', '.join(MODES)}")
    if scenario is not None:
        from ..race import load_scenario

        sc = load_scenario(scenario)
        model = sc.model
        lab_list = sc.labs or labs_of(model, labs, rival_from_open, floor)
        mode = sc.equilibrium.get("mode", mode)
        grid = sc.equilibrium.get("grid", grid)
        release_day = sc.equilibrium.get("release_day", release_day)
        day = sc.day
        xs = sc.equilibrium.get("open_upgrade")
    else:
        model = _model(f, a, x0, b, n, m, open_, closed, cost_per_unit, discount)
        if ecosystem_demand is not None:
            model = model.replace(ecosystem_demand=EcosystemDemand(elasticity=ecosystem_demand))
        if unit_cost is not None:
            model = model.replace(unit_cost=UnitCost(elasticity=unit_cost))
        lab_list = labs_of(model, labs, rival_from_open, floor)
        xs = None
    if open_upgrade is not None:
        xs = _grid("--open-upgrade", open_upgrade, True)
    if xs is None:
        lo = 1.1 * max(model.open.compute)
        xs = np.geomspace(lo, max(1e4 * max(lab.compute.compute[-1] for lab in lab_list), 10 * lo), 40)
    for opt, v in (("--release-day", release_day), ("--day", day)):
        if not (0 <= v < model.m):
            fail(f"{opt} = {v} is not allowed: must be an integer in [0, {model.m - 1}]")
    eq = equilibrium(model, lab_list, mode=mode, day=day, grid=grid)
    ds = equilibrium_sweep(model, lab_list, xs, release_day=release_day, mode=mode, day=day, grid=grid)
    with atomic_dir(out) as tmp:
        ds.to_netcdf(tmp / "equilibrium.nc")
        plot_equilibrium(ds).savefig(tmp / "equilibrium.png", dpi=120)
    d = eq.to_dict()
    d["labs"] = [
        {"name": name, "z_star": z, "payoff": p, "from_open": bool(lab.from_open)}
        for name, z, p, lab in zip(eq.labs, eq.z_star, eq.payoff, lab_list, strict=True)
    ]
    d.pop("z_star")
    d.pop("payoff")
    d["components"] = model.label
    d["sweep"] = {
        "open_upgrade": [float(xs[0]), float(xs[-1]), int(len(xs))],
        "release_day": int(release_day),
        "conclusion_holds": bool(ds.attrs["conclusion_holds"]),
        "no_equilibrium_at": [float(v) for v in ds["open_upgrade"].values[~ds["exists"].values]],
        "several_equilibria_at": int((ds["n_equilibria"].values > 1).sum()),
    }
    d["files"] = [str(Path(out) / "equilibrium.nc"), str(Path(out) / "equilibrium.png")]
    if json:
        typer.echo(dumps(d))
        return
    if not eq.exists:
        status = "no equilibrium in pure strategies"
    elif eq.unique:
        status = "unique equilibrium"
    elif mode == "leader":
        status = "not unique (a mover on the path is indifferent; the smaller upgrade is shown)"
    else:
        status = f"{eq.n_equilibria} equilibria (the first listed is shown)"
    t = Table(title=f"{len(lab_list)} labs, {mode}: {status}")
    for col in ("lab", "z*", "payoff", "from open weights"):
        t.add_column(col, justify="right")
    for lab in d["labs"]:
        z = lab["z_star"]
        t.add_row(lab["name"], "no upgrade" if z != z else f"{z:.6g}", f"{lab['payoff']:.6g}",
                  str(lab["from_open"]))
    Console().print(t)
    typer.echo(f"largest upgrade non-increasing in x′: {d['sweep']['conclusion_holds']}; "
               f"wrote {out}/equilibrium.nc, equilibrium.png")
