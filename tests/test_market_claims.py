"""The paper's claims M1–M5 (Azoulay, Krieger and Nagaraj 2024) and the six asset knock-outs as
emergent behaviour of 30-seed ensembles.

Scenarios are the packaged TOML files; they differ only in parameters, and nothing in the model
knows which scenario it runs. Comparisons between scenarios are paired over seeds (the same seed
index gives the same random streams), with t-based 95% intervals of the mean difference. Every
threshold below is the one docs/market.md states (fixed before the first round's runs). A claim the
model does not reproduce is marked ``xfail(strict=True)`` with the measured number: it fails
honestly, and the mark turns into an error the day the model starts reproducing it.
"""

from functools import cache

import numpy as np
import pytest
from scipy import stats

from moatlab.market import ASSETS, make_params
from moatlab.market.ensemble import difference, run_ensemble, run_means, summary, sweep
from moatlab.market.scenario import MarketScenario, load_scenario

pytestmark = pytest.mark.slow

SEEDS = 30
CONCENTRATED = 2500  # fixed before the runs (the 2010 US Horizontal Merger Guidelines' "highly concentrated")
SCENARIOS = ("baseline", "generic_assets", "rogue_giant", "leak", "fractionalisation", "public_benchmarks")


@cache
def ensemble():
    base = load_scenario("baseline").params
    knock = [
        MarketScenario(f"no_{a}", make_params({"assets": {a: {"weight": 0.0}}}, base=base)) for a in ASSETS
    ]
    return run_ensemble([load_scenario(n) for n in SCENARIOS] + knock, seeds=SEEDS, seed=0)


def ci(ds, scenario, metric):
    s = summary(ds)
    row = s[(s.scenario == scenario) & (s.metric == metric)].iloc[0]
    return row["mean"], row["lo"], row["hi"]


def lower(x):
    return x.mean() - stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)


@pytest.mark.xfail(
    strict=True,
    reason="measured (30 seeds, calibrated defaults): baseline HHI over months 60-119 is 1,962 "
    "[1,836, 2,087], below 2,500 (at appropriability 0.15 the lower bound is 1,619)",
)
def test_m1_specialised_assets_keep_the_foundation_layer_concentrated_under_weak_appropriability():
    base = load_scenario("baseline").params
    for a in (0.15, 0.3):  # weak appropriability: knowledge leaks at 70–85% of the open rate
        ds = ensemble() if a == 0.3 else run_ensemble([make_params({"appropriability": a}, base=base)], SEEDS)
        h = run_means(ds).hhi.isel(scenario=0).values.ravel()
        assert lower(h) > CONCENTRATED, (a, h.mean(), lower(h))


def test_m2_generic_assets_bring_entry_and_a_clearly_lower_hhi():
    ds = ensemble()
    _, _, hi = difference(ds, "generic_assets", "baseline", "hhi")
    assert hi < 0
    base, _, _ = ci(ds, "baseline", "hhi")
    _, _, gen_hi = ci(ds, "generic_assets", "hhi")
    assert gen_hi < 0.5 * base  # clearly lower: less than half the baseline
    _, lo_e, _ = difference(ds, "generic_assets", "baseline", "entries")
    assert lo_e > 5  # at least five more entries per run on average
    same = (
        load_scenario("generic_assets").params.appropriability
        == load_scenario("baseline").params.appropriability
    )
    assert same


def _m3(scenario):
    ds = ensemble()
    _, lo, _ = difference(ds, scenario, "baseline", "open_share")
    assert lo > 0.1, (scenario, "open_share", lo)  # at least ten points more products on open bases
    _, lo, _ = difference(ds, scenario, "baseline", "derivatives")
    assert lo > 0, (scenario, "derivatives", lo)
    _, hhi_lo, _ = ci(ds, scenario, "hhi")
    assert hhi_lo > CONCENTRATED, (scenario, "hhi", hhi_lo)  # an oligopoly with a fringe


@pytest.mark.xfail(
    strict=True,
    reason="measured (30 seeds, calibrated defaults): the rogue giant raises the open-base share by 0.250 "
    "[0.175, 0.324] and derivatives by 248 [174, 322], but HHI is 1,592 [1,425, 1,758], below 2,500: "
    "not a concentrated layer",
)
def test_m3_a_rogue_giant_raises_open_bases_and_derivatives_while_the_layer_stays_concentrated():
    _m3("rogue_giant")


@pytest.mark.xfail(
    strict=True,
    reason="measured (30 seeds, calibrated defaults): over months 60-119 the leak moves the open-base share "
    "by 0.0022 [0.0010, 0.0035], not the 0.1 asked: with technical progress the leaked model is obsolete "
    "within a year; and HHI is 2,001 [1,901, 2,101], below 2,500",
)
def test_m3_a_leak_raises_open_bases_and_derivatives_while_the_layer_stays_concentrated():
    _m3("leak")


@pytest.mark.xfail(
    strict=True,
    reason="measured (30 seeds, calibrated defaults): sweeping `competition` (the share of rents lost to a "
    "neck-and-neck rival, Aghion et al. 2005) over 0, 0.25, 0.5, 0.75, 1, innovation is 0.1667, 0.1631, "
    "0.1538, 0.1495, 0.1509 per month: its maximum is at 0, no inverted U",
)
def test_m4_innovation_is_an_inverted_u_in_competition():
    vals = [0.0, 0.25, 0.5, 0.75, 1.0]  # competition κ_c: how much of its margin a firm loses to a rival
    rm = sweep(load_scenario("baseline").params, "competition", vals, seeds=SEEDS, seed=0)
    g = rm.growth.values  # (value, seed)
    k = int(np.argmax(g.mean(axis=1)))
    assert 0 < k < len(vals) - 1, g.mean(axis=1)  # an interior maximum
    for end in (0, len(vals) - 1):  # the peak beats both ends: paired 95% interval above zero
        assert lower(g[k] - g[end]) > 0, vals[end]


def test_m5_fractionalisation_lowers_hhi_and_raises_entry():
    ds = ensemble()
    _, _, hi = difference(ds, "fractionalisation", "baseline", "hhi")
    assert hi < 0
    _, lo, _ = difference(ds, "fractionalisation", "baseline", "entries")
    assert lo > 0


def test_m5_public_benchmarks_raise_user_surplus():
    _, lo, _ = difference(ensemble(), "public_benchmarks", "baseline", "consumer_surplus")
    assert lo > 0


KNOCKOUT_FAILS = {
    "compute": "measured (30 seeds, calibrated defaults): knocking out compute moves HHI by −130 "
    "[−288, +27]: the paired interval contains zero"
}


@pytest.mark.parametrize(
    "asset",
    [
        pytest.param(a, marks=pytest.mark.xfail(strict=True, reason=KNOCKOUT_FAILS[a]))
        if a in KNOCKOUT_FAILS
        else a
        for a in ASSETS
    ],
)
def test_each_asset_matters_on_its_own_knocking_it_out_moves_hhi(asset):
    """Knock-out: the asset's weight set to 0 (nobody gains from owning it, nobody pays to rent it)."""
    _, lo, hi = difference(ensemble(), f"no_{asset}", "baseline", "hhi")
    assert lo > 0 or hi < 0, (asset, lo, hi)  # the paired 95% interval excludes zero


def test_lineage_statistic_is_reported_beside_the_papers_figure():
    """The paper's ~30 %: measured, not asserted equal — the test checks it is computed as the paper
    did (start-up and academic models, 12 months after the release) and lies in [0, 1]."""
    from moatlab.market.ensemble import lineage_statistic

    ds = ensemble()
    for sc in ("rogue_giant", "leak"):
        mean, lo, hi = lineage_statistic(ds, sc)
        assert 0 <= lo <= mean <= hi <= 1
    assert lineage_statistic(ds, "baseline")[0] == 0.0  # no open giant, no lineage
