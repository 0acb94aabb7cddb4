"""The race model: the seed's statements S1–S4 as properties, and every component's checks."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moatlab import ParameterError
from moatlab.race import (
    Customers,
    Niche,
    Prestige,
    RaceModel,
    ReleaseProcess,
    Spillover,
    ValueCurve,
    optimal_upgrade,
    revenue,
    sweep,
    upgrade,
)

# random concave value curves over compute spanning many orders of magnitude
scale = st.floats(1e18, 1e26)
concave = st.one_of(
    st.builds(lambda a, x0: ValueCurve("log", a=a, x0=x0), st.floats(0.1, 10), scale),
    st.builds(
        lambda a, x0, b: ValueCurve("power", a=a, x0=x0, b=b), st.floats(0.1, 10), scale, st.floats(0.1, 1.0)
    ),
)
curves = st.one_of(
    concave,
    st.builds(
        lambda a, mid, k: ValueCurve("logistic", a=a, mid=mid, k=k),
        st.floats(0.1, 10),
        scale,
        st.floats(0.3, 3),
    ),
)


def fx(f, x):
    return float(f(np.asarray(x)))


@given(
    curves,
    st.floats(1, 1e4),
    st.integers(1, 1000),
    st.floats(1e19, 1e25),
    st.floats(1.01, 100),
    st.floats(1.01, 100),
)
def test_S1_constant_open_revenue(f, n, m, x, ratio, bump):
    y = x * ratio
    r = revenue(RaceModel(f=f, n=n, m=m, open=x, closed=y)).revenue
    assert r == pytest.approx(n * m * (fx(f, y) - fx(f, x)), rel=1e-9, abs=1e-12)
    r2 = revenue(RaceModel(f=f, n=n, m=m, open=min(x * bump, y), closed=y)).revenue
    assert r2 <= r * (1 + 1e-12)  # decreasing in x


@given(
    curves,
    st.floats(1, 1e4),
    st.integers(1, 1000),
    st.floats(1e19, 1e25),
    st.floats(1.01, 100),
    st.floats(1.01, 100),
    st.floats(0.0, 0.99),
)
def test_S2_upgrade_revenue_independent_of_open(f, n, m, y, ratio, zr, xfrac):
    z = y * zr
    x = y * xfrac
    rz = revenue(RaceModel(f=f, n=n, m=m, open=x, closed=z)).revenue
    ry = revenue(RaceModel(f=f, n=n, m=m, open=x, closed=y)).revenue
    assert rz - ry == pytest.approx(n * m * (fx(f, z) - fx(f, y)), rel=1e-8, abs=1e-9 * rz)
    other = (
        revenue(RaceModel(f=f, n=n, m=m, open=x * 0.5, closed=z)).revenue
        - revenue(RaceModel(f=f, n=n, m=m, open=x * 0.5, closed=y)).revenue
    )
    assert other == pytest.approx(rz - ry, rel=1e-8, abs=1e-9 * rz)


@given(curves, st.floats(1, 1e4), st.integers(2, 730), st.data())
def test_S3_bigger_open_upgrade_lowers_upgrade_value(f, n, m, data):
    x = data.draw(st.floats(1e19, 1e23))
    y = x * data.draw(st.floats(1.1, 10))
    z = y * data.draw(st.floats(3, 100))
    k = data.draw(st.integers(1, m - 1))
    x1 = data.draw(st.floats(y * 1.01, z * 0.99))
    x2 = data.draw(st.floats(x1, z * 0.99))
    cost = data.draw(st.floats(0, 1e-20))
    v = [
        upgrade(RaceModel(f=f, n=n, m=m, open=[(0, x), (k, xp)], closed=y, cost_per_unit=cost), z).value
        for xp in (x1, x2)
    ]
    assert v[1] <= v[0] + 1e-9 * abs(v[0])
    # and the seed's closed form: V = n k (f(z) − f(y)) + n (m − k)(f(z) − f(x′)) − C(z)
    expect = n * k * (fx(f, z) - fx(f, y)) + n * (m - k) * (fx(f, z) - fx(f, x2)) - cost * z
    assert v[1] == pytest.approx(expect, rel=1e-8, abs=1e-9 * max(1.0, abs(expect)))


@settings(max_examples=25, deadline=None)
@given(concave, st.floats(10, 1e4), st.integers(30, 730), st.data())
def test_S4_zstar_non_increasing_in_open_frontier(f, n, m, data):
    x = data.draw(st.floats(1e20, 1e23))
    y = x * data.draw(st.floats(1.1, 10))
    k = data.draw(st.integers(0, m - 1))
    # cost per unit chosen so the unconstrained optimum lies a few decades above y
    slope = float(f.derivative(y * data.draw(st.floats(10, 1e4))))
    model = RaceModel(f=f, n=n, m=m, open=x, closed=y, cost_per_unit=n * m * slope)
    grid = np.geomspace(y * 1.01, y * 1e5, 12)
    ds = sweep(model, open_upgrade=grid, release_day=[k], optimise=True)
    zs = ds["z_star"].values[:, 0]
    eff = np.where(np.isfinite(zs), zs, y)  # no upgrade = stay at y
    assert np.all(np.diff(eff) <= 1e-6 * eff[:-1]), eff


def test_oligopoly_bertrand():
    f = ValueCurve("log")
    base = RaceModel(f=f, n=10, m=100, open=1.0, closed=5.0)
    assert revenue(base.replace(rivals=(base.closed,))).revenue == 0.0  # equal models price at zero
    r = revenue(base.replace(rivals=(3.0,))).revenue
    assert r == pytest.approx(10 * 100 * (f(5.0) - f(3.0)))  # the gap to the second best
    r = revenue(base.replace(rivals=(0.5,))).revenue  # the open model is the second best
    assert r == pytest.approx(10 * 100 * (f(5.0) - f(1.0)))
    assert revenue(base.replace(rivals=(8.0,))).revenue == 0.0  # not the leader: sells nothing


@given(
    curves,
    st.floats(1, 1e3),
    st.integers(2, 400),
    st.floats(1e19, 1e24),
    st.floats(1.01, 50),
    st.sampled_from(["seed", "uniform", "discriminate"]),
)
def test_discount_one_and_identical_customers_reproduce_core(f, n, m, x, ratio, pricing):
    core = RaceModel(f=f, n=n, m=m, open=[(0, x), (m // 2, x * ratio)], closed=x * ratio**0.5)
    ext = core.replace(
        discount=1.0, customers=Customers("empirical", pricing, sample=(1.0,)), demand_growth=0.0
    )
    assert revenue(ext).revenue == revenue(core).revenue
    assert upgrade(ext, x * ratio * 2).value == upgrade(core, x * ratio * 2).value


def test_customers_pricing_and_surplus():
    f = ValueCurve("log")
    base = RaceModel(f=f, n=1, m=1, open=1.0, closed=5.0)
    gap = float(f(5.0) - f(1.0))
    c = Customers("uniform", "discriminate", low=0.0, high=2.0)
    assert revenue(base.replace(customers=c)).revenue == pytest.approx(gap, rel=1e-6)  # E[v] = 1
    r = revenue(base.replace(customers=Customers("uniform", "uniform", low=0.0, high=2.0)))
    # uniform on [0, 2]: the best price is gap·1 and half the customers buy
    assert r.revenue == pytest.approx(0.5 * gap, rel=1e-3)
    assert r.consumer_surplus == pytest.approx(0.25 * gap, rel=1e-3)
    het = revenue(base.replace(customers=Customers("lognormal", "uniform", sigma=1.0)))
    disc = revenue(base.replace(customers=Customers("lognormal", "discriminate", sigma=1.0)))
    assert het.revenue < disc.revenue and het.consumer_surplus > 0 == disc.consumer_surplus


def test_pricing_gap_is_the_essays_rule_and_its_first_name_still_works():
    f = ValueCurve("log")
    base = RaceModel(f=f, n=1, m=1, open=1.0, closed=5.0)
    assert Customers().pricing == "gap" and Customers(pricing="seed").pricing == "gap"
    gap = float(f(5.0) - f(1.0))
    assert revenue(base.replace(customers=Customers(pricing="seed"))).revenue == pytest.approx(gap, rel=1e-12)
    for bad in (float("nan"), float("inf"), 1e3):  # a NaN used to pass and make every revenue NaN
        with pytest.raises(ParameterError, match=r"^customers\.mu = .* not allowed: must be in \[-50, 50\]"):
            Customers("lognormal", mu=bad)


def test_discounting_demand_niches_prestige_spillover():
    f = ValueCurve("log")
    base = RaceModel(f=f, n=1, m=10, open=1.0, closed=5.0)
    gap = float(f(5.0) - f(1.0))
    assert revenue(base.replace(discount=0.5)).revenue == pytest.approx(gap * (1 - 0.5**10) / 0.5)
    assert revenue(base.replace(demand_growth=0.1)).revenue == pytest.approx(gap * (1.1**10 - 1) / 0.1)
    # niches: the open model is better in one niche, the lab still sells in the other
    r = revenue(base.replace(niches=(Niche(0.5, f), Niche(0.5, f, open_skill=10.0)))).revenue
    assert r == pytest.approx(0.5 * 10 * gap)
    r = revenue(base.replace(prestige=Prestige(per_day=2.0)))
    assert r.prestige == 20.0 and r.payoff == pytest.approx(r.revenue + 20.0)
    u0 = upgrade(base, 50.0, day=0)
    u1 = upgrade(base.replace(spillover=Spillover(sigma=1.0, floor=0.1)), 50.0, day=0)
    assert u1.cost == pytest.approx(49.0) and u1.value == pytest.approx(u0.value + 1.0)


def test_monte_carlo_is_reproducible_and_converges_to_the_exact_expectation():
    f = ValueCurve("log")
    m, x, xp, y = 50, 1.0, 8.0, 4.0
    model = RaceModel(
        f=f,
        n=1,
        m=m,
        open=x,
        closed=y,
        uncertain=ReleaseProcess("uniform_day", log_mu=float(np.log(xp / x)), draws=20000),
    )
    a, b = revenue(model, rng=7), revenue(model, rng=7)
    assert a.revenue == b.revenue and a.sd_revenue == b.sd_revenue
    assert revenue(model, rng=np.random.default_rng(7)).revenue == a.revenue
    assert revenue(model, rng=8).revenue != a.revenue
    # a single release at a day k uniform on {0..m−1}: E[R] = (1/m) Σ_k k (f(y) − f(x))
    exact = np.mean([k * (f(y) - f(x)) + (m - k) * max(0.0, f(y) - f(xp)) for k in range(m)])
    se = a.sd_revenue / np.sqrt(20000)
    assert abs(a.revenue - exact) < 4 * se
    # the mean error shrinks like 1/sqrt(draws) across seeds
    errs = [
        abs(
            revenue(
                model.replace(
                    uncertain=model.uncertain.__class__("uniform_day", log_mu=float(np.log(8.0)), draws=d)
                ),
                rng=s,
            ).revenue
            - exact
        )
        for d in (200, 20000)
        for s in range(8)
    ]
    assert np.mean(errs[8:]) < np.mean(errs[:8])


def test_monte_carlo_chunking_does_not_change_numbers(monkeypatch):
    from moatlab.race import analysis

    model = RaceModel(f="log", n=3, m=200, open=1.0, closed=4.0, uncertain=ReleaseProcess(draws=3000))
    a = sweep(model, open_compute=[0.5, 1.0, 2.0], upgrade_to=[10.0], rng=3)
    monkeypatch.setattr(analysis, "_BUDGET", 500)
    b = sweep(model, open_compute=[0.5, 1.0, 2.0], upgrade_to=[10.0], rng=3)
    np.testing.assert_allclose(a["value"], b["value"], rtol=1e-12)


def test_optimal_upgrade_matches_first_order_condition():
    # log f, constant open x < y: V(z) = n m (log(1+z) − log(1+y)) − z  →  z* = n m − 1
    o = optimal_upgrade(RaceModel(f="log", n=20, m=100, open=1.0, closed=3.0))
    assert o.upgrade and o.z_star == pytest.approx(1999.0, rel=1e-7)
    o = optimal_upgrade(RaceModel(f="log", n=1, m=1, open=1.0, closed=3.0))
    assert not o.upgrade and np.isnan(o.z_star)


def test_big_compute_without_loss():
    f = ValueCurve("log", x0=1e24)
    r = revenue(RaceModel(f=f, n=1e6, m=365, open=3e24, closed=2e25)).revenue
    assert r == pytest.approx(1e6 * 365 * (np.log1p(20) - np.log1p(3)), rel=1e-12)


def test_bad_input_is_one_clear_error():
    with pytest.raises(ParameterError, match="open compute .* non-decreasing"):
        RaceModel(open=[(0, 5.0), (10, 1.0)])
    with pytest.raises(ParameterError, match="closed compute = -1 .* finite number >= 0"):
        RaceModel(closed=-1.0)
    with pytest.raises(ParameterError, match="discount = 1.5 is not allowed"):
        RaceModel(discount=1.5)
    with pytest.raises(ParameterError, match="discount = 0 is not allowed"):
        RaceModel(discount=0.0)
    with pytest.raises(ParameterError, match="f = 'dec' is not allowed: must be increasing"):
        revenue(
            RaceModel(f=ValueCurve("callable", fn=lambda x: -np.log(x), name="dec"), open=1.0, closed=2.0)
        )
    with pytest.raises(ParameterError, match="open days"):
        RaceModel(open=[(0, 1.0), (0, 2.0)])


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"discount": 0.99, "demand_growth": 0.01},
        {"rivals": (2.0,), "customers": Customers("lognormal", "uniform")},
        {"niches": (Niche(0.5, ValueCurve()), Niche(0.5, ValueCurve(), open_skill=3.0))},
        {"uncertain": ReleaseProcess(draws=300)},
    ],
)
def test_daily_revenue_adds_up_to_the_total(extra):
    r = revenue(RaceModel(n=100, m=200, open=[(0, 1.0), (80, 6.0)], closed=4.0, **extra), rng=3)
    assert r.daily_revenue.shape == (200,)
    assert r.daily_revenue.sum() == pytest.approx(r.revenue, rel=1e-12)
    assert (r.daily_revenue[80:] <= r.daily_revenue[79] + 1e-12).all()  # the open jump lowers it
