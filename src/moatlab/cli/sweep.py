"""``moatlab sweep …`` and ``moatlab policy …``: sweeps at scale, sensitivity, discovery, policy search."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .._lazy import numpy as np
from .._limits import check
from ..errors import require_extra
from ._common import (
    Progress,
    Table,
    atomic_dir,
    default_out,
    dumps,
    err_console,
    fail,
    out_console,
    progress_columns,
)
from .app import app

sweep_app = typer.Typer(
    help="Sweeps at scale: run (in-process or on Dask), sensitivity, scenario discovery.",
    no_args_is_help=True,
)
policy_app = typer.Typer(help="Robust policy search for the openness game.", no_args_is_help=True)
app.add_typer(sweep_app, name="sweep")
app.add_typer(policy_app, name="policy")

Spec = Annotated[Path, typer.Argument(help="sweep specification (TOML; see docs/sweeps.md)")]
Json = Annotated[bool, typer.Option("--json", help="print the result as JSON")]


def _bar(label: str, total: int):
    """A progress bar on a terminal; nothing at all when stderr is a file or a pipe (so that an error
    stays the only line there)."""
    BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn = progress_columns()
    cols = (TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    return Progress(*cols, console=Console(stderr=True), transient=True, disable=not err_console.is_terminal)


def _as_options(fn, options: dict[str, str], *args, **kw):
    """``fn(*args, **kw)``; a :class:`SpecError` about one of ``options`` (field -> option) is
    re-raised naming the command-line option (``--outcome``, not ``outcome``)."""
    from ..errors import fmt_value
    from ..sweep import SpecError

    try:
        return fn(*args, **kw)
    except SpecError as e:
        if e.field in options:
            fail(f"{options[e.field]} = {fmt_value(e.value)} is not allowed: must be {e.allowed}")
        raise


def _frame(df, title: str, fmt: str = "{:,.4g}") -> None:
    t = Table(title=title)
    t.add_column(df.index.name or "")
    for c in df.columns:
        t.add_column(str(c), justify="right")
    for name, row in df.iterrows():
        t.add_row(str(name), *[fmt.format(v) if isinstance(v, float | np.floating) else str(v) for v in row])
    out_console().print(t)


@sweep_app.command("run")
def run(
    spec: Spec,
    out: Annotated[Path, typer.Option(
        "--out", help="folder for the chunks (sweep.json + chunks/*.nc)")] = default_out("sweep-run"),
    workers: Annotated[
        int | None, typer.Option("--workers", help="start a local Dask cluster with N workers")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="address of a running Dask scheduler")
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="continue the sweep already in --out")] = False,
    max_points: Annotated[int | None, typer.Option(
        "--max-points", help="allow a sweep of more points than the default limit (100,000,000; docs/cli.md)"
    )] = None,
    as_json: Json = False,
) -> None:
    """Run a sweep chunk by chunk; each finished chunk is written at once, so --resume can continue it."""
    from ..sweep import load_spec, run_sweep
    from ..sweep.runner import check_scheduler, check_work
    from ..sweep.spec import in_file

    if workers is not None and workers < 1:
        fail(f"--workers = {workers} is not allowed: must be an integer >= 1")
    if workers is not None and workers > 1 and scheduler:
        fail("--workers and --scheduler are not allowed together: give one")
    if max_points is not None and max_points < 1:
        fail(f"--max-points = {max_points} is not allowed: must be an integer >= 1")
    if scheduler is not None:
        check_scheduler(scheduler)
    s = load_spec(spec)
    in_file(spec, check_work, s, max_points)
    with _bar("sweep points", s.size) as bar:
        task = bar.add_task("points", total=s.size)
        ds = run_sweep(
            s,
            out,
            workers=workers,
            scheduler=scheduler,
            resume=resume,
            progress=lambda k: bar.advance(task, k),
            max_points=max_points,
        )
    summary = {
        "out": str(out),
        "points": s.size,
        "chunks": len(s.chunks()),
        "dims": dict(ds.sizes),
        "means": {o: float(ds[o].mean()) for o in s.outcomes},
    }
    if as_json:
        typer.echo(dumps(summary))
    else:
        typer.echo(f"{s.size:,} points in {len(s.chunks())} chunks written to {out}")
        for o, v in summary["means"].items():
            typer.echo(f"  mean {o}: {v:.4g}")


@sweep_app.command("status")
def status(out: Annotated[Path, typer.Argument(help="a sweep folder")]) -> None:
    """How far a sweep in a folder has got."""
    from ..sweep import sweep_status

    st = sweep_status(out)
    typer.echo(
        f"{st['done']} of {st['chunks']} chunks finished ({st['spec']['design']} design, "
        f"shape {tuple(st['shape'])})"
    )


@sweep_app.command("sensitivity")
def sensitivity_cmd(
    spec: Spec,
    outcome: Annotated[str, typer.Option("--outcome", help="outcome to explain (e.g. openness, U_D)")],
    out: Annotated[Path, typer.Option(
        "--out", help="folder for indices.csv, sensitivity.png, .json")] = default_out("sweep-sensitivity"),
    method: Annotated[str, typer.Option("--method", help="sobol or morris")] = "sobol",
    n: Annotated[
        int, typer.Option("--n", help="base samples (Sobol': n·(k+2) runs; Morris: n·(k+1))")
    ] = 1024,
    nan: Annotated[float | None, typer.Option("--nan", help="value for NaN outcomes (e.g. 0)")] = None,
    conf_level: Annotated[float, typer.Option("--conf-level", help="bootstrap interval level")] = 0.95,
    as_json: Json = False,
) -> None:
    """Sobol' (first/total order) or Morris indices of one outcome, with a tornado figure."""
    require_extra("SALib", "sweep", "moatlab sweep sensitivity")
    from ..plots.sweep import plot_sensitivity
    from ..sweep import load_spec, sensitivity

    s = load_spec(spec)
    k = len(s.space.uncertain)
    total = n * (k + 2) if method == "sobol" else n * (k + 1)
    if n >= 1:
        check("sweep_points", total, f"--n × (parameters + {2 if method == 'sobol' else 1}) model runs")
    with _bar("model runs", total) as bar:
        task = bar.add_task("runs", total=total)
        res = _as_options(
            sensitivity,
            {"outcome": "--outcome", "method": "--method", "n": "--n", "conf_level": "--conf-level",
             "nan": "--nan"},
            s,
            outcome,
            method=method,
            n=n,
            nan=nan,
            conf_level=conf_level,
            progress=lambda m: bar.advance(task, m),
        )
    with atomic_dir(out) as tmp:
        res.table.to_csv(tmp / "indices.csv")
        (tmp / "sensitivity.json").write_text(dumps(res.to_dict()))
        plot_sensitivity(res).savefig(tmp / "sensitivity.png", dpi=130)
        plot_sensitivity(res).savefig(tmp / "sensitivity.svg")
    if as_json:
        typer.echo(dumps(res.to_dict()))
    else:
        _frame(res.table, f"{method} indices of {outcome} ({res.evaluations:,} runs)")


@sweep_app.command("discover")
def discover_cmd(
    sweep_dir: Annotated[Path, typer.Argument(help="folder of a finished sampled sweep")],
    outcome: Annotated[str, typer.Option("--outcome", help="a 0/1 outcome (defies, exits, complies…)")],
    out: Annotated[Path, typer.Option(
        "--out", help="folder for box.csv, prim.png, prim.json")] = default_out("sweep-discover"),
    threshold: Annotated[float, typer.Option(
        "--min-density", "--threshold",
        help="share of the box's points where the outcome is 1 that the box must reach (a box density "
             "in (0, 1], not a cut-off on the outcome); --threshold is the older name")] = 0.8,
    as_json: Json = False,
) -> None:
    """Scenario discovery (PRIM): which parameter ranges produce the outcome?"""
    require_extra("ema_workbench", "sweep", "moatlab sweep discover")
    from ..plots.sweep import plot_prim
    from ..sweep import discover, open_sweep

    ds = open_sweep(sweep_dir).load()
    res = _as_options(discover, {"outcome": "--outcome", "threshold": "--min-density"}, ds, outcome,
                      threshold=threshold)
    with atomic_dir(out) as tmp:
        res.limits.to_csv(tmp / "box.csv")
        res.trajectory.to_csv(tmp / "trajectory.csv", index=False)
        (tmp / "prim.json").write_text(dumps(res.to_dict()))
        plot_prim(res).savefig(tmp / "prim.png", dpi=130)
    if as_json:
        typer.echo(dumps(res.to_dict()))
    else:
        note = "" if res.threshold_met else f"; no box reaches density {threshold:g}, the densest shown"
        _frame(
            res.limits,
            f"PRIM box for {outcome}: coverage {res.coverage:.2f}, density {res.density:.2f} "
            f"(base rate {res.base_rate:.2f}{note})",
        )


@policy_app.command("search")
def policy_search_cmd(
    spec: Annotated[Path, typer.Argument(help="TOML with \\[parameters] (uncertain) and \\[policy]")],
    out: Annotated[
        Path, typer.Option("--out", help="folder for candidates.csv, front.csv, pareto.png, .json")
    ] = default_out("policy-search"),
    as_json: Json = False,
) -> None:
    """Find thresholds and penalties (θ, p) that maximise an expected objective under constraints."""
    from ..plots.sweep import plot_pareto
    from ..sweep import read_toml
    from ..sweep.policy import policy_from_dict, policy_search
    from ..sweep.spec import in_file

    res = in_file(spec, policy_search, **in_file(spec, policy_from_dict, read_toml(spec)))
    with atomic_dir(out) as tmp:
        res.candidates.to_csv(tmp / "candidates.csv", index=False)
        res.front.to_csv(tmp / "front.csv", index=False)
        (tmp / "policy.json").write_text(dumps(res.to_dict()))
        if res.second:
            plot_pareto(res).savefig(tmp / "pareto.png", dpi=130)
            plot_pareto(res).savefig(tmp / "pareto.svg")
    if as_json:
        typer.echo(dumps(res.to_dict()))
    elif res.best is None:
        typer.echo(f"no policy in the box meets the constraints ({len(res.candidates)} evaluated)")
    else:
        b = res.best
        typer.echo(
            f"best policy: θ = {b['theta']:.4f}, p = {b['penalty']:.4f}: "
            f"E[{res.objective}] = {b[res.objective]:.4g}; "
            + ", ".join(f"P({k}) = {b['P_' + k]:.3f}" for k in res.constraints)
        )
        if res.second:
            typer.echo(
                f"Pareto front over E[{res.objective}], E[{res.second}]: {len(res.front)} policies "
                f"(front.csv, pareto.png)"
            )
