"""Which components can reverse the seed's conclusion (z* non-increasing in the open frontier)?

Two can: prestige of the frontier (the lab pays to stay just above a larger open model) and a
training spill-over whose floor binds (the discount σ·x′ moves the kink of C(z | x′) past the
core z*). The other six cannot by construction; an ensemble of their parameters checks it.
Setting throughout: n = 100, m = 365, y = 4, f = log(1 + x), the open release on day 0, the
upgrade shipping on day 0; the core z* is n·m − 1 = 36,499.
"""

import numpy as np
import pytest

from moatlab.race import (
    Customers,
    Niche,
    Prestige,
    RaceModel,
    ReleaseProcess,
    Spillover,
    ValueCurve,
    component_effects,
)

BASE = RaceModel(n=100, m=365, open=1.0, closed=4.0)
SMALL, LARGE = 4.5, 5e4


def zstar(model, xs):
    ds = component_effects(model, xs, release_day=0, day=0, presets={})
    return ds["z_star"].values[0]


def test_core_holds():
    z = zstar(BASE, [SMALL, LARGE])
    assert z[0] == pytest.approx(36_499, rel=1e-6)
    assert np.isnan(z[1]) or z[1] <= z[0]


@pytest.mark.parametrize(
    "component",
    [{"prestige": Prestige(per_day=300.0)}, {"spillover": Spillover(sigma=2.0, floor=0.2)}],
    ids=["prestige 300/day", "spillover sigma=2 floor=0.2"],
)
def test_reversal(component):
    z = zstar(BASE.replace(**component), [SMALL, LARGE])
    assert z[0] == pytest.approx(36_499, rel=1e-6)
    assert z[1] > z[0]  # a larger open model makes the lab upgrade further


def test_spillover_reversal_follows_the_kink():
    # C(z | x′) = c·max(φz, z − σx′): below the kink z = σx′/(1 − φ) the marginal cost is only c·φ,
    # so once the kink passes the core z*, z* follows it up with x′
    sp = Spillover(sigma=2.0, floor=0.2)
    for x in (2e4, 4e4):
        z = zstar(BASE.replace(spillover=sp), [x])[0]
        assert z == pytest.approx(sp.sigma * x / (1 - sp.floor), rel=1e-3)


def test_prestige_reversal_holds_the_frontier_just_above_the_open_model():
    z = zstar(BASE.replace(prestige=Prestige(per_day=300.0)), [LARGE])[0]
    assert LARGE < z <= 1.001 * LARGE


# the six components that cannot reverse: parameter ranges of the random ensemble (seed 20261201)
RANGES = {
    "discount": "β ∈ [0.99, 1]",
    "customers": "lognormal σ ∈ [0.1, 1.5], pricing gap | uniform | discriminate",
    "rivals": "one rival at a fraction ∈ [0.1, 0.9] of the lab's compute",
    "uncertain": "Poisson rate ∈ [1, 6]/365, log_mu ∈ [0, 1.5], log_sigma ∈ [0, 1], 100 draws",
    "niches": "two niches, weight ∈ [0.2, 0.8], open_skill ∈ [0.5, 3], closed_skill ∈ [0.5, 2]",
    "demand_growth": "g ∈ [−0.002, 0.005] per day",
}


def _draw(kind, r):
    if kind == "discount":
        return {"discount": float(r.uniform(0.99, 1.0))}
    if kind == "customers":
        pricing = ("gap", "uniform", "discriminate")[int(r.integers(3))]
        return {"customers": Customers("lognormal", pricing, sigma=float(r.uniform(0.1, 1.5)), points=501)}
    if kind == "rivals":
        return {"rivals": (float(r.uniform(0.1, 0.9)) * 4.0,)}
    if kind == "uncertain":
        return {
            "uncertain": ReleaseProcess(
                rate=float(r.uniform(1, 6)) / 365,
                log_mu=float(r.uniform(0, 1.5)),
                log_sigma=float(r.uniform(0, 1)),
                draws=100,
            )
        }
    if kind == "niches":
        w = float(r.uniform(0.2, 0.8))
        return {
            "niches": (
                Niche(w, ValueCurve(), closed_skill=float(r.uniform(0.5, 2))),
                Niche(1 - w, ValueCurve(), open_skill=float(r.uniform(0.5, 3))),
            )
        }
    return {"demand_growth": float(r.uniform(-0.002, 0.005))}


@pytest.mark.parametrize("kind", list(RANGES))
def test_components_that_cannot_reverse(kind):
    r = np.random.default_rng([20261201, list(RANGES).index(kind)])
    xs = np.geomspace(SMALL, 1e5, 12)
    for _ in range(3):
        model = BASE.replace(**_draw(kind, r))
        ds = component_effects(model, xs, release_day=0, day=0, presets={}, rng=1)
        z = np.nan_to_num(ds["z_star"].values[0], nan=0.0)
        assert (np.diff(z) <= 1e-6 * max(z.max(), 1.0)).all(), (kind, model.components, z)


def test_open_release_prestige_reverses_while_leading_the_open_frontier_pays():
    # released openly, the lab earns nothing but per_day while its model leads the open frontier:
    # it buys z just above x′ whenever per_day·m > c·x′, so z* rises with x′ up to per_day·m / c
    from moatlab.race import OpenRelease, revenue

    r = np.random.default_rng(20261201)
    for per_day in r.uniform(50.0, 500.0, 3):
        model = BASE.replace(open_release=OpenRelease(per_day=float(per_day)))
        cap = per_day * BASE.m / BASE.cost_per_unit
        xs = np.array([SMALL, 0.01 * cap, 0.5 * cap, 0.95 * cap, 1.05 * cap])
        z = zstar(model, xs)
        assert ((z[:-1] > xs[:-1]) & (z[:-1] <= 1.001 * xs[:-1])).all(), (per_day, z)
        assert (np.diff(z[:-1]) > 0).all() and np.isnan(z[-1])  # the reversal, then no upgrade
        rv, closed = revenue(model), revenue(BASE)
        assert rv.revenue == 0.0 and rv.consumer_surplus == pytest.approx(closed.revenue)
    # without reputation an open release gives no reason to upgrade at all
    assert np.isnan(zstar(BASE.replace(open_release=OpenRelease(per_day=0.0)), [SMALL, LARGE])).all()


def test_open_release_in_a_scenario_file(tmp_path):
    from moatlab.race import OpenRelease, ScenarioError, load_scenario

    f = tmp_path / "rel.toml"
    f.write_text("[open_release]\nper_day = 300.0\n")
    assert load_scenario(f).model.open_release == OpenRelease(per_day=300.0)
    assert load_scenario(f).model.label == "open_release"
    f.write_text("[open_release]\nper_day = -1\n")
    with pytest.raises(ScenarioError, match="open_release.per_day = -1"):
        load_scenario(f)
