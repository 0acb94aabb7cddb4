"""Figures of the game family's bargaining stage (matplotlib): one function per figure.

* :func:`plot_shares` — (U_G, U_D) over the share δ of a fine-tuning game, with each bargaining
  solution's δ marked, and the utility-possibility curve with the Pareto-efficient shares.

The models know nothing of plotting; these functions only read their results.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

SOLUTION_STYLE = {
    "vertical_monopoly": ("#e31a1c", "v", "vertical monopoly"),
    "utilitarian": ("#1f78b4", "s", "utilitarian"),
    "nash": ("#33a02c", "o", "Nash"),
    "egalitarian": ("#ff7f00", "D", "egalitarian"),
    "kalai_smorodinsky": ("#6a3d9a", "^", "Kalai–Smorodinsky"),
    "max_performance": ("#b15928", "P", "max performance"),
}


def _pareto_on_curve(ug: np.ndarray, ud: np.ndarray) -> np.ndarray:
    from ..game.bargaining import pareto_mask

    return pareto_mask(ug[None, :], ud[None, :])[0]


def plot_shares(ds: xr.Dataset, marks: dict[str, Any] | None = None, *, title: str | None = None) -> Figure:
    """(U_G, U_D) over δ with the bargaining solutions marked; right: the utility-possibility curve.

    Parameters
    ----------
    ds : xarray.Dataset
        :func:`moatlab.game.finetune.solve_finetune` over ``delta`` (a 1-D sweep).
    marks : dict, optional
        Solution name → :class:`~moatlab.game.finetune.FinetuneEquilibrium` (as
        :func:`moatlab.game.finetune.share_curve` returns).
    title : str, optional
        Figure title.
    """
    delta = ds["delta"].values
    ug, ud = ds["U_G"].values, ds["U_D"].values
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True)
    ax.plot(delta, ug, color="black", lw=2, label="U_G (generalist)")
    ax.plot(delta, ud, color="grey", lw=2, ls="--", label="U_D (specialists)")
    par = _pareto_on_curve(ug, ud)
    bx.plot(ug, ud, color="lightgrey", lw=1.5, zorder=1)
    bx.scatter(ug[par], ud[par], s=8, color="black", zorder=2, label="Pareto-efficient δ (grid)")
    for name, eq in (marks or {}).items():
        colour, marker, label = SOLUTION_STYLE.get(name, ("black", "x", name))
        if not np.isfinite(eq.delta):
            continue
        ax.axvline(eq.delta, color=colour, lw=1, alpha=0.6)
        ax.scatter([eq.delta], [eq.U_G], color=colour, marker=marker, s=50, zorder=3,
                   label=f"{label}: δ = {eq.delta:.3f}")
        ax.scatter([eq.delta], [eq.U_D], color=colour, marker=marker, s=50, zorder=3, facecolors="none")
        bx.scatter([eq.U_G], [eq.U_D], color=colour, marker=marker, s=60, zorder=3, label=label)
    ax.set_xlabel("G's revenue share δ")
    ax.set_ylabel("utility (revenue units)")
    ax.set_title("utilities over the share (filled: U_G, open: U_D)")
    ax.legend(fontsize=7, loc="best")
    bx.set_xlabel("U_G")
    bx.set_ylabel("U_D")
    bx.set_title("utility-possibility curve")
    bx.legend(fontsize=7, loc="best")
    if title:
        fig.suptitle(title)
    return fig
