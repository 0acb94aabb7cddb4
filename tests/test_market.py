"""The market simulator's mechanisms one at a time, determinism, scenarios and bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from moatlab._validate import ParameterError
from moatlab.market import MarketModel, MarketParams, make_params
from moatlab.market import mechanisms as mx
from moatlab.market.ensemble import bands, run_ensemble, seed_sequences, summary
from moatlab.market.scenario import ScenarioError, from_dict, load_scenario, packaged

finite = st.floats(-20, 20, allow_nan=False)


@given(arrays(float, st.integers(1, 30), elements=finite), finite)
def test_logit_shares_are_probabilities_with_the_outside_good(u, u0):
    s = mx.logit_shares(u, u0)
    assert np.all(s >= 0)
    outside = 1 - s.sum()
    assert outside >= -1e-12
    # the ratio of two shares is the exponential of the utility difference (IIA)
    if u.size > 1 and s[0] > 1e-200 and s[1] > 1e-200:
        assert np.log(s[0] / s[1]) == pytest.approx(u[0] - u[1], abs=1e-8)
    # with everything, shares and outside sum to one
    assert s.sum() + outside == pytest.approx(1.0)


@given(arrays(float, st.integers(1, 40), elements=st.floats(0, 1e3, allow_nan=False)))
def test_hhi_bounds(rev):
    h = mx.hhi(rev)
    n = int(np.sum(rev > 0))
    if n == 0:
        assert h == 0
    else:
        assert 10_000 / n - 1e-6 <= h <= 10_000 + 1e-6  # equal shares give the floor, a monopoly 10,000


def test_hhi_known_values():
    assert mx.hhi(np.array([1.0])) == 10_000
    assert mx.hhi(np.array([0.5, 0.3, 0.2])) == pytest.approx(10_000 * (0.25 + 0.09 + 0.04))


@given(st.floats(0.01, 1e6), st.floats(0.01, 1e6), st.floats(0.1, 3))
def test_scaling_law_has_diminishing_returns(x, dx, sigma):
    c = lambda z: mx.capability(np.array([z]), sigma)[0]  # noqa: E731
    gain_small, gain_big = c(x + dx) - c(x), c(2 * x + dx) - c(2 * x)
    assert gain_small > 0 and gain_big < gain_small  # more compute helps, less and less
    assert c(np.e * x) - c(x) == pytest.approx(sigma)  # σ per e-fold of compute


def test_leakage_moves_followers_only_and_openness_speeds_it():
    p = MarketParams()
    level = np.array([0.0, 1.0, 4.0])
    closed = mx.catch_up(level, mx.leak_rates(np.zeros(3), p))
    opened = mx.catch_up(level, mx.leak_rates(np.array([0.0, 0.0, 1.0]), p))
    assert closed[2] == 0 and opened[2] == 0  # the leader learns nothing from followers
    assert np.all(closed[:2] > 0) and np.all(opened[:2] > closed[:2])
    tight = make_params({"appropriability": 1.0, "leak_open": 0.0})
    assert np.all(mx.catch_up(level, mx.leak_rates(np.zeros(3), tight)) == 0)


def test_access_costs_fall_with_ownership_generic_assets_and_fractionalisation():
    p = MarketParams()
    h = np.array([[0.0] * 6, [10.0] * 6])
    k = mx.access_multipliers(p, h, 0)
    assert np.all(k[0] >= k[1]) and np.all(k >= 1)
    generic = make_params({"assets": {a: {"specificity": 0.1} for a in mx.ASSETS}})
    assert np.all(mx.access_multipliers(generic, h, 0)[0] <= k[0])
    frac = make_params({"policy": {"fractionalisation": 1.0}, "legal_premium": 0.0})
    assert np.allclose(mx.access_multipliers(frac, h, 0), 1.0)
    a = mx.access(p, h)
    assert np.all((a >= 0) & (a <= 1)) and np.all(a[1] > a[0])


def test_assets_depreciate_without_use_and_erode_with_substitutes():
    p = make_params({"periods": 30, "n_developers": 0, "entry_rate": 0.0})
    m = MarketModel(p, rng=0)
    i = int(np.flatnonzero(m.alive)[0])
    before = m.holdings[i].copy()
    m._accumulate(np.array([i]), np.array([0.0]), np.array([0.0]))
    dep = np.array([p.assets[a].depreciation for a in mx.ASSETS])
    assert np.allclose(m.holdings[i], (1 - dep) * before)
    w0, w100 = mx.asset_weights(p, 0), mx.asset_weights(p, 100)
    eroding = np.array([p.assets[a].erosion > 0 for a in mx.ASSETS])
    assert np.all(w100[eroding] < w0[eroding]) and np.all(w100[~eroding] == w0[~eroding])


def test_entry_responds_to_the_cost_of_complementary_assets():
    cheap = make_params({"entry_cost": 0.0, "periods": 24})
    dear = make_params({"entry_cost": 1e3, "periods": 24})
    e_cheap = MarketModel(cheap, rng=1).run()["entries"].sum()
    e_dear = MarketModel(dear, rng=1).run()["entries"].sum()
    assert e_dear == 0 and e_cheap > 0


def test_margins_competed_away_only_between_neck_and_neck_firms():
    p = make_params({"competition": 1.0})
    m = mx.margins(np.array([5.0, 5.0, 1.0]), p)
    assert m[0] == pytest.approx(0) and m[2] == pytest.approx(0)  # tied leaders and the laggard
    lead = mx.margins(np.array([9.0, 5.0]), p)
    assert lead[0] == pytest.approx(p.margin, rel=1e-4)


def test_same_seed_same_run_and_seed_types():
    p = make_params({"periods": 30})
    a = MarketModel(p, rng=7).run()
    b = MarketModel(p, rng=7).run()
    c = MarketModel(p, rng=np.random.default_rng(7)).run()
    d = MarketModel(p, rng=8).run()
    assert a.equals(b) and a.equals(c)
    assert not a.equals(d)
    ss = seed_sequences(3, 2)[1]
    assert MarketModel(p, rng=ss).run().equals(MarketModel(p, rng=seed_sequences(3, 2)[1]).run())


def test_ensemble_is_reproducible_and_independent_of_its_size():
    p = make_params({"periods": 20})
    one = run_ensemble([p], seeds=3, seed=5)
    two = run_ensemble([p], seeds=3, seed=5)
    more = run_ensemble([p], seeds=5, seed=5)
    assert one.identical(two)
    np.testing.assert_array_equal(one.hhi.values, more.hhi.isel(seed=slice(0, 3)).values)


def test_ensemble_workers_give_the_in_process_numbers():
    p = make_params({"periods": 15})
    a = run_ensemble([p], seeds=3, seed=2)
    b = run_ensemble([p], seeds=3, seed=2, workers=2)
    np.testing.assert_array_equal(a.hhi.values, b.hhi.values)


def test_bands_and_summary_bracket_the_mean():
    ds = run_ensemble([make_params({"periods": 20})], 4)
    b = bands(ds)
    assert np.all(b.hhi_lo <= b.hhi + 1e-9) and np.all(b.hhi <= b.hhi_hi + 1e-9)
    s = summary(ds)
    assert set(s.columns) == {"scenario", "metric", "mean", "lo", "hi", "runs"}
    assert (s["lo"] <= s["mean"] + 1e-12).all() and (s["runs"] == 4).all()


def test_metrics_stay_in_their_ranges():
    df = MarketModel(make_params({"periods": 60}), rng=3).run()
    assert ((df.hhi >= 0) & (df.hhi <= 10_000)).all()
    assert ((df.open_share.dropna() >= 0) & (df.open_share.dropna() <= 1)).all()
    assert (df.active >= 1).all() and (df.entries >= 0).all()
    assert df.frontier.is_monotonic_increasing  # compute never goes away from the frontier


def test_packaged_scenarios_load_and_differ_only_in_parameters():
    names = packaged()
    spec = {"baseline", "generic_assets", "rogue_giant", "leak", "public_benchmarks", "legal_clarity"}
    spec |= {"fractionalisation", "platform_cap", "openness_regulation", "all_levers"}
    assert spec <= set(names)
    for name in names:
        sc = load_scenario(name)
        assert isinstance(sc.params, MarketParams) and sc.description


@pytest.mark.parametrize(
    "doc, message",
    [
        ({"policy": {"theta": 2}}, "x.toml: policy.theta = 2 is not allowed: must be <= 1"),
        (
            {"assets": {"data": {"specificity": -1}}},
            "assets.data.specificity = -1 is not allowed: must be >= 0",
        ),
        ({"assets": {"gold": {}}}, "assets.gold"),
        ({"rogue": {"when": 3}}, "rogue.when = 3 is not allowed"),
        ({"types": {"academic": {"release": "maybe"}}}, "types.academic.release = 'maybe' is not allowed"),
        ({"periods": 0}, "periods = 0 is not allowed: must be >= 1"),
        ({"frobnicate": 1}, "frobnicate = 1 is not allowed: must be a known field"),
        ({"ensemble": {"seeds": 0}}, "ensemble.seeds = 0 is not allowed"),
        ({"types": {"incumbent": {"count": 100}}}, "types.*.count (sum) = 117 is not allowed"),
    ],
)
def test_bad_scenarios_are_rejected_with_the_field(doc, message):
    with pytest.raises(ScenarioError) as e:
        from_dict(doc, "x.toml")
    assert message in str(e.value) and "\n" not in str(e.value)


def test_bad_toml_and_missing_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("policy = [", encoding="utf-8")
    with pytest.raises(ScenarioError, match="malformed TOML"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "none.toml")


def test_make_params_names_the_field():
    with pytest.raises(ParameterError, match=r"policy.penalty = -1 is not allowed: must be >= 0"):
        make_params({"policy": {"penalty": -1}})


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0, 1), st.floats(0, 1))
def test_any_lever_setting_runs_and_keeps_invariants(seed, frac, bench):
    p = make_params({"periods": 15, "policy": {"fractionalisation": frac, "public_benchmarks": bench}})
    df = MarketModel(p, rng=seed).run()
    assert np.isfinite(df[["hhi", "frontier", "consumer_surplus"]].to_numpy()).all()
