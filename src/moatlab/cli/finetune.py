"""``moatlab finetune solve|grid``: fine-tuning games (Laufer, Kleinberg and Heidari, WWW 2024)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ._common import OutDir, Table, atomic_dir, default_out, dumps, fail, parse_grid
from .app import app

# = moatlab.game.bargaining.SOLUTIONS (not imported: keeps --help fast)
SOLUTIONS = ("fixed", "vertical_monopoly", "utilitarian", "nash", "egalitarian", "kalai_smorodinsky",
             "max_performance")
BARGAINING_HELP = ("how G and the specialists set G's share δ: " + ", ".join(SOLUTIONS)
                   + " (fixed: δ as given by --delta)")

finetune_app = typer.Typer(
    help="Fine-tuning games: G invests in a general model, specialists fine-tune it, they bargain over δ.",
    no_args_is_help=True)
app.add_typer(finetune_app, name="finetune")

R = Annotated[float, typer.Option("--r", help="revenue per unit of performance, r(α) = r·α (0, inf)")]
C0 = Annotated[float, typer.Option("--c0", help="G's cost scale, φ0 = c0·α0² (0, inf)")]
C1 = Annotated[float, typer.Option("--c1", help="the specialist's cost scale, φ1 = c1·Δ² (0, inf)")]
K1 = Annotated[float, typer.Option("--k1", help="the specialist's linear cost per unit of Δ [0, inf)")]
F1 = Annotated[float, typer.Option("--f1", help="the specialist's fixed entry cost [0, inf)")]
Bargaining = Annotated[str, typer.Option("--bargaining", help=BARGAINING_HELP)]
Specialists = Annotated[Path | None, typer.Option(
    "--specialists", help="TOML file of several specialists (an array of tables named specialist, each "
    "with name, r, c, delta, optional k, f; optional top-level c0); replaces --r, --c1, --k1, --f1")]


def _load(specialists: Path | None, c0: float, c0_given: bool):
    if specialists is None:
        return None, c0
    from ..game.finetune import load_specialists

    sp, settings = load_specialists(specialists)
    return sp, (c0 if c0_given else settings.get("c0", c0))


def _check_bargaining(bargaining: str) -> None:
    if bargaining not in SOLUTIONS:
        fail(f"--bargaining = {bargaining!r} is not allowed: must be one of " + ", ".join(SOLUTIONS))


@finetune_app.command("solve")
def solve_cmd(
    r: R = 1.0,
    c0: Annotated[float | None, typer.Option("--c0", help="G's cost scale, φ0 = c0·α0² (0, inf); "
                                             "default 1, or the specialists file's c0")] = None,
    c1: C1 = 1.0,
    k1: K1 = 0.0,
    f1: F1 = 0.0,
    delta: Annotated[float | None, typer.Option(
        "--delta", help="G's share δ [0, 1] with --bargaining fixed (default 0.5; with --specialists, "
        "sets every domain's δ)")] = None,
    bargaining: Bargaining = "fixed",
    specialists: Specialists = None,
    json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Solve a fine-tuning game: the share δ, G's investment α0, the specialists' α1, utilities.

    Example: moatlab finetune solve --r 1 --c0 1 --c1 3 --bargaining nash --json
    """
    _check_bargaining(bargaining)
    if bargaining != "fixed" and delta is not None:
        fail(f"--delta = {delta:g} is not allowed: must be left out with --bargaining {bargaining} "
             "(the players set δ)")
    sp, c0v = _load(specialists, 1.0 if c0 is None else c0, c0 is not None)
    from ..game.finetune import solve_finetune

    if delta is None and sp is None:
        delta = 0.5
    if sp is None:
        eq = solve_finetune(r=r, c0=c0v, c1=c1, k1=k1, f1=f1, delta=delta, bargaining=bargaining)
    else:
        eq = solve_finetune(c0=c0v, delta=delta, specialists=sp, bargaining=bargaining)
    d = eq.to_dict()
    if json:
        typer.echo(dumps(d))
        return
    table = Table(title=f"Fine-tuning game ({bargaining} share)")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("meaning")
    fmt = lambda v: "—" if v is None else (v if isinstance(v, str) else f"{v:.6g}")  # noqa: E731
    for name, meaning in (("delta", "G's revenue share"), ("alpha0", "G's investment (general model)"),
                          ("alpha1", "fine-tuned performance (sum over domains)"),
                          ("U_G", "generalist's utility"), ("U_D", "specialists' total utility"),
                          ("surplus", "U_G + U_D")):
        table.add_row(name, fmt(d[name]), meaning)
    Console().print(table)
    if len(d["domains"]) > 1 or sp is not None:
        dom = Table(title="domains")
        for col in ("name", "delta", "alpha1", "U_D", "status"):
            dom.add_column(col)
        for row in d["domains"]:
            dom.add_row(*(fmt(row[c]) for c in ("name", "delta", "alpha1", "U_D", "status")))
        Console().print(dom)


@finetune_app.command("grid")
def grid_cmd(
    r: R = 1.0,
    c0: Annotated[float | None, typer.Option("--c0", help="G's cost scale (0, inf); default 1, or the "
                                             "specialists file's c0")] = None,
    c1: C1 = 1.0,
    k1: K1 = 0.0,
    f1: F1 = 0.0,
    delta_grid: Annotated[str, typer.Option(help="δ grid as START:STOP:NUM within [0, 1]")] = "0:1:101",
    specialists: Specialists = None,
    out: OutDir = default_out("finetune"),
) -> None:
    """Sweep the share δ: write finetune.nc, finetune.csv and shares.png ((U_G, U_D) over δ with every
    bargaining solution marked) and print each solution's δ.

    Example: moatlab finetune grid --c0 1 --c1 3 --delta-grid 0:1:101 --out out/
    """
    delta = parse_grid("--delta-grid", delta_grid, 0.0, 1.0)
    if delta.size > 100_001:
        fail(f"--delta-grid = {delta_grid!r} is not allowed: must have at most 100001 points")
    sp, c0v = _load(specialists, 1.0 if c0 is None else c0, c0 is not None)
    from ..game.finetune import share_curve

    single = {} if sp is not None else dict(r=r, c1=c1, k1=k1, f1=f1)
    ds, marks = share_curve(delta, c0=c0v, specialists=sp, **single)  # validates before writing
    from ..plots.family import plot_shares

    for name, eq in marks.items():
        ds.attrs[f"delta_{name}"] = eq.delta
    with atomic_dir(out) as tmp:
        ds.to_netcdf(tmp / "finetune.nc")
        ds[["share", "alpha0", "alpha1", "U_G", "U_D", "surplus"]].to_dataframe().to_csv(tmp / "finetune.csv")
        fig = plot_shares(ds, marks, title="Fine-tuning game: utilities over G's share δ")
        fig.savefig(tmp / "shares.png", dpi=120)
    typer.echo(f"wrote {out}/finetune.nc, finetune.csv, shares.png ({delta.size} shares)")
    for name, eq in marks.items():
        typer.echo(f"  {name:18s} δ = {eq.delta:.6f}  U_G = {eq.U_G:.6g}  U_D = {eq.U_D:.6g}")
