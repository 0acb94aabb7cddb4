"""Share schedules δ(ω, α1; s) that depend on the quality D chooses (QualitySchedule).

Checked: a schedule that ignores α1 reproduces the δ(ω; s) schedule exactly; D's best response,
G's choice of ω and the bargained share against brute force over dense grids; and the theorem
that a quality tax never raises D's best response (decreasing differences, see
test_quality_tax_never_raises_the_best_response).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from moatlab.errors import ParameterError
from moatlab.forms import GameForms
from moatlab.game import QualitySchedule, solve
from moatlab.game.bargaining import criterion
from moatlab.game.openness_bargaining import QualityScheduleKernel
from moatlab.game.solver import equilibria_flat


def _points(rng, n):
    return [dict(alpha0=rng.uniform(0.05, 1.5), theta=rng.uniform(0, 1), penalty=rng.uniform(0, 0.2),
                 c_d=rng.uniform(0.5, 2), lam=rng.uniform(0, 0.8), epsilon=rng.uniform(0, 0.1),
                 kappa0=rng.uniform(0, 0.05), c_g=rng.uniform(0, 0.1), f_d=rng.uniform(0, 0.02))
            for _ in range(n)]


def _tax(k):
    """δ = s (1 − ω) + k α1²: G's share rises, convexly, with quality (D's problem stays concave)."""
    return QualitySchedule(lambda w, a, s: s * (1 - w) + k * a * a, name=f"tax_{k:.3f}")


def _flat(p, s):
    """Flat parameter arrays of solve's defaults and ``p``, one row per share in ``s``."""
    from moatlab.game.solver import grid_params

    q = grid_params(**p)[0].flat()
    q = {k: np.repeat(v, len(s)) for k, v in q.items()}
    q["share_s"] = np.asarray(s, float)
    return q


def _kernel(p, sched):
    return QualityScheduleKernel(p, GameForms(), sched)


@pytest.mark.parametrize(("solution", "points"), [("nash", 2), ("vertical_monopoly", 1)])
def test_schedule_ignoring_quality_matches_the_plain_schedule(solution, points, rng):
    """(a) δ(ω, α1; s) = f(ω, s) gives the results of the schedule f(ω, s), to 1e-12."""
    f = lambda w, s: s * (1 - w) ** 2 + 0.1 * s * w  # noqa: E731
    q = QualitySchedule(lambda w, a, s: f(w, s))
    for p in _points(rng, points):
        a = solve(bargaining=solution, schedule=f, **p)
        b = solve(bargaining=solution, schedule=q, **p)
        assert a.action == b.action and a.participates == b.participates
        for name in ("share", "omega", "alpha1", "U_G", "U_D", "surplus", "penalty_paid"):
            x, y = getattr(a, name), getattr(b, name)
            assert (np.isnan(x) and np.isnan(y)) or abs(x - y) <= 1e-12, (name, p, x, y)
        assert a.pareto_shares == b.pareto_shares


def test_landscape_with_a_quality_schedule():
    """(a) on a landscape, with both welfare references; the schedule's name is recorded."""
    from moatlab.game.landscape import landscape

    f = lambda w, s: s * (1 - w)  # noqa: E731
    q = QualitySchedule(lambda w, a, s: s * (1 - w), name="scale_by_hand")
    th, pe = np.array([0.3, 0.9]), np.array([0.0, 0.1])
    a = landscape(th, pe, bargaining="nash", schedule=f, alpha0=0.3)
    b = landscape(th, pe, bargaining="nash", schedule=q, alpha0=0.3)
    for name in a.data_vars:
        x, y = a[name].values.astype(float), b[name].values.astype(float)
        assert np.allclose(x, y, rtol=0, atol=1e-12, equal_nan=True), name
    assert b.attrs["schedule"] == "scale_by_hand" and b.attrs["method"] == "numerical"
    assert "scale_by_hand" in b.attrs["stage_1"]
    c = landscape(th[:1], pe, bargaining="egalitarian", schedule=_tax(0.2), alpha0=0.3)
    assert c.attrs["schedule"] == "tax_0.200" and np.isfinite(c["U_G"].values).all()


def test_best_response_against_a_dense_grid_over_quality(rng):
    """(b) D's α1 at given (ω, s) against the best of a 40,001-point grid over α1 ∈ [α0, α0 + 4]:
    α1 within one grid step, U_D never below the grid's best and above it by at most the grid's
    curvature error, U_G = δ r at the chosen α1 within its Lipschitz bound times one step."""
    n = 40
    p = {k: rng.uniform(lo, hi, n) for k, (lo, hi) in dict(
        alpha0=(0.0, 2.0), c_d=(0.3, 3.0), lam=(0.0, 0.8), share_s=(0.0, 1.0), f_d=(0.0, 0.05),
        delta0=(0.5, 0.5), epsilon=(0, 0), kappa0=(0, 0), c_g=(0, 0)).items()}
    k_tax = rng.uniform(0.0, 0.3, n)
    w = rng.uniform(0, 1, n)[:, None]
    sched = QualitySchedule(lambda w, a, s, kk=k_tax[:, None]: 0.5 * s * (1 - w) + kk * a + 0.05 * a * a)
    kern = _kernel(p, sched)
    a1, _ = kern.best_response(w)
    a0 = p["alpha0"][:, None]
    step = 1e-4
    grid = a0 + np.arange(40001)[None, :] * step
    phi = p["c_d"][:, None] * (1 - p["lam"][:, None] * w) * (grid - a0) ** 2
    delta = sched.func(w, grid, p["share_s"][:, None])
    ud_grid = (1 - delta) * grid - phi - p["f_d"][:, None]
    j = np.argmax(ud_grid, axis=1)
    assert np.all(j < grid.shape[1] - 1)  # the grid covers the optimum
    best_a = grid[np.arange(n), j]
    a1 = a1[:, 0]
    assert np.all(np.abs(a1 - best_a) <= step * (1 + 1e-6)), np.abs(a1 - best_a).max()
    a1c = a1[:, None]
    ud = ((1 - sched.func(w, a1c, p["share_s"][:, None])) * a1c
          - p["c_d"][:, None] * (1 - p["lam"][:, None] * w) * (a1c - a0) ** 2 - p["f_d"][:, None])[:, 0]
    ud_best = ud_grid.max(axis=1)
    curv = 2 * p["c_d"] + 2 * k_tax + 0.3 * (a1 + step)  # |U_D''| bound near the optimum
    assert np.all(ud >= ud_best - 1e-12) and np.all(ud - ud_best <= curv * step**2)
    ug = (sched.func(w, a1c, p["share_s"][:, None]) * a1c)[:, 0]
    ug_grid = sched.func(w, best_a[:, None], p["share_s"][:, None])[:, 0] * best_a
    a_max = np.maximum(a1, best_a) + step
    lip = 0.5 + 2 * k_tax * a_max + 0.15 * a_max**2  # |d(δ r)/dα1| on [α0, a_max]
    assert np.all(np.abs(ug - ug_grid) <= lip * step * (1 + 1e-6))


def test_equilibrium_against_a_brute_force_over_openness_and_quality(rng):
    """(b) at a given share s, the whole continuation (G's ω with the lump-sum penalty, D's α1)
    against brute force: every ω of a 1,001-point grid, D's best α1 on a 3,001-point grid for each.
    Tolerances: D's grid error (a step in α1, times the slope of δ r, or times U_D's curvature
    times a step for U_D) and, upwards, 2e-3 for G's optimum between two ω grid points."""
    k = 0.15
    sched = _tax(k)
    n_w, n_a, a_span = 1001, 3001, 3.0
    step_a = a_span / (n_a - 1)
    for p in _points(rng, 5):
        s = rng.uniform(0, 1)
        out = equilibria_flat(_flat(p, [s]), "lump_sum", GameForms(), "numerical",
                              lambda x: _kernel(x, sched))
        a = p["alpha0"] + np.linspace(0, a_span, n_a)[None, :]
        w = np.linspace(0, 1, n_w)[:, None]
        delta, ud = _d_grid(sched, p, s, a, w)
        j = np.argmax(ud, axis=1)
        assert np.all(j < n_a - 1)  # the α1 grid covers D's optimum
        rows = np.arange(n_w)
        ud_best = ud[rows, j]
        ug = (np.where(ud_best >= 0, delta[rows, j] * a[0, j], 0.0) + p["epsilon"] * w[:, 0]
              - p["kappa0"] * (1 - w[:, 0]) - c_g_cost(p) - p["penalty"] * (w[:, 0] < p["theta"]))
        ug_brute = max(ug.max(), 0.0)  # G exits when nothing pays
        lip = np.abs(np.diff(delta * a, axis=1)).max() / step_a  # slope of δ r on the α1 grid
        ours = out["U_G"][0]
        assert ours >= ug_brute - lip * step_a - 1e-12, (p, s, ours, ug_brute)
        assert ours <= ug_brute + 2e-3, (p, s, ours, ug_brute)
        if out["participates"][0]:
            w0 = np.array([[out["omega"][0]]])
            _, ud0 = _d_grid(sched, p, s, a, w0)
            i = np.argmax(ud0[0])
            curv = 6 * k * (a[0, i] + step_a) + 2 * p["c_d"]
            assert abs(out["alpha1"][0] - a[0, i]) <= step_a * (1 + 1e-6)
            assert -1e-12 <= out["U_D"][0] - ud0[0, i] <= curv * step_a**2


def c_g_cost(p):
    return p["c_g"] * p["alpha0"] ** 2


def _d_grid(sched, p, s, a, w):
    """δ and D's utility on the grid a of α1 (columns) for each ω in w (rows), default forms."""
    delta = sched.func(w, a, s)
    ud = (1 - delta) * a - p["c_d"] * (1 - p["lam"] * w) * (a - p["alpha0"]) ** 2 - p["f_d"]
    return delta, ud


def test_bargained_share_beats_a_brute_force_over_the_share(rng):
    """(b) the Nash share with a quality schedule is at least as good as the best of 401 shares,
    each solved by the continuation at that share."""
    sched = _tax(0.1)
    for p in _points(rng, 2):
        eq = solve(bargaining="nash", schedule=sched, **p)
        s = np.linspace(0, 1, 401)
        out = equilibria_flat(_flat(p, s), "lump_sum", GameForms(), "numerical", lambda x: _kernel(x, sched))
        brute = criterion("nash", out["U_G"], out["U_D"], out["alpha1"]).max()
        assert eq.U_G * eq.U_D >= brute - 1e-9 * (1 + abs(brute)) and eq.schedule == "tax_0.100"


@given(alpha0=st.floats(0.0, 2.0), c_d=st.floats(0.3, 3.0), lam=st.floats(0.0, 0.9),
       omega=st.floats(0.0, 1.0), s=st.floats(0.0, 1.0), t1=st.floats(0.0, 2.0), dt=st.floats(0.0, 2.0),
       power=st.sampled_from([1.0, 1.5, 2.0]))
def test_quality_tax_never_raises_the_best_response(alpha0, c_d, lam, omega, s, t1, dt, power):
    """(c) D's payoff is (1 − δ(ω; s) − t h(α1)) r(α1) − φ_D: with h ≥ 0 non-decreasing and
    r = α1 ≥ 0 non-decreasing, ∂U_D/∂t = −h r is non-increasing in α1 (decreasing differences),
    so by Topkis's theorem D's best response at a given ω is non-increasing in the tax t.
    (h(α1) = α1^power, power ≥ 1, keeps D's problem strictly concave.) This is a statement at
    given ω and s: in equilibrium G's ω and the bargained s respond too, and no monotonicity
    is claimed there."""
    p = {k: np.array([v]) for k, v in dict(alpha0=alpha0, c_d=c_d, lam=lam, f_d=0.0, share_s=s, delta0=0.5,
                                           epsilon=0.0, kappa0=0.0, c_g=0.0).items()}
    w = np.array([[omega]])

    def response(t):
        sched = QualitySchedule(lambda w, a, s: s * (1 - w) + t * np.maximum(a, 0.0) ** power)
        return _kernel(p, sched).best_response(w)[0][0, 0]

    lo, hi = response(t1), response(t1 + dt)
    assert hi <= lo + 1e-9 * (1 + lo), (lo, hi)


def test_quality_schedules_are_checked():
    with pytest.raises(ParameterError, match="schedule"):
        QualitySchedule(0.3)
    with pytest.raises(ParameterError, match="method"):
        solve(bargaining="nash", schedule=_tax(0.1), method="closed_form")
    with pytest.raises(ParameterError, match="forms.share"):
        solve(bargaining="nash", schedule=_tax(0.1), forms=GameForms(share=lambda w: 0.5 + 0 * w))
    # the quality schedule is bargained over; without bargaining the share is δ0 (1 − ω), as before
    assert solve(alpha0=0.2, schedule=_tax(0.1)) == solve(alpha0=0.2)


def test_in_equilibrium_a_quality_tax_can_raise_quality(rng):
    """The theorem above is about D's best response at a given ω. In equilibrium G re-chooses ω: a
    share that rises with α1 makes quality worth more to G, which can open further (cheapening D's
    fine-tuning, φ_D = c_D (1 − λω) Δ²) until D's α1 rises. Over 40 seeded points at a given s,
    adding the tax 0.1·α1 to δ = s (1 − ω) raises α1 somewhere, and wherever it does, G's ω rose."""
    from moatlab.game.solver import grid_params

    pts = _points(rng, 40)
    flat = [grid_params(**p)[0].flat() for p in pts]
    q = {k: np.concatenate([f[k] for f in flat]) for k in flat[0]}
    q["share_s"] = rng.uniform(0, 1, len(pts))
    alpha1, omega = [], []
    for t in (0.0, 0.1):
        sched = QualitySchedule(lambda w, a, s, t=t: s * (1 - w) + t * a)
        out = equilibria_flat(q, "lump_sum", GameForms(), "numerical", lambda x, s=sched: _kernel(x, s))
        alpha1.append(out["alpha1"])
        omega.append(out["omega"])
    rose = alpha1[1] > alpha1[0] + 1e-9
    assert rose.any()
    assert np.all(omega[1][rose] > omega[0][rose])
