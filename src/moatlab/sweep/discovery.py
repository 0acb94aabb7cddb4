"""Scenario discovery: which parameter ranges produce a binary outcome (e.g. "G defies")?

PRIM (Friedman & Fisher 1999, as implemented in the EMA Workbench) peels a box in parameter
space, trading *coverage* (the share of all cases of interest that fall in the box) against
*density* (the share of cases in the box that are of interest). Along the peeling trajectory we
choose the box of largest coverage whose density reaches ``threshold`` or, when none does,
the densest box (``threshold_met`` is then False); we report its limits on the parameters it
restricts, and the whole trajectory for a trade-off figure.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from .space import SpecError


@dataclass(frozen=True)
class PrimResult:
    """A PRIM box: ``limits`` (parameter → min, max; only restricted ones), coverage, density,
    ``mass`` (share of all samples in the box) and the peeling ``trajectory``."""

    outcome: str
    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    base_rate: float
    trajectory: pd.DataFrame
    threshold: float = 0.8
    threshold_met: bool = True

    def to_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "base_rate": self.base_rate,
            "threshold": self.threshold,
            "threshold_met": self.threshold_met,
            "limits": self.limits.reset_index().to_dict("records"),
        }


def discover(
    ds: xr.Dataset | pd.DataFrame,
    outcome: str,
    *,
    parameters: list[str] | None = None,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
) -> PrimResult:
    """Find a PRIM box of parameter ranges where ``outcome`` (0/1) is mostly 1.

    Parameters
    ----------
    ds : xarray.Dataset or pandas.DataFrame
        A sampled sweep (dimension ``sample``, parameters as variables) or a table.
    outcome : str
        A binary outcome (e.g. ``defies``, ``exits``).
    parameters : list of str, optional
        Inputs to describe the box with (default: every varying parameter of the sweep).
    threshold : float
        Density the box should reach.
    """
    if isinstance(ds, xr.Dataset):
        found = [v for v in ds.data_vars if str(ds[v].attrs.get("long_name", "")).startswith("parameter")]
        if "sample" not in ds.dims:  # a grid: its dimensions are the parameters
            found = list(ds.dims)
            ds = ds.stack(sample=found).reset_index("sample")
        table = ds.to_dataframe().reset_index(drop=True)
    else:
        table, found = ds, [c for c in ds.columns if c != outcome]
    if outcome not in table:
        raise SpecError("outcome", outcome, "a column of the sweep: " + ", ".join(map(str, table.columns)))
    y = table[outcome].to_numpy()
    if not np.isin(y, (0, 1)).all():
        raise SpecError("outcome", outcome, "a 0/1 outcome (exits, defies, complies, not_binding…)")
    if parameters is None:
        parameters = [p for p in found if table[p].nunique() > 1]
    for p in parameters:
        if p not in table:
            raise SpecError("parameters", p, "a column of the sweep")
    if not parameters:
        raise SpecError("parameters", "none", "at least one varying parameter")
    if not 0 < threshold <= 1:
        raise SpecError("threshold", threshold, "in (0, 1]")
    if y.sum() == 0:
        raise SpecError("outcome", outcome, "an outcome that occurs in at least one sample")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        x = table[parameters].astype(float).reset_index(drop=True)
        p = prim.Prim(x, y.astype(bool), threshold=0.0, peel_alpha=peel_alpha)
        box = p.find_box()  # threshold 0: the box is always kept; we choose along its trajectory
    traj = box.peeling_trajectory[["mean", "n", "mass", "res_dim"]].copy()
    traj["density"] = traj["mean"]  # share of cases in the box
    traj["coverage"] = traj["mean"] * traj["n"] / y.sum()  # share of all cases the box holds
    dens, cov = traj["density"].to_numpy(), traj["coverage"].to_numpy()
    met = bool((dens >= threshold).any())
    pick = int(np.argmax(np.where(dens >= threshold, cov, -1.0)) if met else np.argmax(dens))
    box.select(pick)
    lims = box.box_lims[box._cur_box]
    full = x.agg(["min", "max"])
    restricted = [
        c for c in parameters if (lims[c].iloc[0] > full[c].iloc[0]) or (lims[c].iloc[1] < full[c].iloc[1])
    ]
    limits = pd.DataFrame(
        {
            "min": [float(lims[c].iloc[0]) for c in restricted],
            "max": [float(lims[c].iloc[1]) for c in restricted],
        },
        index=pd.Index(restricted, name="parameter"),
    )
    traj = traj[["coverage", "density", "mass", "res_dim"]]
    return PrimResult(
        outcome,
        limits,
        float(cov[pick]),
        float(dens[pick]),
        float(traj["mass"].iloc[pick]),
        float(y.mean()),
        traj,
        threshold,
        met,
    )
