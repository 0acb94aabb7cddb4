"""Second-round mechanisms: adoption of open bases with a cost and a lag, lineage, the fine-tuning
advantage of open weights, outside options, prices, entry in the baseline, calibration."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moatlab.market import MarketModel, make_params
from moatlab.market.lineage import Lineage
from moatlab.market.scenario import load_scenario


def test_adoption_lands_only_after_the_lag_and_costs_cash():
    p = make_params({"periods": 30, "adopt_lag": 5, "adopt_cost": 0.01, "adopt_noise": 0.0},
                    base=load_scenario("rogue_giant").params)  # fmt: skip
    df = MarketModel(p, rng=3).run()
    assert df["adoptions"].sum() > 0
    assert df["adoptions"].iloc[: p.adopt_lag].sum() == 0  # nothing lands before the first lag is over
    dear = MarketModel(make_params({"adopt_cost": 1e3}, base=p), rng=3).run()
    assert dear["adoptions"].sum() == 0  # nobody can pay: adoption is not free


def test_lineage_follows_the_base_and_its_descendants():
    lin = Lineage(4)
    for r in range(4):
        lin.new_model(r, 1.0)
    lin.mark_root(0, 0)  # row 0 is the open giant
    lin.start(np.array([1]), 5.0, lin.base_of(0), 2)
    x = np.ones(4)
    alive = np.ones(4, dtype=bool)
    assert lin.land(1, x, alive) == 0 and lin.root[1] == 1  # not due yet
    assert lin.land(2, x, alive) == 1 and lin.root[1] == 0 and x[1] == pytest.approx(np.exp(5.0))
    lin.start(np.array([2]), 6.0, lin.base_of(1), 3)  # a descendant of a descendant
    lin.land(3, x, alive)
    assert lin.root[2] == 0 and lin.parent[2] == lin.uid[1]
    fringe = np.array([False, True, True, True])
    assert lin.share(fringe) == pytest.approx(2 / 3)
    lin.start(np.array([3]), 0.0, lin.base_of(0), 4)  # a worse base than its own model: no adoption
    assert lin.land(4, x, alive) == 0 and lin.root[3] == 3


def test_adoption_costs_and_lags_slow_the_spread_of_the_open_lineage():
    base = load_scenario("rogue_giant").params
    cheap = make_params({"periods": 24, "adopt_cost": 0.0, "adopt_lag": 0}, base=base)
    dear = make_params({"periods": 24, "adopt_cost": 0.5, "adopt_lag": 12}, base=base)
    share = [np.mean([MarketModel(p, rng=s).run()["lineage_share"].iloc[12] for s in range(4)])
             for p in (cheap, dear)]  # fmt: skip
    assert share[0] > share[1]


def test_open_finetune_advantage_is_a_parameter_not_a_doubling():
    base = load_scenario("rogue_giant").params
    a = MarketModel(make_params({"periods": 12}, base=base), rng=0).run()
    b = MarketModel(make_params({"periods": 12, "open_finetune_advantage": 2.0}, base=base), rng=0).run()
    assert make_params({}).open_finetune_advantage == 1.0
    assert (b.downstream_quality >= a.downstream_quality - 1e-12).all()
    assert (b.downstream_quality > a.downstream_quality).any()


def test_prices_and_the_outside_option_are_outputs_and_the_outside_option_keeps_its_users():
    df = MarketModel(make_params({"periods": 120}), rng=1).run()
    assert {"price", "qa_price", "outside_share"} <= set(df.columns)
    assert (df.price > 0).all() and (df.qa_price > 0).all()
    assert df.qa_price.iloc[-1] < df.qa_price.iloc[0]  # capability gets cheaper
    assert df.outside_share.iloc[60:].mean() > 0.1  # free alternatives keep up with the frontier
    frozen = MarketModel(make_params({"periods": 120, "outside_tracking": 0.0}), rng=1).run()
    assert frozen.outside_share.iloc[60:].mean() < df.outside_share.iloc[60:].mean()


def test_the_baseline_has_entry():
    e = [MarketModel(make_params({}), rng=s).run()["entries"].sum() for s in range(3)]
    assert min(e) > 0


def test_calibration_is_seeded_resumable_and_reports_identification(tmp_path):
    from moatlab.market.calibrate import FREE, calibrate, load_targets

    kw = {"samples": 3, "seeds": 1, "periods": 36, "free": {k: FREE[k] for k in ("entry_cost", "adopt_cost")}}
    a = calibrate(rng=5, out=tmp_path / "c", **kw)
    b = calibrate(rng=5, out=tmp_path / "c", **kw)  # resumes: every point is already there
    assert a.fitted == b.fitted and len(b.points) == 3
    assert set(a.fit.target) == {t.name for t in load_targets()}
    assert set(a.identification.parameter) == {"entry_cost", "adopt_cost"}
    assert (a.points.loss >= 0).all()


def test_the_polish_only_accepts_moves_that_lower_the_loss():
    from moatlab._validate import ParameterError
    from moatlab.market.calibrate import FREE, calibrate

    kw = {"samples": 4, "seeds": 1, "periods": 36, "rng": 7, "refine": 2, "refine_seeds": 1,
          "free": {k: FREE[k] for k in ("entry_cost", "adopt_cost")}}  # fmt: skip
    still = calibrate(polish=0, **kw)
    moved = calibrate(polish=2, **kw)
    assert still.meta["loss"] == still.meta["design_loss"] and still.meta["polish_moves"] == 0
    assert moved.meta["design_loss"] == still.meta["design_loss"]
    assert moved.meta["polish_moves"] > 0  # on these seeds the design's best is not a local optimum
    assert moved.meta["loss"] < moved.meta["design_loss"]
    assert (moved.meta["loss"] < moved.meta["design_loss"]) == (moved.meta["polish_moves"] > 0)
    for k, (lo, hi) in kw["free"].items():
        assert lo <= moved.fitted[k] <= hi
    with pytest.raises(ParameterError, match="polish"):
        calibrate(polish=3, **kw)


def test_bad_targets_file_names_the_field(tmp_path):
    from moatlab.errors import InputFileError
    from moatlab.market.calibrate import load_targets

    bad = tmp_path / "t.toml"
    bad.write_text("[hhi]\nvalue = 2500\nscale = -1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="hhi.scale = -1"):
        load_targets(bad)
    bad.write_text("[gold]\nvalue = 1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"\[gold\]"):
        load_targets(bad)


def test_lineage_share_is_zero_before_the_release_and_without_adoption():
    p = make_params({"periods": 30}, base=load_scenario("leak").params)  # the leak is in month 12
    df = MarketModel(p, rng=2).run()
    assert (df.lineage_share.iloc[:12] == 0).all() and (df.lineage_products.iloc[:12] == 0).all()
    assert df.lineage_share.iloc[12:].max() > 0
    never = MarketModel(make_params({"adopt_cost": 1e4}, base=p), rng=2).run()
    assert (never.lineage_share.dropna() == 0).all()  # no adoption, no descendants


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.floats(-3, 3)), max_size=30))
def test_a_model_root_is_its_bases_root(moves):
    """Any sequence of adoptions: every model's root is the root of the base it last adopted, and a
    model trained from scratch is its own root."""
    lin = Lineage(6)
    for r in range(6):
        lin.new_model(r, 1.0)
    x = np.ones(6)
    alive = np.ones(6, dtype=bool)
    for t, (adopter, base, target) in enumerate(moves):
        if adopter == base:
            continue
        lin.start(np.array([adopter]), target, lin.base_of(base), t)
        before = lin.root[base]
        landed = lin.land(t, x, alive)
        if landed:
            assert lin.root[adopter] == before and lin.parent[adopter] == lin.uid[base]
    for r in range(6):
        if lin.parent[r] == -1:  # never adopted: trained from scratch, its own root
            assert lin.root[r] == lin.uid[r]


def test_calibration_on_a_dask_cluster_gives_the_in_process_numbers():
    distributed = pytest.importorskip("distributed")  # in the [test] extra: present under CI
    from moatlab.market.calibrate import FREE, calibrate

    kw = {"samples": 2, "seeds": 1, "periods": 36, "rng": 9, "free": {"adopt_cost": FREE["adopt_cost"]}}
    local = calibrate(**kw)
    with distributed.Client(processes=False, dashboard_address=None) as c:
        remote = calibrate(client=c, **kw)
    pd_cols = ["adopt_cost", "hhi", "lineage_share", "loss"]
    np.testing.assert_array_equal(local.points[pd_cols].to_numpy(), remote.points[pd_cols].to_numpy())


def test_the_defaults_are_the_packaged_calibration():
    """The shipped defaults are the fitted values of the packaged calibration (to 3 significant figures)."""
    import json
    from importlib import resources

    from moatlab.market import MarketParams

    doc = json.loads((resources.files("moatlab.market") / "data" / "calibration" / "fitted.json").read_text())
    p = MarketParams()
    for name, value in doc["fitted"].items():
        obj = p
        for part in name.split("."):
            obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
        assert float(obj) == float(f"{value:.3g}"), (name, obj, value)


def test_standard_errors_flag_a_parameter_the_moments_do_not_see():
    from moatlab.market.calibrate import standard_errors

    rng = np.random.default_rng(0)
    jac = rng.normal(size=(6, 3))
    se, rank = standard_errors(jac)
    assert rank == 3 and np.isfinite(se).all()
    # the same moments with a fourth parameter they do not depend on
    se4, rank4 = standard_errors(np.column_stack([jac, np.zeros(6)]))
    assert rank4 == 3 and np.isinf(se4[3]) and np.allclose(se4[:3], se)
    # two parameters that act only together: neither is pinned down alone
    col = rng.normal(size=6)
    se2, rank2 = standard_errors(np.column_stack([col, 2 * col, rng.normal(size=6)]))
    assert rank2 == 2 and np.isinf(se2[:2]).all() and np.isfinite(se2[2])


def test_the_calibrated_defaults_stay_below_the_firm_cap_with_entry_and_exit():
    """The failure the first calibration had: run past the 24 months it fits, entry ran to the firm
    cap with no exit. Threshold fixed before the run: over 120 months and 4 seeds, the number of active
    firms stays below the cap (80) in every month, and every run has both entries and exits."""
    for s in range(4):
        df = MarketModel(make_params({}), rng=s).run()
        assert df.active.max() < make_params({}).max_firms, (s, df.active.max())
        assert df.entries.sum() > 0 and df.exits.sum() > 0, s


def test_progress_makes_a_dollar_buy_more_effective_compute_later():
    a = MarketModel(make_params({"periods": 1}), rng=0)
    assert a._progress(12) == pytest.approx(np.exp(12 * a.p.progress))
    b = MarketModel(make_params({"periods": 1, "progress": 0.0}), rng=0)
    assert b._progress(12) == 1.0


def test_start_up_funding_runs_out_and_incumbents_keep_theirs():
    m = MarketModel(make_params({"periods": 1}), rng=0)
    rows = np.flatnonzero(m.alive)
    early, late = m._funding(rows, 0), m._funding(rows, 60)
    inc = m.incumbent[rows]  # both calls use the same (current) market size
    assert np.allclose(late[inc], early[inc])
    assert np.allclose(late[~inc], early[~inc] * np.exp(-60 / m.p.funding_runway))
    endless = MarketModel(make_params({"periods": 1, "funding_runway": 0.0}), rng=0)
    assert np.allclose(endless._funding(rows, 60), endless._funding(rows, 0))


def _training_share(kind: str, seeds: int = 10, periods: int = 36, window=(12, 36)) -> tuple[float, int]:
    """Share of the active firm-months of ``kind`` in ``window`` that chose a positive training spend."""
    from moatlab.market.model import ADOPT

    p = make_params({"periods": periods}, base=load_scenario("baseline").params)
    n = trained = 0
    for seed in range(seeds):
        m = MarketModel(p, rng=seed)
        for t in range(periods):
            m.step()
            if window[0] <= t < window[1]:
                ids = [i for i, f in m.firms.items() if f.kind == kind and m.alive[i]]
                ch = m.choice[ids]
                n += len(ids)
                trained += int(((ch > 0) & (ch < ADOPT)).sum())
    return trained / n, n


def test_incumbents_train():
    share, n = _training_share("incumbent")
    assert n > 0 and share > 0.5, (share, n)


@pytest.mark.xfail(
    strict=True,
    reason="measured (10 seeds, calibrated defaults, months 12-35): start-ups' own pricing chose a "
    "positive training budget in 7 of 3,296 firm-months (incumbents: 76%). They train with the money "
    "raised to train (the calibrated train_share 0.536: 9.7 of their 17.3 $B a year); the rest of their "
    "funding piles up as cash (at month 35 a median $2.3B each, against the incumbents' $8.6B): with "
    "users' calibrated response to quality (0.26) a start-up's own training beyond that is rarely worth "
    "its cost; see docs/market.md, Limitations",
)
def test_start_ups_choose_to_train_from_their_own_cash():
    """Funded foundation-model start-ups spend on training (OpenAI, Anthropic, Mistral, xAI in
    2023-2024). The money they raise to train (``train_share``) is spent by construction; this asks
    whether their own pricing of quality ever chooses to spend more. Threshold fixed before the run: in
    at least a tenth of their active months."""
    share, n = _training_share("challenger")
    assert n > 0 and share > 0.1, (share, n)


def test_money_raised_to_train_is_spent_on_training():
    """``train_share``: a start-up spends that share of each month's outside funding on training, on
    top of what its pricing chooses; the money leaves its cash and buys compute."""
    base = make_params({"periods": 24, "types": {"challenger": {"train_share": 0.0}}},
                       base=load_scenario("baseline").params)  # fmt: skip
    raised = make_params({"types": {"challenger": {"train_share": 0.5}}}, base=base)
    models = [MarketModel(base, rng=1), MarketModel(raised, rng=1)]
    for m in models:
        for _ in range(24):
            m.step()

    def challengers(m):
        ids = [i for i, f in m.firms.items() if f.kind == "challenger" and m.alive[i]]
        return np.log(m.compute[ids]).mean(), np.median(m.cash[ids])

    (x0, cash0), (x1, cash1) = map(challengers, models)
    assert x1 > x0 and cash1 < cash0
    df = MarketModel(raised, rng=1).run()  # every month, at least half the raised money goes to training
    assert (df.startup_funding > 0).all()
    assert (df.startup_training >= 0.5 * df.startup_funding * (1 - 1e-12)).all()
