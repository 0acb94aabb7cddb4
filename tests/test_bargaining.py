"""The generic bargaining stage (moatlab.game.bargaining): solutions against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from moatlab.errors import ParameterError
from moatlab.game.bargaining import SOLUTIONS, bargain, criterion, pareto_mask


def _random_continuation(rng, n):
    """Smooth, non-trivial continuations: U_G rises then falls in s, U_D falls, quality peaks."""
    a = rng.uniform(0.5, 2.0, n)
    b = rng.uniform(0.2, 1.5, n)
    c = rng.uniform(0.5, 2.0, n)
    e = rng.uniform(-0.3, 0.3, n)
    m = rng.uniform(0.1, 0.9, n)

    def cont(s):
        A, B, C, E, M = (x.reshape(x.shape + (1,) * (s.ndim - 1)) for x in (a, b, c, e, m))
        ug = A * s - B * s**2 + 0.1 * np.sin(3 * s)
        ud = C * (1 - s) ** 1.5 + E * s
        q = 1 - (s - M) ** 2
        return ug, ud, q

    return cont


@pytest.mark.parametrize("solution", [s for s in SOLUTIONS if s != "fixed"])
def test_each_solution_matches_brute_force(solution, rng):
    n = 300
    cont = _random_continuation(rng, n)
    res = bargain(cont, 0.0, 1.0, solution, shape=(n,))
    fine = np.broadcast_to(np.linspace(0, 1, 20001), (n, 20001))
    ug, ud, q = (np.broadcast_to(x, fine.shape) for x in cont(fine))
    best = None
    if solution == "kalai_smorodinsky":
        # the players' best gains: the larger of the brute force's and the refined ones (a best
        # on the boundary of individual rationality is found by the grid only to its step)
        ir = (ug >= 0) & (ud >= 0)
        vm = bargain(cont, 0.0, 1.0, "vertical_monopoly", shape=(n,)).U_G
        dm = bargain(lambda s: (cont(s)[1], cont(s)[0], 0 * s), 0.0, 1.0, "vertical_monopoly", shape=(n,)).U_G
        best = (np.maximum(np.where(ir, ug, -np.inf).max(1), vm)[:, None],
                np.maximum(np.where(ir, ud, -np.inf).max(1), dm)[:, None])
    brute = criterion(solution, ug, ud, q, best=best).max(axis=1)
    ours = criterion(solution, res.U_G, res.U_D, res.quality,
                     best=None if best is None else (best[0][:, 0], best[1][:, 0]))
    agreed = np.isfinite(brute)
    assert np.array_equal(res.agreed, agreed)
    # the refined optimum is at least as good as a 20,001-point brute force (to rounding)
    # (Kalai–Smorodinsky's optimum is a kink of min(·,·): its value moves with the final bracket)
    tol = 1e-7 if solution == "kalai_smorodinsky" else 1e-9
    gap = brute[agreed] - ours[agreed]
    assert np.all(gap <= tol * (1 + np.abs(brute[agreed]))), gap.max()
    # and the utilities reported are the continuation's at the chosen share
    g, d, _ = cont(res.share[:, None])
    assert np.allclose(g[agreed, 0], res.U_G[agreed], atol=1e-14, rtol=0)
    assert np.allclose(d[agreed, 0], res.U_D[agreed], atol=1e-14, rtol=0)


@given(c0=st.floats(0.05, 20), c1=st.floats(0.05, 20), r=st.floats(0.1, 5))
def test_fine_tuning_utilitarian_share_is_cost_ratio(c0, c1, r):
    """U_G + U_D = r²[(2δ − δ²)/(4c0) + (1 − δ²)/(4c1)] peaks at δ = c1/(c0 + c1)."""
    def cont(d):
        ug = d**2 * r * r / (4 * c0) + d * (1 - d) * r * r / (2 * c1)
        ud = d * (1 - d) * r * r / (2 * c0) + (1 - d) ** 2 * r * r / (4 * c1)
        return ug, ud, 0 * d
    res = bargain(cont, 0.0, 1.0, "utilitarian")
    assert abs(float(res.share) - c1 / (c0 + c1)) < 1e-6


def test_fixed_returns_the_given_share_and_grid_is_optional():
    calls = []

    def cont(s):
        calls.append(s.shape)
        return s, 1 - s, s
    res = bargain(cont, 0.0, 1.0, "fixed", fixed=np.array([0.2, 0.7]), pareto=False)
    assert np.array_equal(res.share, [0.2, 0.7]) and np.array_equal(res.U_G, [0.2, 0.7])
    assert calls == [(2, 1)] and res.s_grid.shape == (2, 0)
    with pytest.raises(ParameterError):
        bargain(cont, 0.0, 1.0, "fixed")


def test_calls_do_not_grow_with_points():
    """One grid call plus a fixed number of refinement calls, whatever the number of points."""
    counts = []
    for n in (1, 5000):
        calls = [0]
        k = np.linspace(0.5, 2, n)

        def cont(s, k=k, calls=calls):
            calls[0] += 1
            kk = k.reshape(k.shape + (1,) * (s.ndim - 1))
            return kk * s * (1 - s), (1 - s) * kk, s
        bargain(cont, 0.0, 1.0, "nash", shape=(n,))
        counts.append(calls[0])
    assert counts[0] == counts[1] < 60


def test_disagreement_when_no_share_is_individually_rational():
    res = bargain(lambda s: (s, s - 2.0, s), 0.0, 1.0, "nash")
    assert not res.agreed and np.isnan(res.share) and res.U_G == 0 and res.U_D == 0
    res = bargain(lambda s: (s, s - 2.0, s), 0.0, 1.0, "nash", disagreement=(0.0, -3.0))
    assert res.agreed and abs(res.share - 1.0) < 1e-9


def test_kalai_smorodinsky_equalises_normalised_gains():
    # frontier U_D = 1 − U_G² (U_G = s ∈ [0, 1]): best gains 1 and 1, KS point U_G = U_D
    res = bargain(lambda s: (s, 1 - s**2, s), 0.0, 1.0, "kalai_smorodinsky")
    assert abs(res.U_G - res.U_D) < 1e-7
    assert abs(res.share - (np.sqrt(5) - 1) / 2) < 1e-7


def test_nash_on_a_known_frontier():
    # U_G = s, U_D = 1 − s: the Nash product s(1 − s) peaks at 1/2; with d = (0.2, 0): at 0.6
    assert abs(bargain(lambda s: (s, 1 - s, s), 0.0, 1.0, "nash").share - 0.5) < 1e-8
    res = bargain(lambda s: (s, 1 - s, s), 0.0, 1.0, "nash", disagreement=(0.2, 0.0))
    assert abs(res.share - 0.6) < 1e-8


def test_pareto_mask_against_pairwise_definition(rng):
    ug = rng.integers(0, 4, (50, 9)).astype(float)
    ud = rng.integers(0, 4, (50, 9)).astype(float)
    mask = pareto_mask(ug, ud)
    for row in range(50):
        for i in range(9):
            dom = any(ug[row, j] >= ug[row, i] and ud[row, j] >= ud[row, i]
                      and (ug[row, j] > ug[row, i] or ud[row, j] > ud[row, i]) for j in range(9))
            assert mask[row, i] == (not dom)
    assert mask.any(axis=1).all()  # a finite set always has a non-dominated point


def test_bad_inputs_name_the_parameter():
    cont = lambda s: (s, s, s)  # noqa: E731
    with pytest.raises(ParameterError, match="bargaining"):
        bargain(cont, 0, 1, "rubinstein")
    with pytest.raises(ParameterError, match="grid"):
        bargain(cont, 0, 1, "nash", grid=2)
    with pytest.raises(ParameterError, match="share bounds"):
        bargain(cont, 1, 0, "nash")


# -- the openness game with its bargaining stage ---------------------------------------------------

def _openness_points(rng, n):
    return [dict(alpha0=rng.uniform(0.02, 2), theta=rng.uniform(0, 1), penalty=rng.uniform(0, 0.3),
                 c_d=rng.uniform(0.5, 2), lam=rng.uniform(0, 0.9), epsilon=rng.uniform(0, 0.1),
                 c_g=rng.uniform(0, 0.2), f_d=rng.uniform(0, 0.05)) for _ in range(n)]


@pytest.mark.parametrize("solution", ["nash", "egalitarian", "vertical_monopoly", "max_performance"])
def test_openness_bargaining_beats_a_brute_force_over_the_share(solution, rng):
    """The chosen δ0 is at least as good, by the solution's criterion, as the best of 2,001 δ0 values
    (each solved by the game's own solver)."""
    from moatlab.game import solve

    fine = np.linspace(0, 1, 2001)[1:]  # δ0 > 0 for the plain solver
    for p in _openness_points(rng, 4):
        eq = solve(bargaining=solution, **p)
        ds = solve(delta0=fine, **p)
        brute = criterion(solution, ds["U_G"].values, ds["U_D"].values, ds["alpha1"].values).max()
        ours = criterion(solution, eq.U_G, eq.U_D, eq.alpha1)
        assert ours >= brute - 1e-9 * (1 + abs(brute)), (p, eq.share)
        assert 0 <= eq.share <= 1 and eq.bargaining == solution and len(eq.pareto_shares) >= 1


def test_point_grid_and_landscape_agree(rng):
    from moatlab.game import solve
    from moatlab.game.landscape import landscape

    p = dict(alpha0=0.5, c_d=1.2, lam=0.5)
    th, pe = np.linspace(0, 1, 6), np.linspace(0, 0.3, 4)
    ds = landscape(th, pe, bargaining="nash", **p)
    for i in (1, 4):
        for j in (0, 3):
            eq = solve(theta=th[i], penalty=pe[j], bargaining="nash", **p)
            assert eq.share == ds["share"].values[i, j] and eq.U_G == ds["U_G"].values[i, j]
    # at p = 0 the regulated game is no regulation: no change, no Pareto flag
    assert np.all(np.abs(ds["dU_G_no_regulation"].values[:, 0]) <= 1e-12)
    assert np.all(np.abs(ds["dU_D_no_regulation"].values[:, 0]) <= 1e-12)
    assert not ds["pareto_weak_no_regulation"].values[:, 0].any()
    for name in ("share", "agreed", "pareto_lo", "pareto_hi", "share_no_exemption",
                 "pareto_strict_no_regulation", "pareto_weak_no_regulation", "dsurplus_no_regulation"):
        assert name in ds and ds[name].dims == ("theta", "penalty")
    assert ds.attrs["bargaining"] == "nash" and 0 <= ds.attrs["share_no_regulation"] <= 1
    assert "delta0" not in ds.attrs  # the players set it


def test_user_schedule_reproduces_the_scale_schedule():
    """δ(ω; s) = s (1 − ω) as a user callable (numerical path, finite differences) agrees with the
    built-in scale schedule (closed form)."""
    from moatlab.game import solve

    for p in (dict(alpha0=0.5, theta=0.3, penalty=0.1), dict(alpha0=0.1, theta=0.8, penalty=0.05)):
        a = solve(bargaining="nash", **p)
        b = solve(bargaining="nash", schedule=lambda w, s: s * (1 - w), **p)
        assert b.method == "numerical" and a.action == b.action
        assert abs(a.share - b.share) < 1e-6 and abs(a.U_G - b.U_G) < 1e-8 and abs(a.U_D - b.U_D) < 1e-8


def test_constant_schedule_against_a_brute_force():
    from moatlab.forms import GameForms
    from moatlab.game import solve

    p = dict(alpha0=0.3, theta=0.5, penalty=0.1)
    eq = solve(bargaining="nash", schedule="constant", **p)
    best = -np.inf
    for s in np.linspace(0, 1, 41):
        e = solve(forms=GameForms(share=lambda w, s=s: s + 0 * w), **p)
        best = max(best, e.U_G * e.U_D)
    assert eq.U_G * eq.U_D >= best - 1e-9 and eq.schedule == "constant"


def test_bargaining_options_are_checked():
    from moatlab.forms import GameForms
    from moatlab.game import solve
    from moatlab.game.landscape import landscape

    with pytest.raises(ParameterError, match="bargaining"):
        solve(bargaining="rubinstein")
    with pytest.raises(ParameterError, match="forms.share"):
        solve(bargaining="nash", forms=GameForms(share=lambda w: 0.5 + 0 * w))
    with pytest.raises(ParameterError, match="method"):
        solve(bargaining="nash", schedule="constant", method="closed_form")
    with pytest.raises(ParameterError, match="schedule"):
        landscape([0, 1], [0, 1], bargaining="nash", schedule="log")
    with pytest.raises(ParameterError, match="share_grid"):
        solve(bargaining="nash", share_grid=2)


def _cli(*args):
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "moatlab", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_cli_solve_and_landscape_with_bargaining(tmp_path):
    import json

    import xarray as xr

    r = _cli("solve", "--alpha0", "0.5", "--theta", "0.3", "--penalty", "0.1", "--bargaining", "nash",
             "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["bargaining"] == "nash" and 0 < d["share"] <= 1
    out = tmp_path / "ls"
    r = _cli("landscape", "--alpha0", "0.5", "--theta-grid", "0:1:11", "--penalty-grid", "0:0.3:7",
             "--bargaining", "nash", "--out", str(out))
    assert r.returncode == 0, r.stderr
    with xr.open_dataset(out / "landscape.nc") as ds:
        assert "pareto_strict_no_regulation" in ds and "share" in ds
    r = _cli("solve", "--bargaining", "haggle")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--bargaining" in r.stderr
    r = _cli("landscape", "--bargaining", "haggle", "--out", str(tmp_path / "no"))
    assert r.returncode == 2 and not (tmp_path / "no").exists()


def test_landscape_with_user_forms_with_and_without_bargaining():
    """User forms take the numerical path (compiled with numba); the welfare references too."""
    from moatlab.forms import GameForms
    from moatlab.game.landscape import landscape

    forms = GameForms(revenue=lambda a: np.log1p(a))
    th, pe = np.linspace(0, 1, 4), np.linspace(0, 0.4, 3)
    fixed = landscape(th, pe, alpha0=0.5, forms=forms)
    assert int(fixed["pareto_strict_no_regulation"].sum()) == 0  # F3 holds on the numerical path too
    nash = landscape(th, pe, alpha0=0.5, forms=forms, bargaining="nash", share_grid=9)
    # p = 0 is no regulation (the share is located to ~1e-8, so utilities agree to that)
    assert np.all(np.abs(nash["dU_G_no_regulation"].values[:, 0]) <= nash.attrs["welfare_tolerance"])
    assert not nash["pareto_weak_no_regulation"].values[:, 0].any()
    assert set(np.unique(nash["action"].values)) <= {0, 1, 2, 3}
