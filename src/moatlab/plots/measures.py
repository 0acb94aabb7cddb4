"""Figures of the openness of real models: scores by data set, and models placed on the θ axis."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .game import plot_landscape  # noqa: E402

DATASET_COLOURS = {"eosai": "#1f78b4", "eosai-archive": "#a6cee3", "mof": "#33a02c", "fmti": "#ff7f00"}
DATASET_LABEL = {"eosai": "EOSAI index openness", "eosai-archive": "EOSAI (archived) openness",
                 "mof": "MOF share of components open",
                 "fmti": "FMTI transparency"}


def plot_scores(table: Any, ax: plt.Axes | None = None) -> Figure:
    """Distribution of the scores of real models, one row of points per data set.

    ``table`` is a result of :func:`moatlab.measures.openness_table`.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(8.0, 3.6), layout="constrained")
    else:
        fig = ax.figure
    names = [d for d in DATASET_COLOURS if d in set(table["dataset"])]
    rng = np.random.default_rng(0)  # jitter for display only
    for i, d in enumerate(names):
        s = table.loc[table["dataset"] == d, "score"].dropna().to_numpy()
        ax.scatter(s, i + rng.uniform(-0.18, 0.18, s.size), s=14, alpha=0.7, color=DATASET_COLOURS[d])
        if s.size:
            ax.plot([np.median(s)] * 2, [i - 0.3, i + 0.3], color="black", lw=2)
    ax.set_yticks(range(len(names)), [f"{DATASET_LABEL[d]}\n(n = {int(table['dataset'].eq(d).sum())})"
                                      for d in names])
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("score (black bar: median)")
    ax.set_title("How open (or transparent) are real models?", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return fig


def plot_theta_axis(table: Any, exempt: xr.Dataset, landscape: xr.Dataset | None = None,
                    theta: float | None = None) -> Figure:
    """Real models on the game's θ axis: share of each data set's models a threshold θ exempts.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`moatlab.measures.openness_table`.
    exempt : xarray.Dataset
        From :func:`moatlab.measures.exemptions`.
    landscape : xarray.Dataset, optional
        A game landscape drawn above on the same θ axis.
    theta : float, optional
        A threshold to mark, with the models it exempts counted in the legend.
    """
    rows = 2 if landscape is not None else 1
    fig, axes = plt.subplots(rows, 1, figsize=(9.0, 4.0 + 3.6 * (rows - 1)), layout="constrained",
                             sharex=True, squeeze=False, height_ratios=[1.3, 1][:rows] if rows == 2 else None)
    if landscape is not None:
        plot_landscape(landscape, ax=axes[0, 0])
        axes[0, 0].set_xlabel("")
    ax = axes[-1, 0]
    th = exempt["theta"].values
    for d in exempt["dataset"].values:
        share = exempt["share"].sel(dataset=d).values
        n = int(exempt["scored"].sel(dataset=d))
        label = f"{DATASET_LABEL.get(str(d), d)} (n = {n})"
        if theta is not None:
            k = int(((table["dataset"] == d) & (table["score"] >= theta)).sum())
            label += f": {k} exempt at θ = {theta:g}"
        ax.step(th, share, where="post", lw=2, color=DATASET_COLOURS.get(str(d)), label=label)
        s = table.loc[table["dataset"] == d, "score"].dropna().to_numpy()
        ax.plot(s, np.full(s.size, -0.04), "|", ms=10, color=DATASET_COLOURS.get(str(d)), alpha=0.6)
    if theta is not None:
        ax.axvline(theta, color="black", ls=":", lw=1.5)
    ax.set_ylim(-0.08, 1.02)
    ax.set_xlim(0, 1)
    ax.set_xlabel("open-source threshold θ (a model is exempt when its score >= θ); ticks: models")
    ax.set_ylabel("share of models exempt")
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)
    ax.set_title("Which real models would a threshold θ exempt?", fontsize=10)
    return fig
