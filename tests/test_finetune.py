"""Fine-tuning games (Laufer, Kleinberg and Heidari, WWW 2024): closed forms, numerical path,
n specialists, the specialists file and the `moatlab finetune` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from moatlab.errors import ParameterError, ScenarioError
from moatlab.game.finetune import (
    FinetuneForms,
    Specialist,
    finetune_arrays,
    load_specialists,
    solve_finetune,
)

SRC = str(Path(__file__).resolve().parents[1] / "src")


@given(delta=st.floats(0, 1), r=st.floats(0.05, 10), c0=st.floats(0.05, 10), c1=st.floats(0.05, 10))
def test_closed_forms_of_the_one_specialist_game(delta, r, c0, c1):
    eq = solve_finetune(r=r, c0=c0, c1=c1, delta=delta)
    a0 = delta * r / (2 * c0)
    a1 = a0 + (1 - delta) * r / (2 * c1)
    ug = delta**2 * r**2 / (4 * c0) + delta * (1 - delta) * r**2 / (2 * c1)
    ud = delta * (1 - delta) * r**2 / (2 * c0) + (1 - delta) ** 2 * r**2 / (4 * c1)
    for ours, spec in ((eq.alpha0, a0), (eq.alpha1, a1), (eq.U_G, ug), (eq.U_D, ud)):
        assert abs(ours - spec) <= 1e-12 * (1 + abs(spec))
    assert eq.domains[0].status == ("contributes" if delta < 1 else "free_rides")


def _random_single(rng, n):
    return dict(delta=rng.uniform(0, 1, n), r=rng.uniform(0.2, 3, n), c0=rng.uniform(0.2, 3, n),
                c1=rng.uniform(0.2, 3, n), k=rng.uniform(0, 0.5, n), f=rng.uniform(0, 0.3, n))


def test_numerical_path_agrees_with_the_closed_form(rng):
    """The default forms written as plain lambdas (finite differences), with linear costs and entry
    costs: utilities to 1e-9, investments to 1e-6 (golden section locates a smooth maximum to about
    the square root of machine precision)."""
    n = 400
    p = _random_single(rng, n)
    sp = [Specialist("D")]
    singles = {"r": p["r"], "c": p["c1"], "k": p["k"], "f": p["f"]}
    cf = finetune_arrays(p["c0"], sp, p["delta"], None, singles)
    r, c0, c1, k = (p[x][:, None] for x in ("r", "c0", "c1", "k"))
    forms = FinetuneForms(revenue=lambda a: r.reshape(r.shape[:1] + (1,) * (np.ndim(a) - 1)) * a,
                          cost0=lambda a: c0.reshape(c0.shape[:1] + (1,) * (np.ndim(a) - 1)) * a * a,
                          cost1=lambda x: (c1.reshape(c1.shape[:1] + (1,) * (np.ndim(x) - 1)) * x * x
                                           + k.reshape(k.shape[:1] + (1,) * (np.ndim(x) - 1)) * x))
    num = finetune_arrays(p["c0"], sp, p["delta"], forms, singles)
    np.testing.assert_allclose(num["U_G"], cf["U_G"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(num["U_D"], cf["U_D"], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(num["status"], cf["status"])
    np.testing.assert_allclose(num["alpha0"], cf["alpha0"], rtol=0, atol=1e-6)


def test_numerical_path_with_concave_revenue_against_scipy():
    """r(α) = 2√(α + 0.01) (defined a little below 0, for the finite differences), φ0 = α0²,
    φ1 = 2Δ²: against scipy (brentq for D's condition, bounded Brent for G, per point)."""
    from scipy.optimize import brentq, minimize_scalar

    forms = FinetuneForms(revenue=lambda a: 2 * np.sqrt(a + 0.01), cost0=lambda a: a * a,
                          cost1=lambda x: 2 * x * x)
    for delta in (0.1, 0.5, 0.95):
        eq = solve_finetune(delta=delta, forms=forms)

        def a1(a0, delta=delta):
            return brentq(lambda x: (1 - delta) / np.sqrt(x + 0.01) - 4 * (x - a0), a0, a0 + 10, xtol=1e-15)

        def ug(a0, delta=delta):
            return delta * 2 * np.sqrt(a1(a0) + 0.01) - a0 * a0

        ref = minimize_scalar(lambda a: -ug(a), bounds=(0, 3), method="bounded", options={"xatol": 1e-12})
        assert abs(eq.U_G - (-ref.fun)) < 1e-10
        assert abs(eq.alpha0 - ref.x) < 1e-6 and abs(eq.alpha1 - a1(ref.x)) < 1e-6


def _brute_many(c0, sp):
    """Each specialist's best response by scipy's bounded Brent (its problem separates from α0),
    participation from its utility, and G's α0 on a fine grid (a lower bound of G's optimum)."""
    from scipy.optimize import minimize_scalar

    a0 = np.linspace(0, 6, 12001)
    total = -c0 * a0**2
    for s in sp:
        res = minimize_scalar(lambda x, s=s: -((1 - s.delta) * s.r * x - s.c * x * x - s.k * x),
                              bounds=(0, 10), method="bounded", options={"xatol": 1e-12})
        dl = res.x if -res.fun > 0 else 0.0
        ud = (1 - s.delta) * s.r * (a0 + dl) - s.c * dl**2 - s.k * dl - s.f
        total = total + np.where(ud >= -1e-12, s.delta * s.r * (a0 + dl), 0.0)
    return total.max()


def test_n_specialists_against_brute_force_and_statuses(rng):
    for _ in range(6):
        n = int(rng.integers(2, 6))
        sp = [Specialist(f"D{i}", r=rng.uniform(0.3, 2), c=rng.uniform(0.3, 2), delta=rng.uniform(0, 1),
                         k=rng.uniform(0, 1), f=rng.uniform(0, 0.4)) for i in range(n)]
        c0 = rng.uniform(0.3, 2)
        eq = solve_finetune(c0=c0, specialists=sp, delta=None)
        brute = _brute_many(c0, sp)
        assert eq.U_G >= brute - 1e-9 and eq.U_G <= brute + 1e-3
        for s, d in zip(sp, eq.domains, strict=True):
            gain = max(0.0, (1 - s.delta) * s.r - s.k) ** 2 / (4 * s.c)
            u_if = (1 - s.delta) * s.r * eq.alpha0 + gain - s.f
            if d.status == "abstains":
                assert u_if < 0 and d.U_D == 0
            else:
                assert abs(d.U_D - u_if) < 1e-12
                assert (d.status == "contributes") == ((1 - s.delta) * s.r > s.k)


def test_adding_a_specialist_never_lowers_gs_investment(rng):
    """G's investment responds to all specialists: another domain adds an increasing term to G's
    objective, so (ties to the larger α0) α0 cannot fall."""
    for _ in range(30):
        sp = [Specialist(f"D{i}", r=rng.uniform(0.3, 2), c=rng.uniform(0.3, 2), delta=rng.uniform(0, 1),
                         k=rng.uniform(0, 1), f=rng.uniform(0, 0.4)) for i in range(4)]
        c0 = rng.uniform(0.3, 2)
        a = [solve_finetune(c0=c0, specialists=sp[:m], delta=None).alpha0 for m in range(1, 5)]
        assert np.all(np.diff(a) >= -1e-12), a


def test_specialists_file_and_its_errors(tmp_path):
    good = tmp_path / "s.toml"
    good.write_text('c0 = 2.0\n[[specialist]]\nname = "med"\nr = 1.5\nc = 0.5\ndelta = 0.3\n'
                    '[[specialist]]\nr = 1\nc = 1\ndelta = 0.6\nf = 0.2\n')
    sp, settings = load_specialists(good)
    assert [s.name for s in sp] == ["med", "D2"] and settings == {"c0": 2.0} and sp[1].f == 0.2
    cases = {
        '[[specialist]]\nr = 1\nc = 1\ndelta = 1.5\n': "specialist[1].delta = 1.5",
        '[[specialist]]\nr = 1\nc = 1\ndelta = 0.5\ncost = 3\n': "unknown field 'cost'",
        '[[specialist]]\nr = 1\ndelta = 0.5\n': "missing field 'c'",
        'c0 = -1\n[[specialist]]\nr = 1\nc = 1\ndelta = 0.5\n': "c0 = -1",
        'x = 1\n': "unknown field 'x'",
        '[[specialist]]\nr = "a"\nc = 1\ndelta = 0.5\n': "specialist[1].r = 'a'",
    }
    for text, msg in cases.items():
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(ScenarioError, match=msg.replace("[", r"\[").replace("]", r"\]")):
            load_specialists(bad)


def test_bad_parameters_name_themselves():
    with pytest.raises(ParameterError, match="c0"):
        solve_finetune(c0=0)
    with pytest.raises(ParameterError, match="delta"):
        solve_finetune(delta=1.2)
    with pytest.raises(ParameterError, match="bargaining"):
        solve_finetune(bargaining="coin_flip")


def _cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "moatlab", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def test_cli_finetune_solve_and_grid(tmp_path):
    r = _cli("finetune", "solve", "--r", "1", "--c0", "1", "--c1", "3", "--bargaining", "nash", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert {"delta", "alpha0", "alpha1", "U_G", "U_D"} <= set(d) and 0 < d["delta"] < 1
    spec = tmp_path / "s.toml"
    spec.write_text('[[specialist]]\nname = "a"\nr = 1\nc = 1\ndelta = 0.3\n'
                    '[[specialist]]\nname = "b"\nr = 2\nc = 0.5\ndelta = 0.2\nk = 1.7\n')
    r = _cli("finetune", "solve", "--specialists", str(spec), "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["domains"]
    assert [x["status"] for x in rows] == ["contributes", "free_rides"]
    out = tmp_path / "grid"
    r = _cli("finetune", "grid", "--delta-grid", "0:1:21", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert {p.name for p in out.iterdir()} >= {"finetune.nc", "finetune.csv", "shares.png"}


def test_cli_finetune_bad_input_is_one_line_and_writes_nothing(tmp_path):
    r = _cli("finetune", "solve", "--c0", "-1", "--json")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--c0" in r.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[[specialist]]\nr = 1\nc = 1\ndelta = 0.5\nspeed = 2\n')
    out = tmp_path / "never"
    r = _cli("finetune", "grid", "--specialists", str(bad), "--out", str(out))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "speed" in r.stderr
    assert not out.exists()
    r = _cli("finetune", "solve", "--delta", "0.5", "--bargaining", "nash")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
