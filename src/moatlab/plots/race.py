"""Figures of the race model (matplotlib); each takes results and returns the Figure."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def _ax(ax, size=(6.6, 4.4)):
    if ax is None:
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        return fig, ax
    return ax.figure, ax


def plot_revenue_vs_open(ds: xr.Dataset, ax: plt.Axes | None = None) -> Figure:
    """Closed-lab revenue (and with the upgrade, if swept) against open compute, log x-axis.

    ``ds`` from :func:`moatlab.race.sweep` with ``open_compute``.
    """
    fig, ax = _ax(ax)
    x = ds["open_compute"].values
    rev = ds["revenue"]
    if "upgrade_to" in rev.dims:
        rev = rev.isel(upgrade_to=0)
    ax.plot(x, rev, lw=2, label="revenue without upgrade")
    if "sd_revenue" in ds:
        sd = (
            ds["sd_revenue"].isel(upgrade_to=0) if "upgrade_to" in ds["sd_revenue"].dims else ds["sd_revenue"]
        )
        ax.fill_between(x, rev - sd, rev + sd, alpha=0.2, label="± 1 sd over draws")
    if "revenue_with" in ds:
        for z in ds["upgrade_to"].values:
            ax.plot(
                x, ds["revenue_with"].sel(upgrade_to=z), lw=2, ls="--", label=f"with upgrade to z = {z:.3g}"
            )
    ax.set_xscale("log")
    ax.set_xlabel("open-frontier compute x (log scale)")
    ax.set_ylabel("revenue over the horizon")
    ax.set_title(
        f"A better open model lowers closed revenue (n = {ds.attrs.get('n'):g}, "
        f"m = {ds.attrs.get('m')} days)",
        fontsize=10,
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_upgrade_heatmap(ds: xr.Dataset, z: float | None = None, ax: plt.Axes | None = None) -> Figure:
    """Upgrade value V over (open release size x′, release day k); ``ds`` from a sweep with
    ``open_upgrade``, ``release_day`` and ``upgrade_to``."""
    fig, ax = _ax(ax, (7.2, 4.6))
    v = ds["value"]
    if "upgrade_to" in v.dims:
        v = v.sel(upgrade_to=z, method="nearest") if z is not None else v.isel(upgrade_to=0)
        z = float(v["upgrade_to"])
    vals = v.transpose("release_day", "open_upgrade").values
    lim = float(np.nanmax(np.abs(vals))) or 1.0
    mesh = ax.pcolormesh(
        ds["open_upgrade"],
        ds["release_day"],
        vals,
        shading="nearest",
        cmap="RdBu",
        norm=TwoSlopeNorm(0.0, -lim, lim),
    )
    if np.nanmin(vals) < 0 < np.nanmax(vals):
        ax.contour(ds["open_upgrade"], ds["release_day"], vals, levels=[0.0], colors="black", linewidths=1.5)
    fig.colorbar(mesh, ax=ax, label="upgrade value V (black: V = 0)")
    ax.set_xscale("log")
    ax.set_xlabel("open release compute x′ (log scale)")
    ax.set_ylabel("open release day k")
    ax.set_title(f"Value of upgrading to z = {z:.3g}: a bigger, earlier open release lowers it", fontsize=10)
    return fig


def plot_zstar_components(ds: xr.Dataset, ax: plt.Axes | None = None) -> Figure:
    """z* against the open release size: one panel per preset, the model as given in grey.

    Small multiples, so that a preset whose curve equals the model's is still seen (its panel
    says so) instead of lying hidden under it. ``ds`` from :func:`moatlab.race.component_effects`,
    whose first row is the model as given ("core" when it has no component). ``ax`` is accepted
    for a single-axes layout only when there is at most one preset.
    """
    x = ds["open_upgrade"].values
    labels = list(ds["component"].values)
    base_label, comps = labels[0], labels[1:]
    core = ds["z_star"].sel(component=base_label).values
    if ax is not None and len(comps) <= 1:
        fig, axes = ax.figure, [ax]
    else:
        ncols = min(3, max(1, len(comps)))
        nrows = -(-max(1, len(comps)) // ncols)
        fig, grid = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, 2.7 * nrows + 0.6), squeeze=False,
                                 sharex=True, sharey=True, layout="constrained")
        axes = list(grid.ravel())
        for extra in axes[len(comps):]:
            extra.set_visible(False)
    for i, (a, c) in enumerate(zip(axes, comps or [base_label], strict=False)):
        zs = ds["z_star"].sel(component=c).values
        holds = bool(ds["conclusion_holds"].sel(component=c))
        if core is not None:
            a.plot(x, core, lw=2.6, color="0.7", label=str(base_label))
        same = core is not None and np.allclose(zs, core, equal_nan=True)
        a.plot(x, zs, lw=1.6, color=f"C{i}", ls="-" if holds else "--", marker=None if holds else "o",
               ms=3, label=str(c))
        verdict = "z* rises: conclusion flips" if not holds else ("same as grey" if same else "holds")
        a.set_title(textwrap.fill(str(c), 42) + f"\n{verdict}", fontsize=7.5,
                    color="firebrick" if not holds else "black")
        a.set_xscale("log")
        a.set_yscale("log")
        a.grid(alpha=0.3, which="both")
    fig.supxlabel("open release compute x′ (log scale)", fontsize=9)
    fig.supylabel("optimal closed upgrade z* (log; gap: no upgrade pays)", fontsize=9)
    fig.suptitle(
        f"Does a better open model make the lab race harder? Grey: {base_label} (open release on day "
        f"{ds.attrs.get('release_day')})",
        fontsize=10,
    )
    return fig


def plot_daily_revenue(daily: np.ndarray, ax: plt.Axes | None = None) -> Figure:
    """Revenue per day over the horizon."""
    fig, ax = _ax(ax)
    ax.step(np.arange(daily.size), daily, where="post", lw=2)
    ax.set_xlabel("day")
    ax.set_ylabel("revenue per day")
    ax.set_title("Closed-lab revenue over time", fontsize=10)
    ax.grid(alpha=0.3)
    return fig


def plot_equilibrium(ds: xr.Dataset, ax: plt.Axes | None = None) -> Figure:
    """Each lab's equilibrium upgrade z*_k against the open release size x′ (log-log), with lab 0
    alone for comparison; shaded where no pure equilibrium exists (red) or several do (amber).

    ``ds`` from :func:`moatlab.race.equilibrium_sweep`.
    """
    fig, ax = _ax(ax, (7.0, 4.6))
    x = ds["open_upgrade"].values
    if "z_single" in ds:
        ax.plot(x, ds["z_single"].values, color="0.55", lw=3.2, label="lab 0 alone (no strategic rival)")
    for i, lab in enumerate(ds["lab"].values):
        z = ds["z_star"].sel(lab=lab).values
        ax.plot(x, z, lw=1.8, color=f"C{i}", marker="o", ms=2.5, ls=["-", "--", ":", "-."][i % 4],
                label=f"{lab}{' (from open weights)' if _from_open(ds, i) else ''}")
    edges = np.sqrt(x[1:] * x[:-1]) if x.size > 1 else x
    lo = np.concatenate([[x[0]], edges])
    hi = np.concatenate([edges, [x[-1]]])
    n_eq = ds["n_equilibria"].values
    for j in range(x.size):
        if n_eq[j] == 0:
            ax.axvspan(lo[j], hi[j], color="firebrick", alpha=0.18, lw=0)
        elif not bool(ds["unique"].values[j]):
            ax.axvspan(lo[j], hi[j], color="orange", alpha=0.10, lw=0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    zs = np.concatenate([ds["z_star"].values.ravel(), ds["z_single"].values if "z_single" in ds else []])
    zs = zs[np.isfinite(zs)]
    if zs.size and zs.max() / zs.min() < 10:  # a near-flat curve: show it against a decade or two
        ax.set_ylim(zs.min() / 4, zs.max() * 4)
    ax.set_xlabel("open release compute x′ (log scale)")
    ax.set_ylabel("equilibrium upgrade z*_k (log; gap: no upgrade)")
    holds = bool(ds.attrs.get("conclusion_holds", 1))
    mode = {"nash": "simultaneous (Nash)", "leader": "leader–follower"}.get(ds.attrs.get("game_mode"), "")
    ax.set_title(
        f"{ds.sizes['lab']} strategic labs, {mode}: the largest upgrade "
        + ("never rises with x′" if holds else "rises with x′ somewhere (conclusion flips)")
        + "\nred: no pure equilibrium; amber: several (the first listed is drawn)",
        fontsize=9, color="black" if holds else "firebrick",
    )
    ax.legend(fontsize=7.5)
    ax.grid(alpha=0.3, which="both")
    return fig


def _from_open(ds: xr.Dataset, i: int) -> bool:
    flags = str(ds.attrs.get("from_open", "")).split(",")
    return i < len(flags) and flags[i] == "1"
