"""Figures (matplotlib): one function per figure; each takes results and returns the Figure.

The models know nothing of plotting; these functions only read their results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.colors import BoundaryNorm, ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ..game.params import PARAMETERS  # noqa: E402
from ..game.solver import ACTIONS  # noqa: E402

ACTION_COLOURS = {"exit": "#9e9e9e", "not_binding": "#a6cee3", "comply": "#33a02c", "defy": "#fb9a99"}
PENALTY_LABEL = {
    "lump_sum": "penalty p (lump sum, revenue units)",
    "turnover": "penalty p (share of G's revenue)",
    "shortfall": "penalty p (per unit of openness shortfall)",
}


def _fixed_title(attrs: dict[str, Any], skip: Sequence[str] = ()) -> str:
    parts = [f"{PARAMETERS[k].symbol}={attrs[k]:g}" for k in PARAMETERS if k in attrs and k not in skip]
    return ", ".join(parts)


def plot_landscape(ds: xr.Dataset, ax: plt.Axes | None = None, *, show_pareto: bool = True) -> Figure:
    """The (θ, p) map: regions by G's action, indifference curve, exit boundary.

    Parameters
    ----------
    ds : xarray.Dataset
        A result of :func:`moatlab.game.landscape.landscape`.
    show_pareto : bool
        Hatch the policies that are strict Pareto improvements over ``no_exemption``.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(9.0, 5.4), layout="constrained")
    else:
        fig = ax.figure
    cmap = ListedColormap([ACTION_COLOURS[a] for a in ACTIONS])
    norm = BoundaryNorm(np.arange(-0.5, 4.5), cmap.N)
    th, pe = ds["theta"].values, ds["penalty"].values
    ax.pcolormesh(th, pe, ds["action"].values.T, cmap=cmap, norm=norm, shading="nearest",
                  rasterized=True)
    handles = [Patch(color=ACTION_COLOURS[a], label=a.replace("_", " "))
               for a in ACTIONS if (ds["action"].values == ACTIONS.index(a)).any()]
    if np.isfinite(ds["p_star"]).any():
        (line,) = ax.plot(th, ds["p_star"], color="black", lw=2, label="indifference curve p*(θ)")
        handles.append(line)
    if np.isfinite(ds["p_exit"]).any():
        (line,) = ax.plot(th, ds["p_exit"], color="black", lw=2, ls="--", label="exit boundary")
        handles.append(line)
    if show_pareto and "pareto_strict_no_exemption" in ds and ds["pareto_strict_no_exemption"].any():
        ax.contourf(th, pe, ds["pareto_strict_no_exemption"].values.T, levels=[0.5, 1.5],
                    colors="none", hatches=["//"])
        handles.append(Patch(facecolor="none", hatch="//", edgecolor="black",
                             label="Pareto improving vs no exemption"))
    ax.set_xlim(th.min(), th.max())
    ax.set_ylim(pe.min(), pe.max())
    ax.set_xlabel("open-source threshold θ (openness required: 0 = API only, 1 = fully open)")
    ax.set_ylabel(PENALTY_LABEL.get(ds.attrs.get("penalty_form", "lump_sum"), "penalty p"))
    ax.set_title("Regulatory landscape: G's action\n" + _fixed_title(ds.attrs), fontsize=10)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              title="G's action", title_fontsize=8)
    return fig


def plot_omega_free(ds: xr.Dataset, ax: plt.Axes | None = None) -> Figure:
    """G's unregulated openness ω_free against α0, one line per value of ε.

    ``ds`` is a result of :func:`moatlab.game.solve` swept over ``alpha0`` and ``epsilon``.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    else:
        fig = ax.figure
    eps = ds["epsilon"].values if "epsilon" in ds.dims else [ds.attrs.get("epsilon", 0.0)]
    for e in eps:
        line = ds["omega_free"].sel(epsilon=e) if "epsilon" in ds.dims else ds["omega_free"]
        ax.plot(ds["alpha0"], line, lw=2, label=f"ε = {e:g}")
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("baseline performance α0 (log scale)")
    ax.set_ylabel("unregulated openness ω_free")
    ax.set_title("Without regulation, better models stay closed\n"
                 + _fixed_title(ds.attrs, skip=("theta", "penalty")), fontsize=10)
    ax.legend(title="reputational benefit")
    ax.grid(alpha=0.3)
    return fig


def plot_penalty_needed(ds: xr.Dataset, theta: float, ax: plt.Axes | None = None) -> Figure:
    """Penalty needed for compliance at threshold θ against α0 (``ds`` from
    :func:`moatlab.game.landscape.compliance_penalty`)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    else:
        fig = ax.figure
    ax.plot(ds["alpha0"], ds["p_star"], lw=2, color="#33a02c")
    ax.set_xscale("log")
    ax.set_xlabel("baseline performance α0 (log scale)")
    ax.set_ylabel("least penalty for compliance p*")
    ax.set_title(f"Penalty needed to make G comply at θ = {theta:g}", fontsize=10)
    ax.grid(alpha=0.3)
    return fig
