"""Figures of sweeps: sensitivity indices (tornado), Pareto fronts of policies, PRIM trade-offs."""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..sweep.discovery import PrimResult  # noqa: E402
from ..sweep.policy import PolicyResult  # noqa: E402
from ..sweep.sensitivity import SensitivityResult  # noqa: E402


def plot_sensitivity(res: SensitivityResult, ax=None) -> Figure:
    """Tornado of Sobol' first/total-order indices (or Morris μ*, σ) with confidence intervals."""
    t = res.table
    if res.method == "sobol":
        t = t.sort_values("ST")
        bars = [
            ("ST", "ST_conf", "total order $S_T$", "#1f77b4"),
            ("S1", "S1_conf", "first order $S_1$", "#ff7f0e"),
        ]
        xlabel = f"share of Var({res.outcome})"
    else:
        t = t.sort_values("mu_star")
        bars = [
            ("mu_star", "mu_star_conf", "μ* (mean |effect|)", "#1f77b4"),
            ("sigma", None, "σ (interactions)", "#ff7f0e"),
        ]
        xlabel = f"elementary effect on {res.outcome}"
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(t) + 1.6), layout="constrained")
    else:
        fig = ax.figure
    y = np.arange(len(t))
    h = 0.38
    for k, (col, conf, label, color) in enumerate(bars):
        err = t[conf].to_numpy() if conf else None
        ax.barh(
            y + (0.5 - k) * h,
            t[col].to_numpy(),
            height=h,
            xerr=err,
            color=color,
            label=label,
            capsize=3,
            error_kw={"elinewidth": 1},
        )
    ax.set_yticks(y, t.index)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel(xlabel)
    lvl = f"{res.conf_level:.0%} bootstrap intervals"
    ax.set_title(
        f"{res.method.capitalize()} sensitivity of {res.outcome} ({res.evaluations:,} runs; {lvl})",
        fontsize=10,
    )
    ax.legend(loc="lower right", fontsize=8)
    return fig


def plot_pareto(res: PolicyResult, ax=None) -> Figure:
    """Every policy evaluated (grey: infeasible), feasible ones coloured by θ, the Pareto front."""
    if res.second is None:
        raise ValueError("the search had one objective: pass second=... for a Pareto front")
    c = res.candidates
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.6), layout="constrained")
    else:
        fig = ax.figure
    f = c["feasible"].to_numpy()
    ax.scatter(
        c.loc[~f, res.objective], c.loc[~f, res.second], s=8, color="0.8", label="violates a constraint"
    )
    sc = ax.scatter(
        c.loc[f, res.objective],
        c.loc[f, res.second],
        s=10,
        c=c.loc[f, "theta"],
        cmap="viridis",
        label="feasible",
    )
    fr = res.front
    ax.plot(fr[res.objective], fr[res.second], "-o", color="crimson", ms=4, lw=1.5, label="Pareto front")
    if res.best:
        ax.scatter(
            [res.best[res.objective]],
            [res.best[res.second]],
            marker="*",
            s=220,
            color="gold",
            edgecolor="k",
            zorder=5,
            label=f"best E[{res.objective}]: θ={res.best['theta']:.3f}, p={res.best['penalty']:.3f}",
        )
    fig.colorbar(sc, ax=ax, label="threshold θ")
    ax.set_xlabel(f"E[{res.objective}]")
    ax.set_ylabel(f"E[{res.second}]")
    cons = ", ".join(f"P({k}) ≤ {v:g}" for k, v in res.constraints.items()) or "no constraints"
    ax.set_title(f"Policies (θ, p) over {res.draws} parameter draws; {cons}", fontsize=10)
    ax.legend(fontsize=7, loc="best")
    return fig


def plot_prim(res: PrimResult, ax=None) -> Figure:
    """PRIM peeling trajectory: coverage vs density, coloured by the number of restricted parameters."""
    tr = res.trajectory
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.6, 4.8), layout="constrained")
    else:
        fig = ax.figure
    sc = ax.scatter(tr["coverage"], tr["density"], c=tr["res_dim"], cmap="plasma", s=14)
    ax.scatter(
        [res.coverage],
        [res.density],
        marker="*",
        s=200,
        color="gold",
        edgecolor="k",
        zorder=5,
        label="chosen box: "
        + ", ".join(f"{p} ∈ [{r['min']:.3g}, {r['max']:.3g}]" for p, r in res.limits.iterrows()),
    )
    fig.colorbar(sc, ax=ax, label="parameters restricted")
    ax.set_xlabel("coverage (share of cases in the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.set_title(f"PRIM boxes for '{res.outcome}' (base rate {res.base_rate:.2f})", fontsize=10)
    # below the axes, so that it never covers the chosen box
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    return fig
