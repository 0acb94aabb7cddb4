"""Strategic rivals: the equilibrium solvers against brute force, and what the game says about the
race essay's conclusion (the largest upgrade z_frontier non-increasing in the open release x′).

Setting of the economic checks unless stated: f = log(1 + x), n = 100, m = 365, the labs' current
models at compute 4, the open model at 1 with a release x′ on day 0, upgrades shipping on day 0;
one lab alone then upgrades to z_m = n·m/c − 1 while that pays.
"""

import itertools
import math

import numpy as np
import pytest

from moatlab import ParameterError
from moatlab.errors import LimitError
from moatlab.race import (
    Equilibrium,
    Lab,
    RaceModel,
    ReleaseProcess,
    ValueCurve,
    equilibrium,
    equilibrium_sweep,
    labs_of,
    optimal_upgrade,
    revenue,
    upgrade,
)
from moatlab.race.strategic import _best, count_nash, list_nash, solve_leader

BASE = RaceModel(n=100, m=365, open=1.0, closed=4.0)
NM = 100 * 365


# ----------------------------------------------------------------------------- solvers vs brute force


def _tables(r, K, G1, ties):
    T = []
    for _ in range(K):
        t = r.integers(0, 4, (1, G1, G1)).astype(float) if ties else r.normal(size=(1, G1, G1))
        t[:, 1:, :][r.random((1, G1 - 1, G1)) < 0.15] = -np.inf  # some infeasible upgrades
        T.append(t)
    return T


def _brute_nash(T):
    K, G1 = len(T), T[0].shape[1]
    out = []
    for prof in itertools.product(range(G1), repeat=K):
        ok = True
        for k in range(K):
            h = max((p for j, p in enumerate(prof) if j != k), default=0)
            col = T[k][0, :, h]
            ok &= col[prof[k]] >= col.max() - 1e-12 * (1 + abs(col.max()))
        if ok:
            out.append(prof)
    return out


def _brute_leader(T, k=0, M=0):
    """Backward induction by recursion: (choices of movers k…K−1, ties on the path)."""
    K, G1 = len(T), T[0].shape[1]
    if k == K:
        return (), False
    results = []
    for g in range(G1):
        later, tie_later = _brute_leader(T, k + 1, max(M, g))
        h = max(M, max(later, default=0))
        results.append((T[k][0, g, h], g, later, tie_later))
    top = max(p for p, *_ in results)
    within = [x for x in results if x[0] >= top - 1e-12 * (1 + abs(top))]
    p, g, later, tie_later = within[0]  # the smallest upgrade among the best
    return (g, *later), len(within) > 1 or tie_later


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("ties", [True, False])
def test_nash_count_and_list_match_brute_force(K, ties):
    r = np.random.default_rng([20261201, K, ties])
    seen_none = seen_several = 0
    for _ in range(60):
        T = _tables(r, K, int(r.integers(3, 6)), ties)
        truth = _brute_nash(T)
        br = [_best(t) for t in T]
        count, top, tied = count_nash(br)
        assert count[0] == len(truth)
        listed = list_nash(br, top, tied, 0, 10_000)
        assert sorted(listed) == sorted(truth) and len(set(listed)) == len(listed)
        seen_none += not truth
        seen_several += len(truth) > 1
    assert seen_none and seen_several  # the ensemble exercises "no equilibrium" and "several"


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("ties", [True, False])
def test_leader_matches_brute_force_backward_induction(K, ties):
    r = np.random.default_rng([20261202, K, ties])
    for _ in range(40):
        T = _tables(r, K, int(r.integers(3, 6)), ties)
        path, unique = solve_leader(T)
        truth, tie = _brute_leader(T)
        assert tuple(path[0]) == truth
        assert bool(unique[0]) == (not tie)


# ----------------------------------------------------------------------------- economics


def test_two_identical_labs_nash_has_two_mirror_equilibria_and_the_monopoly_upgrade():
    eq = equilibrium(BASE, labs_of(BASE, 2), mode="nash")
    assert eq.n_equilibria == 2 and not eq.unique and eq.exists
    (a0, a1), (b0, b1) = eq.equilibria
    assert a0 == pytest.approx(NM - 1, rel=1e-3) and math.isnan(a1)
    assert math.isnan(b0) and b1 == a0  # the mirror image: the other lab upgrades
    assert eq.payoff[0] == pytest.approx(optimal_upgrade(BASE).value, rel=1e-6)
    lead = equilibrium(BASE, labs_of(BASE, 2), mode="leader")
    assert lead.unique and lead.z_star[0] == pytest.approx(NM - 1, rel=1e-3) and math.isnan(lead.z_star[1])


def test_the_upgrader_plays_the_single_lab_optimum_against_the_others_models():
    # seeded ensemble: the equilibrium upgrade equals one lab's z* with the others' current models
    # as fixed Bertrand rivals (nobody else upgrades), within the grid's resolution
    r = np.random.default_rng(20261203)
    for _ in range(4):
        n, m = float(r.uniform(20, 200)), int(r.integers(60, 400))
        ys = sorted(float(v) for v in r.uniform(2, 8, 2))
        model = RaceModel(n=n, m=m, open=1.0, closed=ys[0])
        labs = (Lab(ys[1]), Lab(ys[0]))
        eq = equilibrium(model, labs, mode="leader")
        one = model.replace(closed=ys[1], rivals=(ys[0],))
        alone = optimal_upgrade(one)
        assert eq.z_star[0] == pytest.approx(alone.z_star, rel=2e-3), (n, m, ys)
        # payoff = revenue without the upgrade + its value (flat near the optimum: grid error ~1e-6)
        assert eq.payoff[0] == pytest.approx(revenue(one).revenue + alone.value, rel=1e-5)


def test_nash_labs_from_scratch_never_race_harder_against_a_bigger_open_release():
    # "cannot reverse": seeded ensemble of 2–3 labs training from scratch (random current models,
    # costs per unit in [0.5, 2], curves log or power b ∈ [0.2, 0.9], release and ship days)
    r = np.random.default_rng(20261204)
    for _ in range(4):
        K = int(r.integers(2, 4))
        f = ValueCurve("log") if r.random() < 0.5 else ValueCurve("power", b=float(r.uniform(0.2, 0.9)))
        n, m = float(r.uniform(20, 200)), int(r.integers(100, 400))
        ys = [float(v) for v in r.uniform(2, 8, K)]
        labs = tuple(Lab(y, cost_per_unit=float(r.uniform(0.5, 2))) for y in ys)
        model = RaceModel(f=f, n=n, m=m, open=1.0, closed=ys[0])
        ds = equilibrium_sweep(model, labs, np.geomspace(max(ys) * 1.1, 1e5, 12), mode="nash", grid=48,
                               release_day=int(r.integers(0, m // 2)), day=int(r.integers(0, m // 2)))
        assert ds.attrs["conclusion_holds"] == 1, (labs, np.asarray(ds["z_frontier"]))
        assert bool(ds["exists"].all())


def test_leader_follower_reversal_a_bigger_open_release_squeezes_out_the_pre_empting_leader():
    # the leader (cost 1.5) pre-empts with z0 = nm/1.5 − 1, which the follower (cost 1) does not
    # leapfrog (c0/c1 < e); once x′ makes z0 lose money, the follower upgrades to z1 = nm − 1 > z0
    c0 = 1.5
    z0, z1 = NM / c0 - 1, NM - 1.0
    x0 = (1 + z0) * math.exp(-c0 * z0 / NM) - 1  # V0(z0) = 0 here: nm·log((1+z0)/(1+x′)) = c0·z0
    x1 = (1 + z1) * math.exp(-z1 / NM) - 1
    xs = np.array([0.5 * x0, 0.9 * x0, 1.1 * x0, 0.9 * x1])
    labs = (Lab(4.0, cost_per_unit=c0, name="leader"), Lab(4.0, name="follower"))
    ds = equilibrium_sweep(BASE, labs, xs, mode="leader")
    z = ds["z_star"].values
    assert z[:2, 0] == pytest.approx([z0, z0], rel=2e-3) and np.isnan(z[:2, 1]).all()
    assert np.isnan(z[2:, 0]).all() and z[2:, 1] == pytest.approx([z1, z1], rel=2e-3)
    assert ds.attrs["conclusion_holds"] == 0 and bool(ds["unique"].all())
    # simultaneous moves: both single-upgrader profiles are equilibria below x0; the larger is listed
    nash = equilibrium_sweep(BASE, labs, xs, mode="nash")
    assert list(nash["n_equilibria"].values) == [2, 2, 1, 1] and nash.attrs["conclusion_holds"] == 1


@pytest.mark.parametrize("floor", [0.3, 0.5])
def test_rival_from_open_weights_trains_to_its_cost_kink_reversal(floor):
    # the entrant pays c·max(φz, z − x′): below the kink z = x′/(1 − φ) only φ per unit, so once the
    # kink passes z_m it trains to the kink, rising with x′, while that pays: for log f up to
    # x′ = nm(1 − φ)(−ln(1 − φ))/φ. Before that window the frontier is z_m.
    lo, hi = (1 - floor) * (NM - 1), NM * (1 - floor) * -math.log(1 - floor) / floor
    xs = np.array([0.3 * lo, 0.8 * lo, lo + 0.3 * (hi - lo), lo + 0.8 * (hi - lo), 1.05 * hi])
    labs = labs_of(BASE, 2, rival_from_open=True, floor=floor)
    for mode in ("nash", "leader"):
        ds = equilibrium_sweep(BASE, labs, xs, mode=mode)
        zf = ds["z_frontier"].values
        assert zf[:2] == pytest.approx([NM - 1, NM - 1], rel=2e-3)
        assert zf[2:4] == pytest.approx(xs[2:4] / (1 - floor), rel=2e-3)
        assert np.isnan(zf[4]) and ds.attrs["conclusion_holds"] == 0
        # in the window only the entrant upgrades; and the lone lab would not upgrade at all
        assert np.isnan(ds["z_star"].values[2:4, 0]).all() and np.isnan(ds["z_single"].values[2:]).all()


def test_bad_input_is_one_clear_error():
    with pytest.raises(ParameterError, match="labs"):
        equilibrium(BASE, (Lab(4.0),))
    with pytest.raises(ParameterError, match="labs"):
        labs_of(BASE, 7)
    with pytest.raises(ParameterError, match="mode"):
        equilibrium(BASE, labs_of(BASE, 2), mode="cournot")
    with pytest.raises(ParameterError, match="uncertain"):
        equilibrium(BASE.replace(uncertain=ReleaseProcess(draws=10)), labs_of(BASE, 2))
    with pytest.raises(ParameterError, match="grid"):
        equilibrium(BASE, labs_of(BASE, 2), grid=4)
    with pytest.raises(LimitError, match="open_upgrade"):
        equilibrium_sweep(BASE, labs_of(BASE, 2), np.linspace(2, 3, 2001))
    with pytest.raises(ParameterError, match="lab.floor"):
        Lab(4.0, from_open=True, floor=1.5)


def test_reprs_are_a_few_lines_of_key_numbers():
    model = BASE.replace(open=[(0, 1.0), (120, 6.0)])
    for obj in (revenue(model), upgrade(model, 20.0), optimal_upgrade(model),
                equilibrium(BASE, labs_of(BASE, 3), mode="leader")):
        text = repr(obj)
        assert len(text) < 400 and text.count("\n") <= 3, text
        assert "array" not in text
    eq = equilibrium(BASE, labs_of(BASE, 2))
    assert isinstance(eq, Equilibrium) and "2 equilibria" in repr(eq) and "no upgrade" in repr(eq)
