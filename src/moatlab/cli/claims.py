"""``moatlab claims …``: the registry of findings and how robust each one is."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from ._common import check_out, default_out, dumps, fail
from .app import app

claims_app = typer.Typer(help="Findings as claims: list them, check how robust each one is.",
                         no_args_is_help=True)
app.add_typer(claims_app, name="claims")

Json = Annotated[bool, typer.Option("--json", help="print the result as JSON")]


@claims_app.command("list")
def list_cmd(as_json: Json = False) -> None:
    """Every registered claim: its model, statement, source and decision rule."""
    from ..claims import all_claims

    claims = all_claims()
    if as_json:
        typer.echo(dumps([c.describe() for c in claims]))
        return
    for c in claims:
        kind = f"ensemble of {c.ensemble}" if c.stochastic else "deterministic"
        typer.echo(f"{c.name:4} {c.model:8} {c.statement}")
        typer.echo(f"{'':14}source: {c.source}; {kind}; parameters: {', '.join(c.parameters)}")


@claims_app.command("check")
def check_cmd(
    names: Annotated[list[str] | None, typer.Argument(help="claims to check (default: all)")] = None,
    samples: Annotated[int, typer.Option("--samples", help="points of each claim's space")] = 128,
    seed: Annotated[int, typer.Option("--seed", help="seeds the design and every ensemble")] = 0,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="start a local Dask cluster with K workers")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="address of a running Dask scheduler")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="continue the check already in --out")] = False,
    ensemble: Annotated[int | None, typer.Option(
        "--ensemble", help="seeded runs per point of a stochastic claim (default: the claim's)")] = None,
    sobol_base: Annotated[int, typer.Option(
        "--sobol-base", help="also run a Saltelli design of N·(k+2) points for total-order indices")] = 0,
    out: Annotated[Path, typer.Option(
        "--out", help="folder for summary.csv/json and one folder per claim")] = default_out("claims-check"),
    as_json: Json = False,
) -> None:
    """Sample each claim's plausible space and report where it holds, where it fails and why."""
    from ..claims import check_claims, get

    for n in names or []:
        get(n)  # an unknown name: one line listing the known ones, before anything runs
    if samples < 2:
        fail(f"--samples = {samples} is not allowed: must be an integer >= 2")
    if workers is not None and workers < 1:
        fail(f"--workers = {workers} is not allowed: must be an integer >= 1")
    if workers is not None and workers > 1 and scheduler:
        fail("--workers and --scheduler are not allowed together: give one")
    check_out(out)
    command = "moatlab " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else None

    def show(r) -> None:
        if not as_json:
            typer.echo(f"{r.name:4} {r.verdict:18} holds on {r.share_holds:5.0%} "
                       f"[{r.ci_low:.0%}, {r.ci_high:.0%}] of {r.samples} points ({r.seconds:.0f} s)")
            for b in r.failure_boxes:
                typer.echo(f"{'':5}{b['text']}")

    check_claims(names or None, samples, seed, out=out, workers=workers, scheduler=scheduler,
                           resume=resume, ensemble=ensemble, sobol_base=sobol_base, command=command,
                           on_result=show)
    if as_json:
        typer.echo((out / "summary.json").read_text())
    else:
        typer.echo(f"seed {seed}; results in {out} (summary.csv, summary.json, one folder per claim)")
    return None
