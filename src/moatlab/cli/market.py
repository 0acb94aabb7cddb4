"""``moatlab market …``: the market-structure simulator (Azoulay et al. 2024), its scenarios and ensembles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .._lazy import numpy as np
from .._limits import check
from ..errors import MoatlabError
from ._common import (
    OutDir,
    Progress,
    Table,
    atomic_dir,
    check_out,
    default_out,
    dumps,
    fail,
    progress_columns,
    shorten,
)
from .app import app

market_app = typer.Typer(
    help="Market structure: ensembles of the agent-based simulator, scenario comparisons, sweeps.\n\n"
         "After Azoulay, Krieger and Nagaraj, Old Moats for New Models (2024); docs/market.md.",
    no_args_is_help=True,
)
app.add_typer(market_app, name="market")

Seeds = Annotated[
    int | None, typer.Option("--seeds", help="runs per scenario (default: the file's, else 30)")
]
Seed = Annotated[int | None, typer.Option("--seed", help="base seed (default: the file's, else 0)")]
Workers = Annotated[int, typer.Option("--workers", help="processes (1 = in-process)")]
Periods = Annotated[int | None, typer.Option("--periods", help="months per run (default: the scenario's)")]
Json = Annotated[bool, typer.Option("--json", help="print the table as JSON")]

_SHOW = ["hhi", "active", "entries", "exits", "growth", "open_share", "derivatives", "lineage_share",
         "consumer_surplus", "price", "outside_share", "incumbent_share"]  # fmt: skip


def _market():
    try:
        from .. import market
    except ImportError as e:  # pragma: no cover - depends on the install
        fail(f"the market simulator needs Mesa ({e.name} is missing): pip install 'moatlab[abm]'")
    return market


def _load(source: str, periods: int | None):
    _market()
    from ..market.params import make_params
    from ..market.scenario import MarketScenario, load_scenario

    sc = load_scenario(source)
    if periods is not None:
        if periods < 2:
            fail(f"--periods = {periods} is not allowed: must be an integer >= 2")
        sc = MarketScenario(sc.name, make_params({"periods": periods}, base=sc.params), sc.description,
                            sc.seeds, sc.seed, sc.source)  # fmt: skip
    return sc


def _check(seeds: int, seed: int, workers: int) -> None:
    if seeds < 2:
        fail(f"--seeds = {seeds} is not allowed: must be an integer >= 2 (bands need two runs)")
    if seed < 0:
        fail(f"--seed = {seed} is not allowed: must be an integer >= 0")
    if workers < 1:
        fail(f"--workers = {workers} is not allowed: must be an integer >= 1")


def _ensemble(scenarios, seeds: int, seed: int, workers: int):
    from ..market.ensemble import run_ensemble

    total = seeds * len(scenarios)
    check("market_runs", total, "scenarios × --seeds")  # the work budget, before the progress bar
    BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn = progress_columns()
    cols = (TextColumn("[bold]market runs"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*cols, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("runs", total=total)
        return run_ensemble(scenarios, seeds, seed, workers=workers, progress=lambda k: bar.advance(task, k))


def _table(df, title: str) -> None:
    df = df.T  # one row per metric reads well in a terminal
    t = Table(title=title)
    t.add_column("metric")
    for c in df.columns:
        t.add_column(str(c), justify="right")
    for name, row in df.iterrows():
        t.add_row(str(name), *[f"{v:,.4g}" if np.isfinite(v) else "–" for v in row.to_numpy(dtype=float)])
    Console(markup=False, emoji=False).print(t)  # user text (names) printed literally


def _write(tmp: Path, ds, prefix: str = "") -> None:
    from ..market.ensemble import compare_table, summary, tidy
    from ..plots.market import plot_bands, plot_compare

    ds.to_netcdf(tmp / "ensemble.nc")
    tidy(ds).to_csv(tmp / "runs.csv", index=False)
    summary(ds).to_csv(tmp / "summary.csv", index=False)
    compare_table(ds).to_csv(tmp / "means.csv")
    fig = plot_bands(ds)
    fig.savefig(tmp / "bands.png", dpi=120)
    fig = plot_compare(summary(ds))
    fig.savefig(tmp / "compare.png", dpi=120)


@market_app.command("scenarios")
def scenarios() -> None:
    """List the packaged scenarios (use a name wherever a scenario file is expected)."""
    _market()
    from ..market.scenario import load_scenario, packaged

    t = Table(title="packaged market scenarios")
    t.add_column("name")
    t.add_column("description")
    for name in sorted(packaged()):
        t.add_row(name, load_scenario(name).description)
    Console(markup=False, emoji=False).print(t)


@market_app.command("run")
def run(
    scenario: Annotated[
        str, typer.Argument(help="scenario TOML file or packaged name (see `market scenarios`)")
    ],
    seeds: Seeds = None,
    seed: Seed = None,
    out: OutDir = default_out("market-run"),
    workers: Workers = 1,
    periods: Periods = None,
    json: Json = False,
) -> None:
    """Run one scenario over many seeds; write NetCDF, CSV tables and figures with bands.

    Example: moatlab market run rogue_giant --seeds 30 --out out/rogue
    """
    sc = _load(scenario, periods)
    seeds = sc.seeds if seeds is None else seeds
    seed = sc.seed if seed is None else seed
    _check(seeds, seed, workers)
    ds = _ensemble([sc], seeds, seed, workers)
    from ..market.ensemble import compare_table

    table = compare_table(ds)[_SHOW]
    with atomic_dir(out) as tmp:
        _write(tmp, ds)
    if json:
        typer.echo(
            dumps({"scenario": sc.name, "seeds": seeds, "means": table.iloc[0].to_dict(), "out": str(out)})
        )
    else:
        _table(table, f"{sc.name}: means over the later half of {seeds} runs")
        typer.echo(f"wrote {out}/ensemble.nc, runs.csv, summary.csv, means.csv, bands.png, compare.png")


@market_app.command("compare")
def compare(
    scenarios: Annotated[list[str], typer.Argument(help="two or more scenario files or packaged names")],
    seeds: Seeds = None,
    seed: Seed = None,
    out: OutDir = default_out("market-compare"),
    workers: Workers = 1,
    periods: Periods = None,
    json: Json = False,
) -> None:
    """Run several scenarios on the same seeds; print a table and write plots of the metrics.

    Example: moatlab market compare baseline rogue_giant fractionalisation --seeds 30 --out out/cmp
    """
    if len(scenarios) < 2:
        fail(f"SCENARIOS = {' '.join(scenarios)!r} is not allowed: must name at least two scenarios")
    items = [_load(s, periods) for s in scenarios]
    seeds = max(s.seeds for s in items) if seeds is None else seeds
    seed = items[0].seed if seed is None else seed
    _check(seeds, seed, workers)
    if len({s.params.periods for s in items}) > 1:
        fail("--periods: the scenarios differ in length; give --periods to run them all alike")
    ds = _ensemble(items, seeds, seed, workers)
    from ..market.ensemble import compare_table

    table = compare_table(ds)[_SHOW]
    with atomic_dir(out) as tmp:
        _write(tmp, ds)
    if json:
        typer.echo(dumps({"seeds": seeds, "means": {k: v for k, v in table.to_dict(orient="index").items()}}))
    else:
        _table(table, f"means over the later half of {seeds} runs per scenario")
        typer.echo(f"wrote {out}/ensemble.nc, runs.csv, summary.csv, means.csv, bands.png, compare.png")


@market_app.command("sweep")
def sweep_cmd(
    field: Annotated[
        str, typer.Option("--field", help="parameter to sweep, e.g. appropriability or policy.theta")
    ],
    values: Annotated[str, typer.Option("--values", help="START:STOP:NUM")] = "0:1:8",
    scenario: Annotated[str, typer.Option("--scenario", help="base scenario")] = "baseline",
    seeds: Seeds = None,
    seed: Seed = None,
    out: OutDir = default_out("market-sweep"),
    periods: Periods = None,
) -> None:
    """Sweep one parameter; plot innovation against competition (claim M4 of Azoulay, Krieger & Nagaraj 2024).

    Example: moatlab market sweep --field competition --values 0:1:5 --seeds 30 --out out/m4
    """
    from ._common import parse_grid

    sc = _load(scenario, periods)
    seeds = sc.seeds if seeds is None else seeds
    seed = sc.seed if seed is None else seed
    _check(seeds, seed, 1)
    grid = parse_grid("--values", values, -1e9, 1e9)
    from ..market.ensemble import sweep
    from ..market.params import make_params, nested
    from ..plots.market import plot_innovation

    make_params(nested(field, float(grid[0])), base=sc.params)  # checks the field and the first value
    check("market_runs", seeds * grid.size, "--values × --seeds")  # the work budget, before the bar
    BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn = progress_columns()
    cols = (TextColumn("[bold]sweep runs"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*cols, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("runs", total=seeds * grid.size)
        rm = sweep(sc.params, field, grid, seeds, seed, progress=lambda k: bar.advance(task, k))
    with atomic_dir(out) as tmp:
        rm.to_netcdf(tmp / "sweep.nc")
        df = rm.mean("seed").to_dataframe()
        df.to_csv(tmp / "sweep.csv")
        plot_innovation(rm, field).savefig(tmp / "innovation.png", dpi=120)
    g = rm["growth"].mean("seed").values
    k = int(np.argmax(g))
    typer.echo(
        f"innovation peaks at {field} = {grid[k]:g} ({g[k]:.4f}/month; ends {g[0]:.4f} and {g[-1]:.4f})"
    )
    typer.echo(f"wrote {out}/sweep.nc, sweep.csv, innovation.png")


def _free_ranges(items: list[str]) -> dict[str, tuple[float, float]]:
    """The default free parameters, with each ``--free NAME=LOW:HIGH`` added or re-ranged (checked:
    a known parameter, finite bounds LOW < HIGH that the parameter allows)."""
    import math
    import re

    from ..market.calibrate import FREE
    from ..market.params import make_params, nested

    out = dict(FREE)
    form = "NAME=LOW:HIGH with LOW < HIGH, e.g. types.challenger.train_share=0:1"
    for item in items:
        m = re.fullmatch(r"\s*([A-Za-z_][\w.]*)\s*=\s*([^:=]+):([^:=]+)", item)
        try:
            lo, hi = (float(m.group(2)), float(m.group(3))) if m else (math.nan, math.nan)
        except ValueError:
            lo = hi = math.nan
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            fail(f"--free = {shorten(item)} is not allowed: must be {form}")
        name = m.group(1)
        for v in (lo, hi):
            try:
                make_params(nested(name, v))
            except MoatlabError as e:
                fail(f"--free = {shorten(item)}: {e}")
        out[name] = (lo, hi)
    return out


@market_app.command("calibrate")
def calibrate_cmd(
    targets: Annotated[
        str | None, typer.Option("--targets", help="TOML file of target moments (default: packaged facts)")
    ] = None,
    samples: Annotated[int, typer.Option("--samples", help="points of the Latin hypercube")] = 500,
    seeds: Annotated[int, typer.Option("--seeds", help="runs per scenario and point")] = 3,
    periods: Annotated[int, typer.Option("--periods", help="months per run (>= 36)")] = 48,
    seed: Annotated[int, typer.Option("--seed", help="seeds the design and the runs")] = 3,
    refine: Annotated[
        int, typer.Option("--refine", help="best points run again on fresh seeds; the fit is the best there")
    ] = 8,
    refine_seeds: Annotated[
        int,
        typer.Option("--refine-seeds", help="runs per scenario for the re-check (0: 4 × --seeds)"),
    ] = 0,
    polish: Annotated[
        int,
        typer.Option("--polish", help="passes of the local coordinate search from the re-checked best (0-2)"),
    ] = 2,
    workers: Workers = 1,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address: run the points there")
    ] = None,
    free: Annotated[
        list[str] | None,
        typer.Option("--free", help="also fit NAME over LOW:HIGH, or refit a default one over another "
                     "range: NAME=LOW:HIGH with a dotted name (types.challenger.train_share=0:1); "
                     "repeatable. Fitted by default: scaling, quality_sensitivity, "
                     "types.challenger.funding, entry_cost, adopt_cost, types.challenger.train_share"),
    ] = None,
    out: OutDir = default_out("market-calibrate"),
    json: Json = False,
) -> None:
    """Fit the free parameters to stylised facts by simulated moments (resumable: rerun to continue).

    Writes fitted.json (values), fit.csv (per target: value, simulated, z, source),
    identification.csv (standard errors from the Jacobian of the moments: which parameters the
    targets pin down), jacobian.csv and points.csv (every point of the design).

    The defaults are the run that produced the shipped defaults (docs/market.md, "Calibration"):
    moatlab market calibrate --workers 2 --out out/calib  (3-5 minutes on 2 cores)
    """
    _market()
    from ..market.calibrate import POLISH_STEPS, calibrate, load_targets

    if not 1 <= samples <= 100_000:
        fail(f"--samples = {samples} is not allowed: must be an integer in [1, 100000]")
    if not 1 <= seeds <= 1000:
        fail(f"--seeds = {seeds} is not allowed: must be an integer in [1, 1000]")
    if not 36 <= periods <= 1000:
        fail(f"--periods = {periods} is not allowed: must be an integer in [36, 1000]")
    if seed < 0:
        fail(f"--seed = {seed} is not allowed: must be an integer >= 0")
    if workers < 1:
        fail(f"--workers = {workers} is not allowed: must be an integer >= 1")
    if not 1 <= refine <= 1000:
        fail(f"--refine = {refine} is not allowed: must be an integer in [1, 1000]")
    if not 0 <= refine_seeds <= 1000:
        fail(f"--refine-seeds = {refine_seeds} is not allowed: must be an integer in [0, 1000]")
    if not 0 <= polish <= len(POLISH_STEPS):
        fail(f"--polish = {polish} is not allowed: must be an integer in [0, {len(POLISH_STEPS)}]")
    ranges = _free_ranges(free or [])
    tg = load_targets(targets)
    out = Path(out)
    check_out(out)  # before minutes of simulation, and before the resumable folder beside it
    work = out.parent / f".{out.name}.points"  # the resumable part lives beside the final folder
    BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn = progress_columns()
    cols = (TextColumn("[bold]calibration points"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*cols, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("points", total=samples)
        res = calibrate(tg, free=ranges, samples=samples, seeds=seeds, periods=periods, rng=seed,
                        workers=workers, scheduler=scheduler, out=work, refine=refine,
                        refine_seeds=refine_seeds or None, polish=polish,
                        progress=lambda k: bar.advance(task, k))  # fmt: skip
    doc = {"fitted": res.fitted, "meta": res.meta, "loss": float(res.meta["loss"])}
    with atomic_dir(out) as tmp:
        (tmp / "fitted.json").write_text(dumps(doc) + "\n", encoding="utf-8")
        res.fit.to_csv(tmp / "fit.csv", index=False)
        res.identification.to_csv(tmp / "identification.csv", index=False)
        res.points.to_csv(tmp / "points.csv", index=False)
        res.jacobian.to_csv(tmp / "jacobian.csv")
    if json:
        typer.echo(dumps({**doc, "fit": res.fit.to_dict(orient="records"),
                          "identification": res.identification.to_dict(orient="records")}))  # fmt: skip
        return
    t = Table(title=f"calibration: {samples} points × {seeds} seeds, loss {doc['loss']:.3g}")
    for c in ("target", "value", "simulated", "z"):
        t.add_column(c, justify="right" if c != "target" else "left")
    for r in res.fit.itertuples():
        t.add_row(r.target, f"{r.value:.4g}", f"{r.simulated:.4g}", f"{r.z:+.2f}")
    Console().print(t)
    for r in res.identification.itertuples():
        pin = "pinned down" if r.pinned_down else "NOT pinned down by the targets"
        span = f"standard error {r.se:.3g} = {r.se_share:.0%} of its range"
        typer.echo(f"{r.parameter} = {r.fitted:.4g}  ({pin}; {span})")
    typer.echo(f"wrote {out}/fitted.json, fit.csv, identification.csv, jacobian.csv, points.csv")
