"""Figures of claims checks: where a claim holds in its plausible space and what its margin depends on."""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

HOLDS, FAILS = "#2a9d8f", "#e76f51"


def plot_claim(res) -> Figure:
    """One claim: its margin against the most influential parameter (points coloured by whether the
    claim holds there), and the Sobol' indices of the margin with their intervals.

    ``res`` is a :class:`moatlab.claims.ClaimResult`.
    """
    pts, sens = res.points, res.sensitivity
    params = list(res.claim.parameters)
    s1 = sens["S1"] if "S1" in sens else None
    top = str(s1.idxmax()) if s1 is not None and s1.notna().any() else params[0]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.9), layout="constrained",
                                 gridspec_kw={"width_ratios": [1.25, 1]})
    h = pts["holds"].to_numpy().astype(bool)
    for mask, colour, label in ((h, HOLDS, "holds"), (~h, FAILS, "fails")):
        ax.scatter(pts[top][mask], pts["margin"][mask], s=14, color=colour, alpha=0.8,
                   label=f"{label} ({mask.sum()})")
    d = res.claim.defaults.get(top)
    if d is not None:
        ax.axvline(d, color="0.3", ls=":", lw=1, label="default")
    ax.set_xlabel(top)
    ax.set_ylabel("margin")
    ax.legend(fontsize=8, loc="best")
    ax.set_title(f"{res.name} ({res.claim.model}): {res.verdict}, holds on {res.share_holds:.0%} "
                 f"[{res.ci_low:.0%}, {res.ci_high:.0%}]", fontsize=10)
    y = np.arange(len(params))
    cols = [c for c in ("S1", "ST") if c in sens]
    hgt = 0.8 / max(1, len(cols))
    for k, c in enumerate(cols):
        vals = sens[c].reindex(params).to_numpy(float)
        err = sens.get(f"{c}_conf")
        bx.barh(y + (k - (len(cols) - 1) / 2) * hgt, np.nan_to_num(vals), height=hgt,
                xerr=None if err is None else np.nan_to_num(err.reindex(params).to_numpy(float)),
                capsize=2, label={"S1": "first order $S_1$", "ST": "total order $S_T$"}[c])
    bx.set_yticks(y, params)
    bx.axvline(0, color="0.3", lw=0.8)
    bx.set_xlabel("share of the margin's variance")
    if not np.isfinite(sens[cols[0]].to_numpy(float)).any() if cols else True:
        bx.text(0.5, 0.5, "margin constant:\nno indices", transform=bx.transAxes, ha="center", va="center")
    else:
        bx.legend(fontsize=8, loc="lower right")
    bx.set_title("Sobol' indices of the margin", fontsize=10)
    return fig


def plot_summary(results) -> Figure:
    """Every claim's share of its plausible space where it holds, with 95 % intervals and verdicts."""
    n = len(results)
    fig, ax = plt.subplots(figsize=(7, 0.38 * n + 1.4), layout="constrained")
    y = np.arange(n)[::-1]
    colours = {"robust": HOLDS, "fragile": "#e9c46a", "fails at defaults": FAILS}
    for yi, r in zip(y, results, strict=True):
        ax.errorbar(r.share_holds, yi, xerr=[[r.share_holds - r.ci_low], [r.ci_high - r.share_holds]],
                    fmt="o", color=colours[r.verdict], capsize=3)
    ax.set_yticks(y, [f"{r.name} ({r.verdict})" for r in results])
    ax.axvline(0.5, color="0.4", ls=":", lw=1)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("share of the plausible space where the claim holds (95 % interval)")
    return fig
