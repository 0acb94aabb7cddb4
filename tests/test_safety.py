"""The safety-floor game's solver against independent references, its API and its errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from moatlab.errors import LimitError, ParameterError
from moatlab.safety import STRATEGIES, grid, kernel, solve, solve_arrays

from .safety_reference import brute_g, d_best, outcome, random_case


def _flat(cases):
    def arr(k, i=None):
        return np.array([c[k] if i is None else c[k][i] for c in cases])

    return dict(theta_g=arr("theta_g"), theta_d=arr("theta_d"), c0_aa=arr("c0", 0), c0_ab=arr("c0", 1),
                c0_bb=arr("c0", 2), c1_aa=arr("c1", 0), c1_ab=arr("c1", 1), c1_bb=arr("c1", 2),
                r_a=arr("r", 0), r_b=arr("r", 1), delta=arr("delta"))


def test_equilibrium_matches_dense_brute_force():
    """120 random games (cross terms of both signs up to 0.9 of the convexity bound, floors zero
    or positive, some zero revenue weights), all solved in one vectorised call: G's utility is
    never below the best of a dense, twice-refined grid search (with D's response found by
    trying every active set), the reported point is what it claims, and abstention happens
    exactly when the search finds no release worth making."""
    rng = np.random.default_rng(20261201)
    cases = [random_case(rng) for _ in range(120)]
    out = solve_arrays(**_flat(cases))
    kinds = set()
    for i, c in enumerate(cases):
        ub, _, _ = brute_g(c)
        sc = 1 + (abs(ub) if np.isfinite(ub) else 0.0)
        kinds.add(int(out["G_strategy"][i]))
        if out["G_strategy"][i] == kernel.ABSTAIN:
            assert not ub > 1e-9 * sc, (i, c, ub)
            assert np.isnan(out["beta1"][i]) and out["U_G"][i] == 0 and out["U_D"][i] == 0
            continue
        UG, UD, b1 = outcome(out["alpha0"][i], out["beta0"][i], c)
        assert UG == pytest.approx(out["U_G"][i], abs=1e-9 * sc)
        assert UD >= -1e-9 * sc and UD == pytest.approx(out["U_D"][i], abs=1e-9 * sc)
        assert b1 == pytest.approx(out["beta1"][i], abs=1e-9 * sc)
        assert out["beta0"][i] >= c["theta_g"] - 1e-12 and out["beta1"][i] >= c["theta_d"] - 1e-9
        assert out["U_G"][i] >= ub - 1e-9 * sc, (i, c, out["U_G"][i], ub)
        assert out["U_G"][i] - ub < 1e-3 * sc  # the grid search is dense enough to mean something
    assert kinds == set(range(4))  # the ensemble exercises every strategy of G


def test_edge_shares_and_zero_revenue_match_brute_force():
    """δ = 0 and δ = 1 (the ends of the bargaining range: one player earns nothing) and zero
    revenue weights, against the same brute-force search."""
    rng = np.random.default_rng(5)
    cases = []
    for i in range(40):
        c = random_case(rng)
        c["delta"] = (0.0, 1.0)[i % 2]
        if i % 5 == 0:
            c["r"] = (0.0, 0.0) if i % 10 == 0 else (0.0, c["r"][1])
        cases.append(c)
    out = solve_arrays(**_flat(cases))
    for i, c in enumerate(cases):
        ub, _, _ = brute_g(c)
        sc = 1 + (abs(ub) if np.isfinite(ub) else 0.0)
        if out["G_strategy"][i] == kernel.ABSTAIN:
            assert not ub > 1e-9 * sc, (i, c, ub)
            continue
        UG, UD, _ = outcome(out["alpha0"][i], out["beta0"][i], c)
        assert UG == pytest.approx(out["U_G"][i], abs=1e-9 * sc) and UD >= -1e-9 * sc
        assert out["U_G"][i] >= ub - 1e-9 * sc, (i, c, out["U_G"][i], ub)


_pos = st.floats(0.3, 3)
_kappa = st.floats(-0.9, 0.9)


@given(_pos, _kappa, _pos, _pos, _kappa, _pos, st.floats(0, 2), st.floats(0, 2), st.floats(0, 1),
       st.floats(0, 1.2), st.floats(0, 2.5))
def test_equilibrium_is_never_beaten_by_a_grid_search(p0, k0, s0, p1, k1, s1, ra, rb, delta, tg, td):
    """Hypothesis version of the brute-force check (coarser grid, any δ in [0, 1])."""
    c = dict(c0=(p0, k0 * np.sqrt(p0 * s0), s0), c1=(p1, k1 * np.sqrt(p1 * s1), s1), r=(ra, rb),
             delta=delta, theta_g=tg, theta_d=td)
    res = solve(tg, td, c0=c["c0"], c1=c["c1"], r=c["r"], delta=delta)
    ub, _, _ = brute_g(c, n=121, zooms=2, top=4)
    sc = 1 + (abs(ub) if np.isfinite(ub) else 0.0)
    if not res.product:
        assert not ub > 1e-9 * sc
        return
    UG, UD, _ = outcome(res.alpha0, res.beta0, c)
    assert UG == pytest.approx(res.U_G, abs=1e-9 * sc) and UD >= -1e-9 * sc
    assert res.U_G >= ub - 1e-9 * sc


def test_d_response_closed_form_matches_active_set_search():
    rng = np.random.default_rng(7)
    for _ in range(50):
        c = random_case(rng)
        b0 = np.linspace(0, 3, 61)
        w = 1 - c["delta"]
        xa, xb = kernel.d_response(b0, c["theta_d"], w * c["r"][0], w * c["r"][1], *c["c1"])
        ra, rb, _ = d_best(0.0, b0, c["theta_d"], c["c1"], c["r"], c["delta"])
        np.testing.assert_allclose(xa, ra, atol=1e-12)
        np.testing.assert_allclose(xb, rb, atol=1e-12)


def test_ties_g_prefers_the_safer_release():
    """Identity costs, r = (1, 1), δ = 1/2: at θ_D = 3/8 G is exactly indifferent between its own
    safety investment (β0 = 1/4) and leaving safety to D (β0 = 0); it keeps the safer product."""
    res = solve(theta_d=0.375)
    assert res.beta0 == pytest.approx(0.25) and res.beta1 == pytest.approx(0.5)
    assert solve(theta_d=0.376).beta0 == 0.0


def test_grid_equals_pointwise_and_has_named_dims():
    tg, td = np.linspace(0, 1, 5), np.linspace(0, 2.5, 7)
    ds = grid(theta_g=tg, theta_d=td, c0=(1, -0.3, 2), c1=(1.5, 0.4, 1), r=(1, 2), delta=0.4)
    assert ds["beta1"].dims == ("theta_g", "theta_d")
    assert ds["G_strategy"].attrs["flag_meanings"].split() == list(STRATEGIES)
    for i in (0, 2, 4):
        for j in (0, 3, 6):
            p = solve(tg[i], td[j], c0=(1, -0.3, 2), c1=(1.5, 0.4, 1), r=(1, 2), delta=0.4)
            assert STRATEGIES[int(ds["G_strategy"][i, j])] == p.G_strategy
            assert float(ds["U_G"][i, j]) == pytest.approx(p.U_G, abs=1e-12)
            np.testing.assert_allclose(float(ds["beta1"][i, j]), p.beta1, atol=1e-12)
    ds2 = grid(theta_d=td, delta=np.array([0.3, 0.6]))
    assert ds2["U_G"].dims == ("theta_d", "delta")
    ds3 = grid(theta_g=0.2, theta_d=td, c1_ab=np.array([-0.5, 0.5]), r_b=np.array([0.5, 1.5]))
    assert ds3["beta1"].dims == ("theta_d", "c1_ab", "r_b")
    p = solve(0.2, td[4], c1=(1, 0.5, 1), r=(1, 0.5))
    assert float(ds3["U_D"][4, 1, 0]) == pytest.approx(p.U_D, abs=1e-12)


@given(st.floats(0, 2), st.floats(0, 3), st.floats(0.3, 3), st.floats(-0.85, 0.85), st.floats(0.3, 3),
       st.floats(0.05, 0.95))
def test_outputs_are_consistent(tg, td, caa, kappa, cbb, delta):
    c0 = (caa, kappa * np.sqrt(caa * cbb), cbb)
    res = solve(tg, td, c0=c0, c1=(cbb, -kappa * np.sqrt(caa * cbb), caa), r=(1.0, 0.7), delta=delta)
    if res.product:
        assert res.beta0 >= tg - 1e-12 and res.beta1 >= td - 1e-9 and res.alpha1 >= res.alpha0 - 1e-12
        assert res.U_G >= 0 and res.U_D >= 0
        assert res.d_beta1 == pytest.approx(res.beta1 - res.beta1_free)
        if res.backfiring:
            assert res.beta1 < res.beta1_free
    else:
        assert res.G_strategy == res.D_strategy == "abstain" and np.isnan(res.alpha0)
        assert not res.backfiring and not res.mutualism


@pytest.mark.parametrize("kw, name", [
    (dict(c0=(1, -1, 1)), "c0"), (dict(c1=(1, 2, 1)), "c1"), (dict(c0=(0, 0, 1)), "c0"),
    (dict(theta_g=-0.1), "theta_g"), (dict(theta_d=float("nan")), "theta_d"),
    (dict(delta=1.2), "delta"), (dict(r=(1, -1)), "r_b"), (dict(r=(1, 2, 3)), "r"),
])
def test_bad_input_is_one_line(kw, name):
    with pytest.raises(ParameterError) as e:
        solve(**kw)
    assert e.value.name == name and "\n" not in str(e.value)


def test_too_large_grid_is_refused():
    with pytest.raises(LimitError):
        grid(theta_g=np.linspace(0, 1, 3000), theta_d=np.linspace(0, 1, 3000))


def test_bargained_share_is_a_best_response_of_the_solution():
    """With bargaining, the chosen δ is at least as good by the solution's criterion as every δ
    on a fine grid (vertical monopoly: G's utility; utilitarian: the sum)."""
    deltas = np.linspace(0, 1, 201)
    for sol, crit in (("vertical_monopoly", lambda o: o["U_G"]),
                      ("utilitarian", lambda o: o["U_G"] + o["U_D"])):
        res = solve(0.1, 0.8, c0=(1, 0.2, 1.5), c1=(0.8, -0.3, 1), r=(1, 1.5), bargaining=sol)
        ref = solve_arrays(theta_g=0.1, theta_d=0.8, c0=(1, 0.2, 1.5), c1=(0.8, -0.3, 1), r=(1, 1.5),
                           delta=deltas)
        fixed = solve(0.1, 0.8, c0=(1, 0.2, 1.5), c1=(0.8, -0.3, 1), r=(1, 1.5), delta=res.delta)
        val = crit(dict(U_G=res.U_G, U_D=res.U_D))
        assert val >= crit(ref).max() - 1e-9
        assert res.U_G == pytest.approx(fixed.U_G) and res.bargaining == sol
        lo, hi = res.delta_pareto
        assert 0 <= lo <= hi <= 1
    assert np.isnan(solve().delta_pareto[0])
