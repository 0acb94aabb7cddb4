"""Demand that grows with the open ecosystem, and a per-unit cost spill-over: when each reverses the
race essay's conclusion (z* non-increasing in the open frontier), derived and tested.

Setting: f = log(1 + x) unless stated, the open model at 1 before a release x′, c = 1. Without
competition the lab's upgrade past x′ solves n(x′)·m·f′(z) = c(x′):

* ecosystem demand n(x′) = n·(f(x′)/f(1))^η: z* = n·m·(f(x′)/f(1))^η − 1, rising in x′ for η > 0
  wherever the upgrade still pays past x′ (η = 0 is the essay's model);
* per-unit cost c(x′) = max(φ, x′^(−ε)) when the upgrade ships on or after the release:
  z* = n·m/c(x′) − 1, rising in x′ until the floor; when it ships before the release the cost sees
  the old frontier and z* is exactly the essay's, whatever ε.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moatlab.race import (
    EcosystemDemand,
    RaceModel,
    ScenarioError,
    UnitCost,
    ValueCurve,
    load_scenario,
    revenue,
    sweep,
)


def zstar(model, xs, release_day=0, day=0):
    ds = sweep(model, open_upgrade=xs, release_day=[release_day], day=day, optimise=True, marginal=False)
    return ds["z_star"].values[:, 0]


def test_ecosystem_demand_reverses_where_the_upgrade_pays_past_the_release():
    # seeded ensemble: n ∈ [20, 300], m ∈ [60, 400], η ∈ [0.05, 2], releases x′ up to n·m/1.5
    r = np.random.default_rng(20261205)
    for _ in range(5):
        n, m, eta = float(r.uniform(20, 300)), int(r.integers(60, 400)), float(r.uniform(0.05, 2.0))
        model = RaceModel(n=n, m=m, open=1.0, closed=1.2, ecosystem_demand=EcosystemDemand(eta))
        nm = n * m
        xs = np.geomspace(1.5, nm / 1.5, 6)
        z = zstar(model, xs)
        pred = nm * (np.log1p(xs) / math.log(2)) ** eta - 1
        pays = np.isfinite(z)
        assert pays[0], (n, m, eta)  # a small release: the upgrade pays
        assert z[pays] == pytest.approx(pred[pays], rel=1e-5), (n, m, eta)
        assert (np.diff(z[pays]) > 0).all(), (n, m, eta, z)  # bigger open model, bigger upgrade
        core = zstar(model.replace(ecosystem_demand=EcosystemDemand(0.0)), xs)
        assert np.array_equal(core, zstar(model.replace(ecosystem_demand=None), xs), equal_nan=True)


@settings(max_examples=15)  # each example is two optimisations; the seeded ensembles above add more
@given(
    st.sampled_from(["log", "power"]), st.floats(0.2, 1.0), st.floats(0.1, 1.5),
    st.integers(0, 200), st.floats(2.0, 50.0),
)
def test_ecosystem_demand_under_concave_curves_z_star_never_falls_while_it_leads(family, b, eta, k, x2):
    # any concave f, release on day k, upgrade on day 0: the upgrade's marginal revenue after the
    # release is n(x′)·f′(z), larger for larger x′, so z* cannot fall while z* > x′
    model = RaceModel(f=ValueCurve(family, b=b), n=100, m=365, open=1.0, closed=1.2,
                      ecosystem_demand=EcosystemDemand(eta))
    z = zstar(model, [1.5, x2], release_day=k)
    if np.isfinite(z).all() and z[1] > x2:
        assert z[1] >= z[0] * (1 - 1e-6)


def test_unit_cost_reverses_when_the_upgrade_ships_after_the_release():
    r = np.random.default_rng(20261206)
    for _ in range(5):
        eps, floor = float(r.uniform(0.05, 1.0)), float(r.uniform(0.02, 0.5))
        model = RaceModel(n=100, m=365, open=1.0, closed=1.2, unit_cost=UnitCost(eps, floor))
        xs = np.array([1.5, 3.0, 10.0, 100.0])
        z = zstar(model, xs)
        pred = 100 * 365 / np.maximum(floor, xs**-eps) - 1
        assert z == pytest.approx(pred, rel=1e-5), (eps, floor)
        assert (np.diff(z) >= -1e-6 * z[:-1]).all() and z[-1] > z[0], (eps, floor, z)


def test_unit_cost_cannot_reverse_when_the_upgrade_ships_before_the_release():
    r = np.random.default_rng(20261207)
    core = RaceModel(n=100, m=365, open=1.0, closed=4.0)
    xs = np.geomspace(4.5, 1e5, 8)
    for _ in range(4):
        eps, floor, k = float(r.uniform(0.05, 2.0)), float(r.uniform(0.02, 0.9)), int(r.integers(1, 300))
        z = zstar(core.replace(unit_cost=UnitCost(eps, floor)), xs, release_day=k, day=0)
        assert np.array_equal(z, zstar(core, xs, release_day=k, day=0), equal_nan=True), (eps, floor, k)
        zz = np.nan_to_num(z)
        assert (np.diff(zz) <= 1e-6 * zz.max()).all(), (eps, floor, k, z)


def test_ecosystem_demand_scales_revenue_by_the_open_ecosystem():
    base = RaceModel(n=100, m=365, open=[(0, 1.0), (100, 3.0)], closed=9.0)
    r = revenue(base.replace(ecosystem_demand=EcosystemDemand(1.0))).revenue
    by_hand = 100 * (100 * (math.log(10) - math.log(2)) + 265 * 2.0 * (math.log(10) - math.log(4)))
    assert r == pytest.approx(by_hand, rel=1e-12)  # n(t) = n·f(3)/f(1) = 2n after day 100


def test_scenario_tables_for_the_new_components(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(
        "[model]\nn = 100\nclosed = 4.0\n[ecosystem_demand]\nelasticity = 0.5\n"
        "[unit_cost]\nelasticity = 0.3\nfloor = 0.2\n"
        "[[labs]]\ncompute = 4.0\n[[labs]]\ncompute = 2.0\nfrom_open = true\nfloor = 0.4\n"
        "[equilibrium]\nmode = \"leader\"\nopen_upgrade = {start = 5, stop = 1e4, num = 5, log = true}\n"
    )
    sc = load_scenario(f)
    assert sc.model.label == "ecosystem_demand,unit_cost"
    assert sc.model.unit_cost == UnitCost(0.3, 0.2) and sc.model.ecosystem_demand == EcosystemDemand(0.5)
    assert len(sc.labs) == 2 and sc.labs[1].from_open and sc.labs[1].floor == 0.4
    assert sc.equilibrium["mode"] == "leader" and len(sc.equilibrium["open_upgrade"]) == 5
    for bad, field in [
        ("[unit_cost]\nfloor = 0\n", "unit_cost.floor = 0"),
        ("[ecosystem_demand]\nelasticity = -1\n", "ecosystem_demand.elasticity = -1"),
        ("[[labs]]\ncompute = 4.0\nfloor = 2\n", "labs[0].floor = 2"),
        ("[[labs]]\ncolour = 1\n", "labs[0].colour: unknown field"),
        ("[equilibrium]\nmode = \"cournot\"\n", "equilibrium.mode = 'cournot'"),
        ("[equilibrium]\ngrid = 3\n", "equilibrium.grid = 3"),
    ]:
        f.write_text(bad)
        with pytest.raises(ScenarioError, match=field.replace("[", r"\[").replace("]", r"\]")):
            load_scenario(f)


def test_default_presets_the_essays_eight_hold_the_two_new_ones_flip():
    from moatlab.race import DEFAULT_PRESETS, component_effects

    base = RaceModel(n=100, m=365, open=1.0, closed=4.0)
    eff = component_effects(base, np.geomspace(4.5, 1e5, 12), release_day=0)
    holds = dict(zip(eff["component"].values.tolist(), eff["conclusion_holds"].values.tolist(), strict=True))
    new = {"demand grows with the open ecosystem (η = 0.5)", "open models cut the cost per unit (ε = 0.5)"}
    assert set(holds) == {"core", *DEFAULT_PRESETS} and new <= set(holds)
    assert all(holds[k] is (k not in new) for k in holds), holds


def test_a_scenario_with_labs_runs_the_equilibrium(tmp_path):
    import json

    import xarray as xr

    from moatlab.race.report import run_scenario

    f = tmp_path / "labs.toml"
    f.write_text(
        "[model]\nn = 100\nclosed = 4.0\n[upgrade]\nz = 20.0\n"
        "[[labs]]\ncompute = 4.0\ncost_per_unit = 1.5\n[[labs]]\ncompute = 4.0\n"
        "[equilibrium]\nmode = \"leader\"\nopen_upgrade = [100.0, 1e4, 1.2e4]\n"
    )
    summary = run_scenario(load_scenario(f), tmp_path)
    eq = summary["equilibrium"]
    assert eq["mode"] == "leader" and eq["unique"]
    assert eq["z_star"][0] == pytest.approx(36500 / 1.5 - 1, rel=2e-3)
    assert {"equilibrium.nc", "equilibrium.png"} <= set(summary["files"])
    ds = xr.open_dataset(tmp_path / "equilibrium.nc")
    # the leader–follower reversal of docs/race.md: the cheaper follower takes over past x0 ≈ 8,950
    assert np.isnan(ds["z_star"].values[1:, 0]).all() and eq["conclusion_holds"] is False
    assert json.loads((tmp_path / "summary.json").read_text())["equilibrium"]["n_equilibria"] == 1
