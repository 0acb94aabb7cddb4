"""P1–P5 of Qiu et al. (NeurIPS 2025) as properties over parameter ranges; nothing here is written into
the solver."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from moatlab import solve
from moatlab.game.landscape import landscape, policy_curves

# the part of parameter space the paper's statements are about: G keeps a large share of a
# closed model's revenue (δ0) and openness cuts D's costs substantially (λ)
model = st.fixed_dictionaries(dict(
    delta0=st.floats(0.6, 1.0), c_d=st.floats(0.5, 2.0), lam=st.floats(0.3, 0.9),
))
ALPHA = np.geomspace(0.005, 20, 120)


@given(model)
def test_p1_closed_for_high_alpha0_interior_for_low(m):
    w = solve(alpha0=ALPHA, **m)["omega_free"].values
    assert np.all(np.diff(w) <= 1e-12), "ω_free must not rise with α0"
    assert w[-1] == 0.0
    assert 0 < w[0] < 1


@given(model, st.floats(0.01, 0.5))
def test_p1_reputation_raises_openness(m, eps):
    w0 = solve(alpha0=ALPHA, epsilon=0.0, **m)["omega_free"].values
    w1 = solve(alpha0=ALPHA, epsilon=eps, **m)["omega_free"].values
    assert np.all(w1 >= w0 - 1e-12)
    interior = (w0 > 0) & (w0 < 1)
    assert np.all(w1[interior] > w0[interior])


def test_p1_values_at_defaults():
    assert solve(alpha0=1.5).omega_free == 0.0
    assert abs(solve(alpha0=0.05).omega_free - 0.43) < 0.005


TH = np.linspace(0, 1, 41)
PE = np.linspace(0, 0.6, 61)


@given(model, st.floats(0.01, 2.0), st.floats(0.05, 0.5))
def test_p2_indifference_curve_separates_comply_from_defy(m, a0, cg):
    ds = landscape(TH, PE, alpha0=a0, c_g=cg, **m)
    act = ds["action"].values
    pstar = ds["p_star"].values
    wfree = ds["omega_free"].values[:, 0]
    for i in range(TH.size):
        if np.isfinite(pstar[i]):
            above = PE > pstar[i] + 1e-9
            below = PE < pstar[i] - 1e-9
            assert np.all(act[i, above] == 2)
            assert np.all(act[i, below] == 3)
    defy = act == 3
    # defiance: no openness gain, G worse off than without regulation
    assert np.allclose(ds["omega"].values[defy], np.broadcast_to(wfree[:, None], act.shape)[defy])
    assert np.all(ds["dU_G_no_regulation"].values[defy] <= 1e-12)
    assert np.all(ds["dU_D_no_regulation"].values[defy] <= 1e-12)


@given(model, st.floats(0.01, 2.0), st.floats(0.2, 0.5))
def test_p2_exit_region_at_high_theta_and_penalty(m, a0, cg):
    th, pe = np.linspace(0, 1, 41), np.linspace(0, 5, 51)
    ds = landscape(th, pe, alpha0=a0, c_g=cg, **m)
    ex = ds["action"].values == 0
    if solve(alpha0=a0, c_g=cg, **m).U_G <= 0:
        return  # G exits without regulation: nothing to regulate
    assert ex.any(), "with c_G > 0 some (θ, p) must make G exit"
    i, j = np.nonzero(ex)
    # exit region is up-right closed: raising θ or p from an exit point keeps G out
    for a, b in zip(i, j, strict=True):
        assert ex[a:, b:].all()
    assert not ex[0, :].any() and not ex[:, 0].any()


@given(model, st.floats(0.005, 0.1))
def test_p3_calibrated_threshold_is_pareto_improving_for_low_alpha0(m, a0):
    ds = landscape(np.linspace(0, 1, 101), np.linspace(0, 0.5, 51), alpha0=a0, **m)
    w, wfree = ds["omega"], ds["omega_free"]
    good = ((ds["action"] == 2) & (w > wfree + 1e-6) & (w < 1)
            & (ds["pareto_strict_no_exemption"] == 1))
    assert bool(good.any())


@given(model, st.floats(0.005, 3.0), st.floats(0.05, 10.0))
def test_p4_raising_theta_in_comply_region_moves_utility_from_g_to_d(m, a0, p):
    th = np.linspace(0, 1, 201)
    ds = solve(alpha0=a0, theta=th, penalty=p, **m)
    comply = ds["action"].values == 2
    idx = np.flatnonzero(comply)
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    if p >= ds["U_G"].values[0]:  # penalty above G's whole unregulated utility: it must comply
        assert sum(r.size for r in runs) >= (th > ds["omega_free"].values[0] + 0.01).sum()
    for r in runs:
        if r.size < 2:
            continue
        assert np.all(np.diff(ds["U_G"].values[r]) < 0)
        assert np.all(np.diff(ds["U_D"].values[r]) > 0)
        assert np.all(np.diff(ds["alpha1"].values[r]) > 0)


@given(model, st.floats(0.05, 1.0))
def test_p5_penalty_needed_rises_with_alpha0(m, theta):
    pstar = np.array([policy_curves([theta], alpha0=a, **m)["p_star"].iloc[0] for a in ALPHA])
    ok = np.isfinite(pstar)
    assert ok.sum() >= 2
    assert np.all(np.diff(pstar[ok]) >= -1e-12)
    bind = pstar[ok] > 0
    assert np.all(np.diff(pstar[ok][bind]) > 0)
    # once the threshold binds, it keeps binding: finite values form one contiguous run
    first = np.argmax(ok)
    assert ok[first:].all()
