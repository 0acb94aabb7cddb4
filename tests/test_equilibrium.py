"""Equilibrium property: no profitable deviation for G (any ω on a fine grid, or exit) or for D."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from moatlab import solve

from .reference import best_a1, u_d, u_g

unit = st.floats(0, 1)
point = st.fixed_dictionaries(dict(
    alpha0=st.floats(0.005, 3),
    theta=unit,
    penalty=st.floats(0, 0.6),
    delta0=st.floats(0.05, 1),
    c_d=st.floats(0.2, 5),
    lam=st.floats(0, 0.95),
    epsilon=st.floats(0, 0.4),
    kappa0=st.floats(0, 0.3),
    c_g=st.floats(0, 0.6),
    f_d=st.sampled_from([0.0, 0.05, 0.2, 0.6]),
    penalty_form=st.sampled_from(["lump_sum", "turnover", "shortfall"]),
))


def _check(p):
    if p["penalty_form"] == "turnover":
        p = {**p, "penalty": min(p["penalty"], 1.0)}
    eq = solve(**p)
    ws = np.unique(np.concatenate([np.linspace(0, 1, 20001), [p["theta"]]]))
    best_dev = max(0.0, u_g(ws, p).max())  # 0 = exit
    assert best_dev <= eq.U_G + 1e-9, (eq, best_dev)
    if eq.action == "exit":
        assert eq.U_G == 0 and eq.U_D == 0 and np.isnan(eq.omega)
        return
    # G's stated utility is what it gets at its stated ω
    assert abs(u_g(eq.omega, p) - eq.U_G) <= 1e-9
    # D: no fine-tuning level, and not abstaining, beats its response
    a1_star = best_a1(eq.omega, p)
    ud_star = u_d(a1_star, eq.omega, p)
    if eq.participates:
        assert abs(eq.U_D - ud_star) <= 1e-9
        grid = eq.alpha1 + np.linspace(-1, 1, 401) * max(1.0, eq.alpha1)
        grid = grid[grid >= p["alpha0"]]
        assert np.all(u_d(grid, eq.omega, p) <= eq.U_D + 1e-9)
        assert eq.U_D >= -1e-12  # abstaining (0) is no better
    else:
        assert ud_star < 1e-9 and eq.U_D == 0 and np.isnan(eq.alpha1)


@given(point)
def test_no_profitable_deviation(p):
    _check(p)


def test_no_profitable_deviation_numerical_path():
    from hypothesis import given as g

    @g(point)
    def inner(p):
        if p["penalty_form"] == "turnover":
            p = {**p, "penalty": min(p["penalty"], 1.0)}
        eq = solve(method="numerical", **p)
        ws = np.unique(np.concatenate([np.linspace(0, 1, 20001), [p["theta"]]]))
        best_dev = max(0.0, u_g(ws, p).max())
        assert best_dev <= eq.U_G + 1e-9

    inner()
