"""Closed form vs numerical path, corner cases, penalty forms, vectorisation and validation."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import brentq

from moatlab import Form1, GameForms, GameParams, ParameterError, solve
from moatlab.game import equilibrium_arrays

from .reference import best_a1, params, u_g

KEYS = ("omega", "omega_free", "alpha1", "U_G", "U_D", "surplus", "penalty_paid")


def _default_as_user_forms(m):
    """The default family written as plain user callables (no derivatives given)."""
    return GameForms(
        revenue=lambda a: a,
        share=lambda w: m["delta0"] * (1 - w),
        finetune_cost=lambda d, w: m["c_d"] * (1 - m["lam"] * w) * d**2,
        benefit=lambda w: m["epsilon"] * w,
        serving_cost=lambda w: m["kappa0"] * (1 - w),
        production_cost=lambda a: m["c_g"] * a**2,
    )


model = st.fixed_dictionaries(dict(
    alpha0=st.floats(0.005, 3), delta0=st.floats(0.05, 1), c_d=st.floats(0.2, 5),
    lam=st.floats(0, 0.95), epsilon=st.floats(0, 0.4), kappa0=st.floats(0, 0.3),
    c_g=st.floats(0, 0.6), f_d=st.sampled_from([0.0, 0.05, 0.3]),
))


@given(model, st.sampled_from(["lump_sum", "turnover", "shortfall"]), st.integers(0, 2**32 - 1))
def test_numerical_path_agrees_with_closed_form(m, form, seed):
    rng = np.random.default_rng(seed)
    theta, pen = rng.uniform(0, 1, 64), rng.uniform(0, 0.6, 64)
    pp = GameParams(theta=theta, penalty=pen, penalty_form=form, **m)
    exact = equilibrium_arrays(pp, method="closed_form")
    num = equilibrium_arrays(pp, forms=_default_as_user_forms(m))
    assert np.array_equal(exact["action"], num["action"])
    for k in KEYS:
        np.testing.assert_allclose(num[k], exact[k], rtol=0, atol=1e-9, err_msg=k)


def test_numerical_path_with_concave_revenue_is_an_equilibrium():
    forms = GameForms(revenue=Form1(lambda a: np.sqrt(a), deriv=lambda a: 0.5 / np.sqrt(a)))
    for a0 in (0.02, 0.3, 2.0):
        eq = solve(alpha0=a0, theta=0.5, penalty=0.05, forms=forms)
        # G's choice by a dense ω grid, D's response by scipy's brentq on its FOC
        def ug(w, a0=a0):
            share = 0.7 * (1 - w)
            foc = lambda a: (1 - share) * 0.5 / np.sqrt(a) - 2 * (1 - 0.6 * w) * (a - a0)  # noqa: E731
            best = brentq(foc, a0, a0 + 10, xtol=1e-15, rtol=1e-15)
            return share * np.sqrt(best) - (0.05 if w < 0.5 else 0.0)
        grid = max(ug(w) for w in np.linspace(0, 1, 401))
        assert eq.U_G >= grid - 1e-12
        assert eq.U_G == pytest.approx(ug(eq.omega), abs=1e-12)
        assert eq.method == "numerical"


def test_closed_form_rejects_user_forms():
    with pytest.raises(ParameterError, match="method"):
        solve(method="closed_form", forms=GameForms(revenue=lambda a: a))


def test_theta_zero_never_binds():
    ds = solve(alpha0=np.geomspace(0.01, 5, 30), theta=0.0, penalty=0.3)
    assert set(np.unique(ds["action"].values)) == {1}


def test_theta_one_requires_full_openness():
    ds = solve(alpha0=np.geomspace(0.01, 5, 30), theta=1.0, penalty=np.linspace(0, 3, 31))
    comply = ds["action"].values == 2
    assert comply.any()
    assert np.all(ds["omega"].values[comply] == 1.0)


def test_zero_penalty_never_forces_openness():
    ds = solve(alpha0=np.geomspace(0.01, 5, 30), theta=np.linspace(0, 1, 21), penalty=0.0)
    np.testing.assert_allclose(ds["omega"], ds["omega_free"])
    assert np.all(ds["penalty_paid"].values == 0)


def test_alpha0_to_zero_and_lambda_to_one_stay_finite():
    for eq in (solve(alpha0=1e-12), solve(alpha0=0.1, lam=1 - 1e-9, theta=1.0, penalty=1.0)):
        assert np.isfinite([eq.omega, eq.alpha1, eq.U_G, eq.U_D]).all()
    eq = solve(alpha0=0.1, lam=1 - 1e-9, theta=1.0, penalty=1.0)
    assert eq.action == "comply" and eq.alpha1 > 1e6  # fine-tuning is almost free at ω = 1


def test_specialist_abstains_and_generalist_exits():
    eq = solve(alpha0=0.1, f_d=5.0)  # entry cost D cannot recover at any openness
    assert not eq.participates and np.isnan(eq.alpha1) and eq.U_D == 0.0
    assert eq.U_G == pytest.approx(0.0) and eq.omega == 1.0  # indifferent G: more open
    eq = solve(alpha0=0.1, f_d=5.0, c_g=1.0)
    assert eq.action == "exit" and np.isnan(eq.omega) and eq.U_G == 0 and eq.U_D == 0


def test_participation_threshold_is_attained_exactly():
    # an entry cost that D covers only above some openness: G opens exactly to that point
    p = params(alpha0=0.05, delta0=0.9, lam=0.5, f_d=0.3)
    eq = solve(**p)
    ws = np.linspace(0, 1, 200001)
    assert eq.participates
    assert eq.U_G >= u_g(ws, p).max() - 1e-12
    assert eq.U_D == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("form", ["lump_sum", "turnover", "shortfall"])
def test_penalty_paid_follows_its_form(form):
    eq = solve(alpha0=2.0, theta=0.8, penalty=0.2, penalty_form=form)
    assert eq.action == "defy"
    share = 0.7 * (1 - eq.omega)
    expected = {"lump_sum": 0.2, "turnover": 0.2 * share * eq.alpha1,
                "shortfall": 0.2 * (0.8 - eq.omega)}[form]
    assert eq.penalty_paid == pytest.approx(expected, rel=1e-12)
    assert eq.U_G == pytest.approx(u_g(eq.omega, params(alpha0=2.0, theta=0.8, penalty=0.2,
                                                       penalty_form=form)), abs=1e-12)
    assert eq.alpha1 == pytest.approx(best_a1(eq.omega, params(alpha0=2.0)))


def test_grid_dims_follow_argument_order_and_match_points():
    ds = solve(penalty=[0.0, 0.1, 0.3], alpha0=[0.05, 0.5], theta=0.6)
    assert ds["U_G"].dims == ("penalty", "alpha0")
    assert ds["alpha0"].attrs["units"] and ds["U_G"].attrs["units"] == "revenue units"
    for p in (0.0, 0.1, 0.3):
        for a in (0.05, 0.5):
            eq = solve(penalty=p, alpha0=a, theta=0.6)
            assert ds["U_G"].sel(penalty=p, alpha0=a).item() == eq.U_G
            assert ds["action"].sel(penalty=p, alpha0=a).item() == ["exit", "not_binding", "comply",
                                                                    "defy"].index(eq.action)


def test_broadcasting_arrays():
    a0 = np.array([[0.05], [1.0]])
    th = np.array([0.2, 0.6, 0.9])
    out = equilibrium_arrays(GameParams(alpha0=a0, theta=th, penalty=0.05))
    assert out["omega"].shape == (2, 3)
    assert out["U_G"][1, 2] == solve(alpha0=1.0, theta=0.9, penalty=0.05).U_G


@pytest.mark.parametrize("kw, name", [
    (dict(alpha0=0), "alpha0"), (dict(alpha0=-1), "alpha0"), (dict(theta=1.5), "theta"),
    (dict(theta=-0.1), "theta"), (dict(penalty=-1), "penalty"), (dict(lam=1.0), "lam"),
    (dict(delta0=0), "delta0"), (dict(delta0=1.2), "delta0"), (dict(c_d=0), "c_d"),
    (dict(alpha0=float("nan")), "alpha0"), (dict(penalty_form="fine"), "penalty_form"),
    (dict(penalty_form="turnover", penalty=1.5), "penalty"), (dict(alpha0=[0.1, -2]), "alpha0"),
    (dict(alpha0="x"), "alpha0"), (dict(gamma=1), "parameter"),
])
def test_bad_input_names_the_parameter(kw, name):
    with pytest.raises(ParameterError) as e:
        solve(**kw)
    msg = str(e.value)
    assert msg.startswith(name) and "must be" in msg and "\n" not in msg
