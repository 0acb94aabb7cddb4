"""Figures of the safety-floor game (Laufer, Kleinberg, Heidari, "The Backfiring Effect of Weak AI
Safety Regulation"): the (θ_G, θ_D) map, safety investments along θ_D, attainable utilities.

Each function takes a result of :func:`moatlab.safety.grid` and returns a matplotlib Figure.
Colours are the Okabe–Ito palette (safe for colour-blind readers), and every region also has
its own hatching, so the maps read in greyscale too.
"""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

__all__ = ["REGIONS", "plot_safety_investments", "plot_safety_map", "plot_utility_pairs", "regions"]

#: Region name → (colour, hatch), in code order (see :func:`regions`).
REGIONS = {
    "no change": ("#FFFFFF", ""),
    "regulated, neither": ("#56B4E9", ""),          # sky blue
    "backfiring": ("#D55E00", "xx"),                # vermillion
    "mutualism": ("#009E73", "//"),                 # bluish green
    "backfiring and mutualism": ("#CC79A7", "++"),  # reddish purple
    "no product (abstention)": ("#999999", ".."),   # grey
}


def regions(ds: xr.Dataset) -> np.ndarray:
    """Region code per game: index into :data:`REGIONS`."""
    bf = ds["backfiring"].values.astype(bool)
    mu = ds["mutualism"].values.astype(bool)
    none = ds["G_strategy"].values == 3
    ug0, ud0 = ds["U_G_free"].values, ds["U_D_free"].values
    same = (np.abs(ds["U_G"].values - ug0) <= 1e-9 * (1 + np.abs(ug0))) & \
        (np.abs(ds["U_D"].values - ud0) <= 1e-9 * (1 + np.abs(ud0)))
    code = np.where(same, 0, 1)
    code = np.where(bf, 2, code)
    code = np.where(mu, 3, code)
    code = np.where(bf & mu, 4, code)
    return np.where(none, 5, code)


def _params_title(ds: xr.Dataset) -> str:
    a = ds.attrs
    parts = []
    for m in ("c0", "c1"):
        if all(f"{m}_{k}" in a for k in ("aa", "ab", "bb")):
            parts.append(f"C{m[1]}=({a[f'{m}_aa']:g},{a[f'{m}_ab']:g},{a[f'{m}_bb']:g})")
    if "r_a" in a and "r_b" in a:
        parts.append(f"r=({a['r_a']:g},{a['r_b']:g})")
    if a.get("bargaining", "fixed") != "fixed":
        parts.append(f"δ: {a['bargaining']} bargaining")
    elif "delta" in a:
        parts.append(f"δ={a['delta']:g}")
    return ", ".join(parts)


def plot_safety_map(ds: xr.Dataset, ax: plt.Axes | None = None) -> Figure:
    """The (θ_G, θ_D) map: where a floor backfires, where it helps both players, where nobody
    releases. ``ds`` has the dimensions ``theta_g`` and ``theta_d`` (and no other)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(8.6, 5.6), layout="constrained")
    else:
        fig = ax.figure
    ds = ds.transpose("theta_g", "theta_d")
    tg, td = ds["theta_g"].values, ds["theta_d"].values
    code = regions(ds)
    names = list(REGIONS)
    handles = []
    for k, name in enumerate(names):
        mask = code == k
        if not mask.any():
            continue
        colour, hatch = REGIONS[name]
        ax.contourf(tg, td, mask.T.astype(float), levels=[0.5, 1.5], colors=[colour], hatches=[hatch])
        handles.append(Patch(facecolor=colour, hatch=hatch, edgecolor="black", label=name))
    ax.set_xlim(tg.min(), tg.max())
    ax.set_ylim(td.min(), td.max())
    ax.set_xlabel("θ_G: safety floor on the generalist's release (β0 ≥ θ_G)")
    ax.set_ylabel("θ_D: safety floor on the final product (β1 ≥ θ_D)")
    ax.set_title("Where safety floors backfire or help both players\n" + _params_title(ds), fontsize=10)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              title="outcome vs no regulation", title_fontsize=8)
    return fig


def plot_safety_investments(ds: xr.Dataset, ax: plt.Axes | None = None) -> Figure:
    """Safety invested by G (β0) and added by D (β1 − β0) along θ_D, with the unregulated final
    safety for reference. ``ds`` has the dimension ``theta_d``; if it also has ``theta_g``, the
    column nearest θ_G = 0 is shown."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(8.0, 4.6), layout="constrained")
    else:
        fig = ax.figure
    tgv = 0.0
    if "theta_g" in ds.dims:
        ds = ds.sel(theta_g=0.0, method="nearest")
        tgv = float(ds["theta_g"])
    elif "theta_g" in ds.attrs:
        tgv = float(ds.attrs["theta_g"])
    td = ds["theta_d"].values
    b0, b1 = ds["beta0"].values, ds["beta1"].values
    ax.plot(td, b0, color="#0072B2", lw=2, label="G's safety β0")
    ax.plot(td, b1 - b0, color="#E69F00", lw=2, ls="--", label="D's added safety β1 − β0")
    ax.plot(td, b1, color="black", lw=1.5, label="final safety β1")
    ax.plot(td, ds["beta1_free"].values, color="#999999", lw=1, ls=":", label="final safety without floors")
    bf = ds["backfiring"].values.astype(bool)
    if bf.any():
        ax.fill_between(td, 0, 1, where=bf, transform=ax.get_xaxis_transform(), facecolor="#D55E00",
                        alpha=0.15, hatch="xx", edgecolor="#D55E00", label="backfiring")
    none = ds["G_strategy"].values == 3
    if none.any():
        ax.fill_between(td, 0, 1, where=none, transform=ax.get_xaxis_transform(), facecolor="#999999",
                        alpha=0.25, hatch="..", edgecolor="#666666", label="no product")
    ax.set_xlabel("θ_D: safety floor on the final product")
    ax.set_ylabel("safety")
    ax.set_title(f"Safety investments along θ_D (θ_G = {tgv:g})\n" + _params_title(ds), fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def plot_utility_pairs(ds: xr.Dataset, ax: plt.Axes | None = None) -> Figure:
    """Attainable (U_G, U_D) pairs over the grid's floors, coloured by region, with the
    no-regulation point marked."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.4, 5.4), layout="constrained")
    else:
        fig = ax.figure
    code = regions(ds).ravel()
    ug, ud = ds["U_G"].values.ravel(), ds["U_D"].values.ravel()
    for k, name in enumerate(REGIONS):
        m = code == k
        if not m.any():
            continue
        colour, _ = REGIONS[name]
        ax.scatter(ug[m], ud[m], s=6, color=colour if colour != "#FFFFFF" else "#000000",
                   marker="os^DvX"[k], label=name, alpha=0.6, linewidths=0, rasterized=True)
    ug0, ud0 = float(np.ravel(ds["U_G_free"].values)[0]), float(np.ravel(ds["U_D_free"].values)[0])
    ax.scatter([ug0], [ud0], s=90, marker="*", color="black", label="no regulation", zorder=5)
    ax.axvline(ug0, color="black", lw=0.6, ls=":")
    ax.axhline(ud0, color="black", lw=0.6, ls=":")
    ax.set_xlabel("U_G (generalist)")
    ax.set_ylabel("U_D (specialist)")
    ax.set_title("Attainable utilities over the floors (θ_G, θ_D)\n" + _params_title(ds), fontsize=10)
    ax.legend(fontsize=8, markerscale=2, loc="best")
    return fig
