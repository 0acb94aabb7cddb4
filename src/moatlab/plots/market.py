"""Figures of the market simulator (matplotlib); each function returns its Figure."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402

LABELS = {
    "hhi": "HHI of foundation-layer revenue",
    "active": "active foundation-model firms",
    "open_share": "share of downstream products on open bases",
    "consumer_surplus": "quality-adjusted user surplus ($B/month)",
    "frontier": "frontier capability (log-compute)",
    "growth": "innovation: frontier growth per month",
    "derivatives": "downstream products on open bases",
    "incumbent_share": "incumbents' share of revenue",
    "entries": "entries",
    "exits": "exits",
    "downstream_quality": "mean downstream quality",
    "open_firms": "firms releasing open weights",
    "adoptions": "adoptions of open bases",
    "lineage_share": "start-up and academic models on the open giant's or leaked lineage",
    "lineage_products": "downstream products on the open giant's or leaked lineage",
    "price": "mean API price (margin)",
    "qa_price": "price per unit of capability",
    "frontier_firms": "firms at the frontier (within ×3.16 of the largest compute)",
    "outside_share": "users' share of the outside option",
}


#: reference lines on HHI axes: where US merger guidelines call a market highly concentrated
HHI_2010 = "2,500: highly concentrated (US merger guidelines 2010)"
HHI_2023 = "1,800: highly concentrated (US merger guidelines 2023)"


def plot_bands(ds: xr.Dataset, metrics: Sequence[str] = ("hhi", "active", "open_share"), level: float = 0.95):
    """One panel per metric: the ensemble mean per scenario over time with its confidence band.

    The HHI panel marks 2,500 (the conventional 'highly concentrated') and 1,800 (the 2023 US Merger
    Guidelines' 'highly concentrated').
    """
    from ..market.ensemble import bands

    b = bands(ds[list(metrics)], level)
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 4.2), squeeze=False)
    t = ds.period.values
    for ax, m in zip(axes[0], metrics, strict=True):
        for sc in ds.scenario.values:
            line = ax.plot(t, b[m].sel(scenario=sc), lw=1.6, label=str(sc))[0]
            ax.fill_between(
                t,
                b[f"{m}_lo"].sel(scenario=sc),
                b[f"{m}_hi"].sel(scenario=sc),
                color=line.get_color(),
                alpha=0.2,
            )
        if m == "hhi":
            ax.axhline(2500, color="k", ls="--", lw=0.8, label=HHI_2010)
            ax.axhline(1800, color="k", ls=":", lw=0.8, label=HHI_2023)
            ax.set_ylim(0, 10_000)
            ax.legend(fontsize=7, loc="best")
        ax.set_xlabel("month")
        ax.set_title(LABELS.get(m, m), fontsize=10)
        ax.grid(alpha=0.3)
    if metrics[0] != "hhi":
        axes[0][0].legend(fontsize=8, loc="best")
    fig.suptitle(
        f"ensemble means with {level:.0%} bands ({ds.sizes['seed']} seeds per scenario)", fontsize=10
    )
    fig.tight_layout()
    return fig


def plot_compare(
    summary: pd.DataFrame, metrics: Sequence[str] = ("hhi", "open_share", "consumer_surplus", "growth")
):
    """Bars of each scenario's mean with its confidence interval, one panel per metric."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.4 * len(metrics), 4.4), squeeze=False)
    for ax, m in zip(axes[0], metrics, strict=True):
        d = summary[summary.metric == m]
        y = np.arange(len(d))
        ax.barh(y, d["mean"], xerr=[d["mean"] - d["lo"], d["hi"] - d["mean"]], color="tab:blue", alpha=0.75)
        ax.set_yticks(y, d["scenario"], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(LABELS.get(m, m), fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        if m == "hhi":
            ax.axvline(2500, color="k", ls="--", lw=0.8, label=HHI_2010)
            ax.axvline(1800, color="k", ls=":", lw=0.8, label=HHI_2023)
            ax.legend(fontsize=7, loc="best")
    fig.suptitle("scenario means (later half of each run; 95% CI over seeds)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_innovation(rm: xr.Dataset, field: str = "appropriability", level: float = 0.95):
    """Innovation against competition intensity for a one-parameter sweep (:func:`market.ensemble.sweep`).

    For ``appropriability`` the x axis is the competition intensity 1 − a (knowledge leaks faster);
    a second panel shows the measured concentration (1 − HHI/10,000) along the same sweep.
    """
    from scipy import stats

    x = rm[field].values.astype(float)
    xlab = field
    if field == "appropriability":
        x, xlab = 1.0 - x, "knowledge-flow intensity 1 − appropriability"
    elif field == "competition":
        xlab = "competition κ_c (share of rents lost to a neck-and-neck rival)"
    n = rm.sizes["seed"]
    t = float(stats.t.ppf(0.5 + level / 2, n - 1)) if n > 1 else 0.0
    g = rm["growth"]
    mean, half = g.mean("seed").values, t * g.std("seed", ddof=1).values / np.sqrt(n)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10.5, 4.2))
    a1.errorbar(x, mean, yerr=half, marker="o", capsize=3)
    k = int(np.argmax(mean))
    a1.plot(x[k], mean[k], "r*", ms=14, label=f"maximum at {xlab.split()[0]} {x[k]:.2f}")
    a1.set_xlabel(xlab)
    a1.set_ylabel(LABELS["growth"])
    a1.legend(fontsize=8)
    a1.grid(alpha=0.3)
    a1.set_title("innovation vs competition", fontsize=10)
    comp = 1 - rm["hhi"] / 10_000
    a2.errorbar(x, comp.mean("seed"), yerr=t * comp.std("seed", ddof=1) / np.sqrt(n), marker="s", capsize=3)
    a2.set_xlabel(xlab)
    a2.set_ylabel("measured competition 1 − HHI/10,000")
    a2.grid(alpha=0.3)
    a2.set_title("the sweep does change competition", fontsize=10)
    fig.suptitle(f"{n} seeds per point, {level:.0%} CI", fontsize=10)
    fig.tight_layout()
    return fig
