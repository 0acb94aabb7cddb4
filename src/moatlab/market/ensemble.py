"""Ensembles over seeds and scenario comparisons: xarray (scenario × seed × period) and tidy tables.

Seeds: run ``k`` of an ensemble with base seed ``s`` uses ``SeedSequence(s).spawn(n)[k]``, so a run
is reproducible on its own and the ensemble does not depend on how it is split across workers.
Bands are t-based 95% confidence intervals of the ensemble mean (over seeds, per period).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from .. import _limits
from .._validate import ParameterError
from .model import METRICS, MarketModel
from .params import MarketParams, to_dict
from .scenario import MarketScenario, load_scenario

Progress = Callable[[int], None]


def seed_sequences(seed: int, n: int) -> list[np.random.SeedSequence]:
    """The ``n`` child seed sequences of an ensemble with base seed ``seed``."""
    return np.random.SeedSequence(seed).spawn(n)


def _one(args: tuple[MarketParams, np.random.SeedSequence]) -> np.ndarray:
    params, ss = args
    df = MarketModel(params, rng=ss).run()
    return df[list(METRICS)].to_numpy(dtype=float)


def run_ensemble(
    scenarios: MarketScenario | MarketParams | str | Sequence[MarketScenario | MarketParams | str],
    seeds: int = 30,
    seed: int = 0,
    *,
    workers: int = 1,
    progress: Progress | None = None,
) -> xr.Dataset:
    """Run every scenario over ``seeds`` seeded runs; return an ``xarray.Dataset``.

    Parameters
    ----------
    scenarios
        One or several scenarios (objects, parameter sets, packaged names or TOML paths).
    seeds : int
        Runs per scenario (>= 1). Use >= 30 for claims.
    seed : int
        Base seed; the same base seed gives the same ensemble.
    workers : int
        1 (default) runs in-process; more uses that many processes.
    progress : callable, optional
        Called with the number of runs just finished (for a progress bar).

    Returns
    -------
    xarray.Dataset
        One variable per metric (see :data:`moatlab.market.METRICS`), dims (scenario, seed, period),
        descriptions in attrs, each scenario's parameters as JSON in ``attrs['params']``.

    Examples
    --------
    >>> from moatlab.market import make_params
    >>> ds = run_ensemble([make_params({"periods": 12})], seeds=2)
    >>> dict(ds.sizes)
    {'scenario': 1, 'seed': 2, 'period': 12}
    """
    if isinstance(scenarios, MarketScenario | MarketParams | str):
        scenarios = [scenarios]
    if not (isinstance(seeds, int) and seeds >= 1):
        raise ParameterError("seeds", seeds, "an integer >= 1")
    _limits.check("market_runs", _limits.product(len(scenarios), seeds), "scenarios × --seeds")
    if not (isinstance(seed, int) and seed >= 0):
        raise ParameterError("seed", seed, "an integer >= 0")
    if not (isinstance(workers, int) and workers >= 1):
        raise ParameterError("workers", workers, "an integer >= 1")
    items = [_as_scenario(s, i) for i, s in enumerate(scenarios)]
    names = [s.name for s in items]
    if len(set(names)) != len(names):
        names = [f"{n}#{i}" for i, n in enumerate(names)]
    periods = {s.params.periods for s in items}
    if len(periods) != 1:
        raise ParameterError("periods", sorted(periods), "the same number of periods in every scenario")
    (T,) = periods
    jobs = [(s.params, ss) for s in items for ss in seed_sequences(seed, seeds)]
    out = np.empty((len(jobs), T, len(METRICS)))
    if workers == 1:
        for k, job in enumerate(jobs):
            out[k] = _one(job)
            if progress:
                progress(1)
    else:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            for k, res in enumerate(ex.map(_one, jobs, chunksize=max(1, len(jobs) // (4 * workers)))):
                out[k] = res
                if progress:
                    progress(1)
    out = out.reshape(len(items), seeds, T, len(METRICS))
    coords = {"scenario": names, "seed": np.arange(seeds), "period": np.arange(T)}
    ds = xr.Dataset(
        {
            m: (("scenario", "seed", "period"), out[..., j], {"description": d})
            for j, (m, d) in enumerate(METRICS.items())
        },
        coords=coords,
    )
    ds.attrs.update(base_seed=seed, seeds=seeds, description="moatlab market ensemble")
    ds.attrs["params"] = json.dumps({n: to_dict(s.params) for n, s in zip(names, items, strict=True)})
    return ds


def _as_scenario(s: MarketScenario | MarketParams | str, i: int) -> MarketScenario:
    if isinstance(s, MarketScenario):
        return s
    if isinstance(s, MarketParams):
        return MarketScenario(f"scenario{i}", s)
    return load_scenario(s)


def bands(ds: xr.Dataset, level: float = 0.95) -> xr.Dataset:
    """Mean over seeds with a t-based confidence band: variables ``<metric>``, ``_lo`` and ``_hi``."""
    n = ds.sizes["seed"]
    mean = ds.mean("seed", skipna=True)
    if n < 2:
        half = xr.zeros_like(mean)
    else:
        t = float(stats.t.ppf(0.5 + level / 2, n - 1))
        half = t * ds.std("seed", ddof=1, skipna=True) / np.sqrt(n)
    out = mean.copy()
    for v in ds.data_vars:
        out[f"{v}_lo"] = mean[v] - half[v]
        out[f"{v}_hi"] = mean[v] + half[v]
    return out


def run_means(ds: xr.Dataset, start: float = 0.5, burn_in: int = 12) -> xr.Dataset:
    """Each run's mean over its later periods (from ``start`` × T on); dims (scenario, seed).

    Two exceptions: ``growth`` is the innovation rate, the frontier's mean growth per month after
    ``burn_in`` months (the whole run, so an early burst counts); ``entries`` and ``exits`` are
    totals over the whole run.
    """
    T = ds.sizes["period"]
    late = ds.isel(period=slice(int(start * T), None))
    out = late.mean("period", skipna=True)
    out["growth"] = ds["growth"].isel(period=slice(min(burn_in, T - 1), None)).mean("period")
    out["entries"] = ds["entries"].sum("period")
    out["exits"] = ds["exits"].sum("period")
    return out


def summary(ds: xr.Dataset, start: float = 0.5, level: float = 0.95) -> pd.DataFrame:
    """One row per scenario and metric: mean of the run means, its CI, and the number of runs."""
    rm = run_means(ds, start)
    n = ds.sizes["seed"]
    t = float(stats.t.ppf(0.5 + level / 2, n - 1)) if n > 1 else 0.0
    rows = []
    for sc in rm.scenario.values:
        for m in rm.data_vars:
            x = rm[m].sel(scenario=sc).values
            x = x[np.isfinite(x)]
            mean = float(x.mean()) if x.size else np.nan
            half = t * float(x.std(ddof=1)) / np.sqrt(x.size) if x.size > 1 else 0.0
            rows.append(
                {
                    "scenario": str(sc),
                    "metric": m,
                    "mean": mean,
                    "lo": mean - half,
                    "hi": mean + half,
                    "runs": x.size,
                }
            )
    return pd.DataFrame(rows)


def compare_table(ds: xr.Dataset, start: float = 0.5) -> pd.DataFrame:
    """Scenario × metric table of ensemble means (the later half of each run by default)."""
    s = summary(ds, start)
    return s.pivot(index="scenario", columns="metric", values="mean")[list(METRICS)].reindex(
        ds.scenario.values
    )


def tidy(ds: xr.Dataset) -> pd.DataFrame:
    """Long table: scenario, seed, period, metric, value."""
    df = ds[list(METRICS)].to_dataframe().reset_index()
    return df.melt(id_vars=["scenario", "seed", "period"], var_name="metric", value_name="value")


def sweep(
    base: MarketParams,
    field: str,
    values: Sequence[float],
    seeds: int = 30,
    seed: int = 0,
    *,
    progress: Progress | None = None,
) -> xr.Dataset:
    """Run-level means (later half) over a one-parameter sweep; dims (``field``, seed).

    ``field`` is a top-level MarketParams field or a dotted one (``policy.fractionalisation``).
    """
    from .params import make_params, nested

    _limits.check_sizes("market_runs", "--values × --seeds", values,
                        times=seeds if isinstance(seeds, int) else 1)
    scen = [MarketScenario(f"{field}={v}", make_params(nested(field, v), base=base)) for v in values]
    rm = run_means(run_ensemble(scen, seeds, seed, progress=progress))
    rm = rm.rename(scenario=field).assign_coords({field: np.asarray(values, dtype=float)})
    return rm


def difference(
    ds: xr.Dataset, a: str, b: str, metric: str, start: float = 0.5, level: float = 0.95
) -> tuple[float, float, float]:
    """Paired difference ``a − b`` of a metric's run means, with its t-based confidence interval.

    Runs of different scenarios with the same seed index share their seed, so the comparison is
    paired (common random numbers): returns ``(mean, lo, hi)``.
    """
    rm = run_means(ds, start)
    d = (rm[metric].sel(scenario=a) - rm[metric].sel(scenario=b)).values
    d = d[np.isfinite(d)]
    n = d.size
    mean = float(d.mean())
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * float(d.std(ddof=1)) / np.sqrt(n) if n > 1 else np.inf
    return mean, mean - half, mean + half


def lineage_statistic(ds: xr.Dataset, scenario: str, months: int = 12, level: float = 0.95):
    """The paper's lineage statistic for one scenario: mean and CI over seeds of ``lineage_share``
    ``months`` after the open giant's release or the leak (month ``months`` when there is neither).

    Azoulay et al. (2024, §3.4) count, among the language models start-ups and academic groups
    introduced by the end of 2023, the share built on LLaMA or its descendants (close to 30 %).
    ``lineage_share`` is the simulated counterpart: active challenger and academic firms whose model
    descends from the giant's or the leaked model. Returns ``(mean, lo, hi)``.
    """
    params = json.loads(ds.attrs["params"])[str(scenario)]
    if params.get("rogue") is not None:
        t0 = int(params["rogue"]["period"])
    elif params.get("leak") is not None:
        t0 = int(params["leak"]["period"])
    else:
        t0 = 0
    t = min(t0 + months, ds.sizes["period"] - 1)
    x = ds["lineage_share"].sel(scenario=scenario).isel(period=t).values
    x = x[np.isfinite(x)]
    n = x.size
    mean = float(x.mean()) if n else np.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * float(x.std(ddof=1)) / np.sqrt(n) if n > 1 else 0.0
    return mean, max(mean - half, 0.0), min(mean + half, 1.0)
