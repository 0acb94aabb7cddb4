"""``moatlab solve``, ``moatlab landscape`` and ``moatlab demo``: the openness game."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from ..game.params import PARAMETERS, PENALTY_FORMS
from ._common import (
    MaxSolves,
    OutDir,
    Table,
    atomic_dir,
    default_out,
    dumps,
    fail,
    parse_grid,
    shorten,
    solves_budget,
)
from .app import app


def _opt(name: str, help_extra: str = "") -> typer.Option:
    s = PARAMETERS[name]
    return typer.Option("--" + name.replace("_", "-"),
                        help=f"{s.symbol}: {s.description} {s.allowed}{help_extra}",
                        show_default=True)


Alpha0 = Annotated[float, _opt("alpha0")]
Delta0 = Annotated[float, _opt("delta0")]
CD = Annotated[float, _opt("c_d")]
Lam = Annotated[float, _opt("lam")]
Eps = Annotated[float, _opt("epsilon")]
Kappa0 = Annotated[float, _opt("kappa0")]
CG = Annotated[float, _opt("c_g")]
FD = Annotated[float, _opt("f_d")]
PenaltyForm = Annotated[str, typer.Option("--penalty-form", help="one of " + ", ".join(PENALTY_FORMS))]
METHODS = ("auto", "closed_form", "numerical")  # = moatlab.game.solver.METHODS (not imported: slow)
Method = Annotated[str, typer.Option("--method", help="one of " + ", ".join(METHODS))]
# = moatlab.game.bargaining.SOLUTIONS (not imported: keeps --help fast)
SOLUTIONS = ("fixed", "vertical_monopoly", "utilitarian", "nash", "egalitarian", "kalai_smorodinsky",
             "max_performance")
Bargaining = Annotated[str, typer.Option(
    "--bargaining",
    help="stage 1 of Qiu et al. (2025): G and D bargain over the share scale δ0 of δ(ω) = δ0·(1 − ω) "
         "before G picks ω; one of " + ", ".join(SOLUTIONS) + " (fixed: no bargaining, δ0 as given)")]


Schedule = Annotated[str, typer.Option(
    "--schedule",
    help="the share rule δ(ω, α1; s) whose parameter s the players bargain over (needs --bargaining "
         "other than fixed): scale (δ = s·(1 − ω), s in δ0's place), constant (δ = s), or an "
         "expression in omega, alpha1 and s, e.g. 's*(1 - omega) + 0.1*alpha1' (numbers, pi, e, "
         "+ - * / **, exp, log, log1p, sqrt, abs, tanh, min(a, b), max(a, b); no other Python)")]


def _check_bargaining(bargaining: str) -> None:
    if bargaining not in SOLUTIONS:
        fail(f"--bargaining = {bargaining!r} is not allowed: must be one of " + ", ".join(SOLUTIONS))


def _schedule(text: str, bargaining: str, alpha0: float) -> Any:
    """``--schedule`` as ``solve(schedule=...)`` takes it; probed for finite shares at α1 = α0."""
    from ..game.openness_bargaining import QualitySchedule, parse_schedule

    schedule = parse_schedule(text, "--schedule")
    if bargaining == "fixed":
        if schedule != "scale":
            fail(f"--schedule = {shorten(text)} is not allowed with --bargaining fixed: must be scale "
                 "(without bargaining G's share is --delta0 × (1 − ω)); choose a bargaining solution "
                 "to bargain over another schedule")
        return schedule
    if isinstance(schedule, str):
        return schedule
    import numpy as np

    w, s = np.meshgrid(np.linspace(0, 1, 11), np.linspace(0, 1, 11))
    with np.errstate(all="ignore"):
        share = (schedule.func(w, np.full_like(w, alpha0), s) if isinstance(schedule, QualitySchedule)
                 else schedule(w, s)) + 0.0 * w
    bad = ~np.isfinite(share)
    if bad.any():
        i = np.flatnonzero(bad)[0]
        fail(f"--schedule = {shorten(text)} is not allowed: must give a finite share for omega and s "
             f"in [0, 1] at alpha1 = alpha0 (it gives {share.flat[i]} at omega = {w.flat[i]:g}, "
             f"s = {s.flat[i]:g}, alpha1 = {alpha0:g})")
    return schedule


def _model(alpha0, delta0, c_d, lam, epsilon, kappa0, c_g, f_d, penalty_form) -> dict:
    if penalty_form not in PENALTY_FORMS:
        fail(f"--penalty-form = {penalty_form!r} is not allowed: must be one of "
             + ", ".join(PENALTY_FORMS))
    return dict(alpha0=alpha0, delta0=delta0, c_d=c_d, lam=lam, epsilon=epsilon, kappa0=kappa0,
                c_g=c_g, f_d=f_d, penalty_form=penalty_form)


D = {k: v.default for k, v in PARAMETERS.items()}


@app.command("solve")
def solve_cmd(
    alpha0: Alpha0 = D["alpha0"],
    theta: Annotated[float, _opt("theta")] = D["theta"],
    penalty: Annotated[float, _opt("penalty")] = D["penalty"],
    delta0: Delta0 = D["delta0"],
    c_d: CD = D["c_d"],
    lam: Lam = D["lam"],
    epsilon: Eps = D["epsilon"],
    kappa0: Kappa0 = D["kappa0"],
    c_g: CG = D["c_g"],
    f_d: FD = D["f_d"],
    penalty_form: PenaltyForm = "lump_sum",
    method: Method = "auto",
    bargaining: Bargaining = "fixed",
    schedule: Schedule = "scale",
    json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Solve the openness game at one point: G's action, openness, D's performance, utilities.

    Example: moatlab solve --alpha0 0.2 --theta 0.6 --penalty 0.05 --json
    """
    model = _model(alpha0, delta0, c_d, lam, epsilon, kappa0, c_g, f_d, penalty_form)
    if method not in METHODS:
        fail(f"--method = {method!r} is not allowed: must be one of " + ", ".join(METHODS))
    _check_bargaining(bargaining)
    sched = _schedule(schedule, bargaining, alpha0)
    from ..game import solve

    eq = solve(theta=theta, penalty=penalty, method=method, bargaining=bargaining, schedule=sched,
               **model)
    d = eq.to_dict()
    if json:
        keys = ("action", "omega", "omega_free", "alpha1", "U_G", "U_D", "surplus", "penalty_paid",
                "participates", "bargaining", "schedule", "share")
        typer.echo(dumps({k: d[k] for k in keys}))
        return
    stage = "" if bargaining == "fixed" else f", {bargaining} bargaining: {_agreed(eq.schedule, eq.share)}"
    table = Table(title=f"Openness game at θ={theta:g}, p={penalty:g} ({penalty_form}{stage})")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("meaning")
    rows = [
        ("action", eq.action, "G's choice: exit | not_binding | comply | defy"),
        ("omega", eq.omega, "openness released"),
        ("omega_free", eq.omega_free, "openness G would choose without regulation"),
        ("alpha1", eq.alpha1, "fine-tuned performance"),
        ("U_G", eq.U_G, "generalist's utility"),
        ("U_D", eq.U_D, "specialist's utility"),
        ("surplus", eq.surplus, "U_G + U_D"),
        ("penalty_paid", eq.penalty_paid, "regulatory cost paid by G"),
    ]
    for name, val, meaning in rows:
        table.add_row(name, val if isinstance(val, str) else f"{val:.6g}", meaning)
    Console().print(table)


def _agreed(schedule: str, share: float) -> str:
    """The agreed share, named as the schedule names it."""
    return f"δ0 = {share:.4g}" if schedule == "scale" else f"s = {share:.4g} of schedule '{schedule}'"


@app.command("landscape")
def landscape_cmd(
    alpha0: Alpha0 = D["alpha0"],
    delta0: Delta0 = D["delta0"],
    c_d: CD = D["c_d"],
    lam: Lam = D["lam"],
    epsilon: Eps = D["epsilon"],
    kappa0: Kappa0 = D["kappa0"],
    c_g: CG = D["c_g"],
    f_d: FD = D["f_d"],
    penalty_form: PenaltyForm = "lump_sum",
    method: Method = "auto",
    theta_grid: Annotated[str, typer.Option(help="θ grid as START:STOP:NUM")] = "0:1:201",
    penalty_grid: Annotated[str, typer.Option(help="p grid as START:STOP:NUM")] = "0:0.5:201",
    bargaining: Bargaining = "fixed",
    schedule: Schedule = "scale",
    max_solves: MaxSolves = None,
    out: OutDir = default_out("landscape"),
) -> None:
    """Map G's action over a (θ, p) grid; write landscape.nc, landscape.png, indifference.csv.

    Welfare is scored against no_regulation (p = 0; with --bargaining, under the same bargaining
    solution) and against no_exemption (every model pays p), a reference of moatlab's own, not of
    Qiu et al. (2025). With --bargaining the NetCDF file gains the agreed share and the Pareto flags
    against no regulation, and indifference.csv reads the compliance and exit boundaries off the grid.

    Example: moatlab landscape --alpha0 0.05 --theta-grid 0:1:201 --penalty-grid 0:0.5:201 --out out/
    """
    from ..game.landscape import landscape
    from ..plots.game import plot_landscape

    model = _model(alpha0, delta0, c_d, lam, epsilon, kappa0, c_g, f_d, penalty_form)
    if method not in METHODS:
        fail(f"--method = {method!r} is not allowed: must be one of " + ", ".join(METHODS))
    theta = parse_grid("--theta-grid", theta_grid, 0.0, 1.0)
    pen_hi = 1.0 if penalty_form == "turnover" else float("inf")
    penalty = parse_grid("--penalty-grid", penalty_grid, 0.0, pen_hi)
    _check_bargaining(bargaining)
    sched = _schedule(schedule, bargaining, alpha0)
    # validates (the work budget included) before anything is written
    with solves_budget(max_solves):
        ds = landscape(theta, penalty, method=method, bargaining=bargaining, schedule=sched, **model)
    with atomic_dir(out) as tmp:
        ds.to_netcdf(tmp / "landscape.nc")
        fig = plot_landscape(ds)
        fig.savefig(tmp / "landscape.png", dpi=120)
        ds[["p_star", "p_exit"]].to_dataframe().to_csv(tmp / "indifference.csv")
    counts = {a: int((ds["action"] == i).sum()) for i, a in enumerate(("exit", "not_binding",
                                                                         "comply", "defy"))}
    typer.echo(f"wrote {out}/landscape.nc, landscape.png, indifference.csv  "
               f"({ds.sizes['theta']}×{ds.sizes['penalty']} points: "
               + ", ".join(f"{k} {v}" for k, v in counts.items()) + ")")
    if bargaining != "fixed":
        n = int(ds["pareto_strict_no_regulation"].sum())
        agreed = _agreed(ds.attrs["schedule"], ds.attrs["share_no_regulation"])
        typer.echo(f"{bargaining} bargaining: {agreed} without regulation; "
                   f"{n} policies make both G and D strictly better off than no regulation")


@app.command("demo")
def demo_cmd(
    out: OutDir = default_out("demo"),
) -> None:
    """Run the canonical analysis of the openness game and write figures, data and summary.md."""
    from ..demo import run_demo

    with atomic_dir(out) as tmp:
        summary = run_demo(tmp, progress=True)
    typer.echo(summary)
    typer.echo(f"\nwrote {out}/ (summary.md, figures, landscape NetCDF)")
