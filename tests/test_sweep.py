"""moatlab.sweep: parameter spaces, designs, chunked runs on both backends, sensitivity, search, PRIM."""

import math

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from moatlab import solve
from moatlab.sweep import (
    Beta,
    Empirical,
    Fixed,
    FunctionModel,
    Grid,
    LogNormal,
    Normal,
    ParameterSpace,
    SpecError,
    SweepError,
    SweepSpec,
    Uniform,
    discover,
    open_sweep,
    policy_search,
    run_sweep,
    sensitivity,
    spec_from_dict,
)
from moatlab.sweep.spec import unit_rows

UNCERTAIN = [
    Uniform("alpha0", 0.05, 0.5),
    Normal("lam", 0.6, 0.15, low=0.0, high=0.95),
    LogNormal("epsilon", -3.0, 1.0),
    Uniform("theta", 0.0, 1.0),
    Uniform("penalty", 0.0, 0.3),
]


def game_spec(design="sobol", samples=3000, chunk_size=700, seed=3, outcomes=("openness", "defies", "U_D")):
    return SweepSpec(
        "game",
        ParameterSpace(UNCERTAIN, outcomes),
        design=design,
        samples=samples,
        chunk_size=chunk_size,
        seed=seed,
    )


# --- the parameter space ----------------------------------------------------------------------


@given(u=st.lists(st.floats(0, 1), min_size=1, max_size=50))
def test_every_distribution_maps_the_unit_interval_into_its_support(u):
    u = np.array(u)
    for p in [
        Uniform("x", -1, 2),
        Normal("x", 0, 1, low=-0.5, high=3),
        Normal("x", 1, 2),
        LogNormal("x", 0, 1),
        Beta("x", 2, 5, low=1, high=4),
        Empirical("x", (3, 1, 2)),
        Grid("x", (0.1, 0.7)),
        Fixed("x", 4),
    ]:
        v = ParameterSpace([p]).values(u[:, None] if p.uncertain else np.empty((u.size, 0)))["x"]
        lo, hi = p.support
        assert np.all(np.isfinite(v)) and np.all(v >= lo) and np.all(v <= hi), p


def test_distributions_have_the_moments_they_claim():
    u = unit_rows("sobol", 1, 0, 0, 2**14, 2**14)
    space = ParameterSpace([Normal("n", 2, 0.5)])
    assert space.values(u)["n"].mean() == pytest.approx(2, abs=0.01)
    assert space.values(u)["n"].std() == pytest.approx(0.5, abs=0.01)
    b = ParameterSpace([Beta("b", 2, 6, low=0, high=2)]).values(u)["b"]
    assert b.mean() == pytest.approx(2 * 2 / 8, abs=0.005)
    ln = ParameterSpace([LogNormal("l", 0.1, 0.3)]).values(u)["l"]
    assert np.median(ln) == pytest.approx(math.exp(0.1), rel=0.01)
    e = ParameterSpace([Empirical("e", (1, 2, 4, 8))]).values(u)["e"]
    assert set(np.unique(e)) == {1, 2, 4, 8} and e.mean() == pytest.approx(3.75, abs=0.02)


@pytest.mark.parametrize("design", ["sobol", "lhs", "mc"])
@given(a=st.integers(0, 150_000), n=st.integers(1, 3000))
def test_a_row_of_a_design_does_not_depend_on_how_it_is_chunked(design, a, n):
    total = 160_000
    b = min(a + n, total)
    whole = unit_rows(design, 3, 11, max(0, a - 7), b, total)
    part = unit_rows(design, 3, 11, a, b, total)
    np.testing.assert_array_equal(whole[a - max(0, a - 7) :], part)


def test_designs_fill_the_cube_and_depend_on_the_seed():
    for design in ("sobol", "lhs", "mc"):
        u = unit_rows(design, 4, 1, 0, 4096, 4096)
        assert u.min() >= 0 and u.max() < 1
        np.testing.assert_allclose(u.mean(axis=0), 0.5, atol=0.02)
        assert not np.array_equal(u, unit_rows(design, 4, 2, 0, 4096, 4096))
        np.testing.assert_array_equal(u, unit_rows(design, 4, 1, 0, 4096, 4096))
    lhs = unit_rows("lhs", 2, 5, 0, 100, 100)
    for j in range(2):  # one point in each of the 100 strata
        assert sorted((lhs[:, j] * 100).astype(int)) == list(range(100))


# --- bad specifications -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, field",
    [
        ({"design": "random"}, "design = 'random'"),
        ({"samples": 0}, "samples = 0"),
        ({"chunk_size": 2.5}, "chunk_size = 2.5"),
        ({"model": "weather"}, "model = 'weather'"),
        ({"outcomes": ["joy"]}, "outcomes = 'joy'"),
        (
            {"parameters": {"alpha0": {"dist": "uniform", "low": 0.5, "high": 0.1}}},
            "parameters.alpha0.high = 0.1",
        ),
        ({"parameters": {"alpha0": {"dist": "uniform", "low": -1, "high": 0.1}}}, "parameters.alpha0 = -1"),
        (
            {"parameters": {"alpha0": {"dist": "normal", "mean": 0.2, "sd": 0.1}}},
            "parameters.alpha0 = 'normal'",
        ),
        ({"parameters": {"lam": {"dist": "normal", "mean": 0.2, "sd": -1}}}, "parameters.lam.sd = -1"),
        ({"parameters": {"lam": {"dist": "gamma", "k": 2}}}, "parameters.lam.dist = 'gamma'"),
        ({"parameters": {"lam": {"dist": "uniform", "low": 0, "high": 0.5, "hgh": 1}}}, "parameters.lam.hgh"),
        ({"parameters": {"theta": [0.2, "x"]}}, "parameters.theta[1] = 'x'"),
        ({"parameters": {"wealth": 3}}, "parameters.wealth"),
        ({"parameters": {"theta": {"grid": {"start": 0, "stop": 1, "num": 0}}}}, "parameters.theta.grid.num"),
        (
            {"design": "grid", "parameters": {"alpha0": {"dist": "uniform", "low": 0.1, "high": 0.2}}},
            "parameters.alpha0 = 'uniform'",
        ),
        ({"options": {"penalty_form": "bribe"}}, "options.penalty_form = 'bribe'"),
        ({"options": {"method": "guess"}}, "options.method = 'guess'"),
        ({"options": {"speed": 3}}, "options.speed = 3"),
        ({"parameters": {"theta": 1.5}}, "parameters.theta = 1.5"),
    ],
)
def test_bad_specs_are_rejected_with_a_field_level_message(change, field):
    d = {
        "model": "game",
        "design": "sobol",
        "samples": 16,
        "parameters": {"alpha0": {"dist": "uniform", "low": 0.05, "high": 0.5}},
    }
    d.update(change)
    with pytest.raises((SpecError, ValueError)) as e:
        spec_from_dict(d)
    msg = str(e.value)
    assert field in msg and "\n" not in msg and ("must be" in msg or "allowed" in msg), msg


# --- running: in memory, on disk, chunked, on Dask ----------------------------------------------


def test_a_grid_sweep_on_disk_equals_the_solver_on_the_same_grid(tmp_path):
    th, al = np.linspace(0, 1, 23), np.linspace(0.02, 0.5, 17)
    spec = SweepSpec(
        "game",
        ParameterSpace(
            [Grid("alpha0", tuple(al)), Grid("theta", tuple(th)), Fixed("penalty", 0.1)], ["omega", "action"]
        ),
        design="grid",
        chunk_size=50,
    )
    ds = run_sweep(spec, tmp_path / "g").load()
    ref = solve(alpha0=al, theta=th, penalty=0.1)
    assert len(spec.chunks()) == 9 and ds.sizes == {"alpha0": 17, "theta": 23}
    np.testing.assert_array_equal(ds.action.values, ref.action.values)
    np.testing.assert_array_equal(ds.omega.values, ref.omega.values)
    xr.testing.assert_identical(ds, run_sweep(spec))  # in memory: the same


def test_chunking_does_not_change_a_sampled_sweep_and_samples_align_with_results():
    a = run_sweep(game_spec(chunk_size=700))
    b = run_sweep(game_spec(chunk_size=3000))
    xr.testing.assert_identical(a, b)
    eq = solve(
        alpha0=float(a.alpha0[5]),
        lam=float(a.lam[5]),
        epsilon=float(a.epsilon[5]),
        theta=float(a.theta[5]),
        penalty=float(a.penalty[5]),
    )
    assert float(a.openness[5]) == pytest.approx(0.0 if eq.action == "exit" else eq.omega)


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")  # in the [test] extra: present under CI
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def test_dask_local_cluster_gives_the_same_results_as_in_process(client, tmp_path):
    assert len(client.scheduler_info()["workers"]) == 2
    for design in ("sobol", "mc"):
        spec = game_spec(design=design)
        local = run_sweep(spec)
        xr.testing.assert_identical(local, run_sweep(spec, client=client))
        xr.testing.assert_identical(local, run_sweep(spec, tmp_path / design, client=client).load())
    # an existing cluster by address, as a user with many machines would give it (--scheduler)
    spec = game_spec(design="lhs")
    xr.testing.assert_identical(run_sweep(spec), run_sweep(spec, scheduler=client.scheduler.address))
    # a stochastic model: every row is seeded by its index, whichever worker runs it
    market = SweepSpec(
        "market",
        ParameterSpace([Uniform("appropriability", 0.1, 0.9), Fixed("periods", 24)], ["hhi", "active"]),
        design="lhs",
        samples=6,
        chunk_size=2,
        seed=4,
    )
    xr.testing.assert_identical(run_sweep(market), run_sweep(market, client=client))


def test_progress_counts_every_point_and_a_finished_sweep_is_not_overwritten(tmp_path):
    seen = []
    spec = game_spec(samples=1000, chunk_size=300)
    run_sweep(spec, tmp_path / "s", progress=seen.append)
    assert seen == [300, 300, 300, 100]
    with pytest.raises(SweepError, match="already holds a sweep"):
        run_sweep(spec, tmp_path / "s")
    with pytest.raises(SweepError, match="seed = 4 is not allowed: must match"):
        run_sweep(game_spec(samples=1000, chunk_size=300, seed=4), tmp_path / "s", resume=True)
    resumed = []
    run_sweep(spec, tmp_path / "s", resume=True, progress=resumed.append)
    assert sum(resumed) == 1000  # nothing left to run: the finished chunks are reported


def test_a_crash_mid_sweep_resumes_to_the_same_result(tmp_path):
    spec = game_spec(samples=2000, chunk_size=250)
    calls = []

    def crash(k):
        calls.append(k)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, tmp_path / "s", progress=crash)
    with pytest.raises(SweepError, match="holds 3 of 8 chunks"):
        open_sweep(tmp_path / "s")
    assert open_sweep(tmp_path / "s", partial=True).sizes["sample"] == 750
    xr.testing.assert_identical(run_sweep(spec, tmp_path / "s", resume=True).load(), run_sweep(spec))


# --- sensitivity ----------------------------------------------------------------------------------


def ishigami(x1, x2, x3, a=7.0, b=0.1):
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def test_sobol_indices_of_ishigami_match_the_analytic_values():
    a, b = 7.0, 0.1
    v = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    s1 = np.array([v1, v2, 0]) / v
    st_ = np.array([v1 + v13, v2, v13]) / v
    space = ParameterSpace([Uniform(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)])
    spec = SweepSpec(FunctionModel(ishigami, ["y"]), space)
    res = sensitivity(spec, "y", n=2**13, seed=1)
    np.testing.assert_allclose(res.table["S1"], s1, atol=0.03)
    np.testing.assert_allclose(res.table["ST"], st_, atol=0.03)
    assert res.evaluations == 2**13 * 5
    assert (res.table["S1_conf"] > 0).all() and (res.table["ST_conf"] < 0.05).all()


def test_morris_recovers_the_slopes_of_a_linear_model():
    spec = SweepSpec(
        FunctionModel(lambda a, b, c: 3 * a - b + 0 * c, ["y"]),
        ParameterSpace([Uniform("a", 0, 1), Uniform("b", 0, 2), Uniform("c", 0, 1)]),
    )
    res = sensitivity(spec, "y", method="morris", n=50, seed=2)
    np.testing.assert_allclose(res.table["mu_star"], [3, 2, 0], atol=1e-9)
    np.testing.assert_allclose(res.table["sigma"], 0, atol=1e-9)


def test_sensitivity_of_game_openness_ranks_a_parameter_that_cannot_matter_last():
    # c_G only moves G's exit decision; with c_G this small G never exits, so openness ignores it
    spec = SweepSpec("game", ParameterSpace([*UNCERTAIN, Uniform("c_g", 0.0, 1e-6)]))
    res = sensitivity(spec, "openness", n=1024)
    assert res.table.loc["c_g", "ST"] == pytest.approx(0, abs=1e-9)
    assert (res.table.drop("c_g")["ST"] > 0.02).all()
    costly = SweepSpec("game", ParameterSpace([Uniform("alpha0", 0.05, 0.4), Uniform("c_g", 0.5, 3.0)]))
    with pytest.raises(SpecError, match="NaN"):
        sensitivity(costly, "omega", n=64)  # omega is NaN on exit: the user must choose a value
    assert sensitivity(costly, "omega", n=64, nan=0.0).table["ST"].notna().all()


# --- robust policy search -------------------------------------------------------------------------

WORLD = [
    Uniform("alpha0", 0.05, 0.4),
    Uniform("epsilon", 0, 0.1),
    Uniform("lam", 0.3, 0.9),
    Uniform("c_g", 0, 1.0),
    Fixed("kappa0", 0.05),
]


@pytest.mark.parametrize(
    "objective, constraints",
    [
        ("openness", {"exits": 0.05}),
        ("U_D", {"exits": 0.05, "defies": 0.2}),
        ("surplus", {"exits": 0.02}),
    ],
)
def test_robust_search_finds_the_brute_force_optimum(objective, constraints):
    kw = dict(objective=objective, constraints=constraints, penalty=(0, 0.5), draws=256, seed=1)
    brute = policy_search(WORLD, grid=201, refine=0, **kw)
    found = policy_search(WORLD, grid=15, refine=4, **kw)
    assert found.best["feasible"]
    for k, bound in constraints.items():
        assert found.best[f"P_{k}"] <= bound
    assert found.best[objective] >= brute.best[objective] - 2e-3
    assert len(found.candidates) < len(brute.candidates) / 30


def test_the_pareto_front_is_feasible_and_undominated():
    r = policy_search(
        WORLD,
        objective="openness",
        second="U_G",
        constraints={"exits": 0.05},
        penalty=(0, 0.5),
        draws=128,
        grid=11,
        refine=1,
    )
    front, c = r.front, r.candidates
    assert len(front) >= 3 and front["feasible"].all()
    feas = c[c["feasible"]]
    for _, p in front.iterrows():
        better = (feas["openness"] >= p["openness"]) & (feas["U_G"] >= p["U_G"])
        strictly = (feas["openness"] > p["openness"]) | (feas["U_G"] > p["U_G"])
        assert not (better & strictly).any()
    # the best policy for openness sits on the front
    assert np.isclose(front["openness"].max(), r.best["openness"])


def test_impossible_constraints_give_no_policy():
    r = policy_search(
        [Uniform("alpha0", 0.05, 0.4), Uniform("c_g", 2.0, 3.0)],
        objective="openness",
        constraints={"exits": 0.0},
        draws=32,
        grid=5,
        refine=1,
    )
    assert r.best is None and not r.candidates["feasible"].any()


# --- scenario discovery ---------------------------------------------------------------------------


def test_prim_recovers_a_planted_box():
    spec = SweepSpec(
        FunctionModel(lambda a, b, c: ((a > 0.6) & (b < 0.3)).astype(np.int8), ["hit"]),
        ParameterSpace([Uniform("a", 0, 1), Uniform("b", 0, 1), Uniform("c", 0, 1)]),
        design="mc",
        samples=4000,
        seed=5,
    )
    res = discover(run_sweep(spec), "hit", threshold=0.9)
    assert res.threshold_met and res.density >= 0.9 and res.coverage > 0.8
    assert list(res.limits.index) == ["a", "b"]
    assert res.limits.loc["a", "min"] == pytest.approx(0.6, abs=0.03)
    assert res.limits.loc["b", "max"] == pytest.approx(0.3, abs=0.03)


def test_prim_on_the_game_says_strong_generalists_defy():
    ds = run_sweep(
        SweepSpec(
            "game",
            ParameterSpace(
                [
                    Uniform("alpha0", 0.05, 0.5),
                    Uniform("lam", 0.0, 0.95),
                    Uniform("epsilon", 0.0, 0.2),
                    Fixed("theta", 0.6),
                    Fixed("penalty", 0.15),
                ],
                ["defies"],
            ),
            samples=8192,
            seed=2,
        )
    )
    res = discover(ds, "defies", threshold=0.5)
    assert res.base_rate < 0.2 and res.density > 2 * res.base_rate
    assert "alpha0" in res.limits.index and res.limits.loc["alpha0", "min"] > 0.25
    with pytest.raises(SpecError, match="0/1 outcome"):
        discover(run_sweep(game_spec(samples=64)), "openness")


# --- the race model plugs in --------------------------------------------------------------------


def test_race_sweep_rows_equal_the_race_api_and_an_open_model_behind_does_not_move_the_upgrade():
    from moatlab.race import RaceModel
    from moatlab.race.analysis import sweep as race_sweep
    from moatlab.race.value import ValueCurve

    space = ParameterSpace(
        [
            Uniform("open_compute", 0.5, 3.5),
            Uniform("upgrade_to", 5, 40),
            Uniform("value.a", 0.5, 2),
            Fixed("n", 100),
        ]
    )
    spec = SweepSpec("race", space, samples=64, seed=2)
    ds = run_sweep(spec)
    i = 17
    ref = race_sweep(
        RaceModel(f=ValueCurve("log", a=float(ds["value.a"][i])), n=100, m=365, open=1.0, closed=4.0),
        open_compute=[float(ds.open_compute[i])],
        upgrade_to=[float(ds.upgrade_to[i])],
    )
    assert float(ds.value[i]) == pytest.approx(float(ref.value.values.ravel()[0]), rel=1e-12)
    # seed 002: while the open frontier stays behind the closed model (x < y = 4), the value of an
    # upgrade does not depend on it, but revenue does
    value = sensitivity(spec, "value", n=128).table
    revenue = sensitivity(spec, "revenue", n=128).table
    assert value.loc["open_compute", "ST"] == pytest.approx(0, abs=1e-9)
    assert revenue.loc["open_compute", "ST"] > 0.1
