"""``moatlab safety …``: the safety-floor game (Laufer, Kleinberg, Heidari, "The Backfiring Effect of
Weak AI Safety Regulation")."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from ._common import MaxSolves, OutDir, Table, atomic_dir, default_out, dumps, fail, parse_grid, solves_budget
from .app import app

safety_app = typer.Typer(
    help="The safety-floor game: where should a safety floor bind (generalist, specialist, both)?\n\n"
         "Laufer, Kleinberg and Heidari, The Backfiring Effect of Weak AI Safety Regulation (2025).",
    no_args_is_help=True,
)
app.add_typer(safety_app, name="safety")

#: Bargaining solutions (= moatlab.game.bargaining.SOLUTIONS; not imported: keeps --help fast).
BARGAINING = ("fixed", "vertical_monopoly", "utilitarian", "nash", "egalitarian", "kalai_smorodinsky",
              "max_performance")
#: Most grid points per axis of ``safety map``.
MAX_AXIS = 2001

C0 = Annotated[str, typer.Option("--c0", help="G's cost matrix CAA,CAB,CBB (|CAB| < sqrt(CAA*CBB))")]
C1 = Annotated[str, typer.Option("--c1", help="D's cost matrix CAA,CAB,CBB (|CAB| < sqrt(CAA*CBB))")]
R = Annotated[str, typer.Option("--r", help="revenue weights RA,RB >= 0 of performance and safety")]
Delta = Annotated[float | None, typer.Option("--delta", help="G's revenue share δ in [0, 1] [default: 0.5]")]
Bargaining = Annotated[str | None, typer.Option(
    "--bargaining", help="bargain over δ before G invests: one of " + ", ".join(BARGAINING))]


def _numbers(option: str, text: str, n: int, what: str) -> tuple[float, ...]:
    try:
        vals = tuple(float(x) for x in text.split(","))
        if len(vals) != n:
            raise ValueError
    except ValueError:
        fail(f"{option} = {text!r} is not allowed: must be {what}")
    return vals


def _model(c0: str, c1: str, r: str, delta: float | None, bargaining: str | None) -> dict:
    if delta is not None and bargaining not in (None, "fixed"):
        fail(f"--delta = {delta:g} is not allowed: must be left out with --bargaining {bargaining}")
    if bargaining is not None and bargaining not in BARGAINING:
        fail(f"--bargaining = {bargaining!r} is not allowed: must be one of " + ", ".join(BARGAINING))
    mat = "three numbers CAA,CAB,CBB"
    weights = _numbers("--r", r, 2, "two numbers RA,RB")
    if not all(math.isfinite(w) and w >= 0 for w in weights):
        fail(f"--r = {r!r} is not allowed: must be two finite numbers RA,RB >= 0")
    return dict(c0=_numbers("--c0", c0, 3, mat), c1=_numbers("--c1", c1, 3, mat),
                r=weights, delta=0.5 if delta is None else delta, bargaining=bargaining)


@safety_app.command("solve")
def solve_cmd(
    theta_g: Annotated[float, typer.Option("--theta-g", help="safety floor θ_G >= 0 on G's release")] = 0.0,
    theta_d: Annotated[float, typer.Option("--theta-d", help="safety floor θ_D >= 0 on the product")] = 0.0,
    c0: C0 = "1,0,1",
    c1: C1 = "1,0,1",
    r: R = "1,1",
    delta: Delta = None,
    bargaining: Bargaining = None,
    json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Solve one game: G's release, D's product, utilities, strategies, backfiring, mutualism.

    Example: moatlab safety solve --theta-d 0.45 --json
    """
    from ..safety import solve

    res = solve(theta_g, theta_d, **_model(c0, c1, r, delta, bargaining))
    d = res.to_dict()
    if json:
        typer.echo(dumps(d))
        return
    from rich.console import Console

    table = Table(title=f"safety game at θ_G = {theta_g:g}, θ_D = {theta_d:g} (δ = {res.delta:.4g}, "
                        f"{res.bargaining})")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("without floors", justify="right")
    for k in ("alpha0", "beta0", "alpha1", "beta1", "U_G", "U_D"):
        free = d.get(f"{k}_free")
        table.add_row(k, f"{d[k]:.6g}", "" if free is None else f"{free:.6g}")
    for k in ("G_strategy", "D_strategy", "d_beta1", "backfiring", "mutualism"):
        v = d[k]
        table.add_row(k, f"{v:.6g}" if isinstance(v, float) else str(v), "")
    Console().print(table)


def _axis(option: str, text: str):
    parts = text.split(":")
    if len(parts) == 3:
        try:
            n = int(parts[2])
        except ValueError:
            n = 0
        if n > MAX_AXIS:
            fail(f"{option} = {text!r} is not allowed: must have NUM <= {MAX_AXIS}")
    return parse_grid(option, text, 0.0, float("inf"))


def map_cmd(
    theta_g: Annotated[str, typer.Option("--theta-g", help="θ_G grid as START:STOP:NUM")] = "0:1.25:126",
    theta_d: Annotated[str, typer.Option("--theta-d", help="θ_D grid as START:STOP:NUM")] = "0:2.5:251",
    c0: C0 = "1,0,1",
    c1: C1 = "1,0,1",
    r: R = "1,1",
    delta: Delta = None,
    bargaining: Bargaining = None,
    max_solves: MaxSolves = None,
    out: OutDir = default_out("safety-map"),
) -> None:
    """Map a (θ_G, θ_D) grid: write safety.nc, safety.csv and three figures (PNG).

    Figures: safety-map.png (backfiring / mutualism / abstention regions), safety-investments.png
    (safety of G and D along θ_D at θ_G = 0), safety-utilities.png (attainable (U_G, U_D)).

    Example: moatlab safety map --theta-g 0:1.25:126 --theta-d 0:2.5:251 --out out/
    """
    import numpy as np

    tg = _axis("--theta-g", theta_g)
    td = _axis("--theta-d", theta_d)
    model = _model(c0, c1, r, delta, bargaining)
    from ..plots.safety import plot_safety_investments, plot_safety_map, plot_utility_pairs
    from ..safety import STRATEGIES, grid

    with solves_budget(max_solves):  # validates (the work budget included) before anything is written
        ds = grid(theta_g=tg, theta_d=td, **model)
        line = grid(theta_g=0.0, theta_d=td, **model)
    df = ds.to_dataframe().reset_index()
    for k in ("G_strategy", "D_strategy"):
        df[k] = np.asarray(STRATEGIES, dtype=object)[df[k].to_numpy()]
    cols = ["theta_g", "theta_d", "alpha0", "beta0", "alpha1", "beta1", "U_G", "U_D", "G_strategy",
            "D_strategy", "d_beta1", "backfiring", "mutualism", "delta_used"]
    with atomic_dir(out) as tmp:
        ds.to_netcdf(tmp / "safety.nc")
        df[cols].rename(columns={"delta_used": "delta"}).to_csv(tmp / "safety.csv", index=False)
        for name, fig in (("safety-map.png", plot_safety_map(ds)),
                          ("safety-investments.png", plot_safety_investments(line)),
                          ("safety-utilities.png", plot_utility_pairs(ds))):
            fig.savefig(tmp / name, dpi=120)
            import matplotlib.pyplot as plt

            plt.close(fig)
    n = ds.sizes["theta_g"] * ds.sizes["theta_d"]
    typer.echo(f"wrote {out}/safety.nc, safety.csv, safety-map.png, safety-investments.png, "
               f"safety-utilities.png  ({ds.sizes['theta_g']}×{ds.sizes['theta_d']} games: "
               f"backfiring {int(ds['backfiring'].sum())}, mutualism {int(ds['mutualism'].sum())}, "
               f"no product {int((ds['G_strategy'] == 3).sum())} of {n})")


safety_app.command("map")(map_cmd)
safety_app.command("grid", help="Same as `moatlab safety map` (alias).")(map_cmd)
