"""The work budget counts what a point costs: bargaining shares, the numerical path, block memory.

A bargained grid point solves the game once per candidate share (moatlab._limits.bargaining_shares);
these tests count the solves the code actually makes and compare them with the estimate the budget
checks, and run the command line just over and just under the cap.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from moatlab import _limits
from moatlab.errors import LimitError, ParameterError
from moatlab.forms import GameForms
from moatlab.game import bargaining as bargaining_mod
from moatlab.game import openness_bargaining as ob
from moatlab.game.landscape import landscape

SRC = Path(__file__).resolve().parents[1] / "src"
SOLUTIONS = [s for s in bargaining_mod.SOLUTIONS if s != "fixed"]


def _solves(message: str) -> int:
    return int(re.search(r": ([\d,]+) game solves is over", message).group(1).replace(",", ""))


def _refused_solves(monkeypatch, **kw) -> int:
    """The game solves a landscape call was estimated to need (read off the refusal at cap 1)."""
    monkeypatch.setenv("MOATLAB_MAX_GAME_SOLVES", "1")
    with pytest.raises(LimitError) as e:
        landscape(**kw)
    return _solves(str(e.value))


@given(solution=st.sampled_from(SOLUTIONS), grid=st.integers(3, 300), a=st.floats(0.2, 5.0))
def test_estimate_bounds_the_shares_bargain_evaluates(solution, grid, a):
    """Shares evaluated per point by bargain() ≤ estimate − 1 (the agreed-share solve), within 3."""
    evaluated = []

    def cont(s):
        evaluated.append(s.shape[-1])
        ug = a * s * (1 - s) + s**2 / 4
        ud = (1 - s) ** 2 / 4 + s * (1 - s) / 2
        return ug, ud, 1 - s / 2

    bargaining_mod.bargain(cont, 0.0, 1.0, solution, shape=(3,), grid=grid)
    est = _limits.bargaining_shares(solution, grid)
    assert sum(evaluated) <= est - 1
    assert sum(evaluated) >= est - 1 - 3 * (3 if solution == "kalai_smorodinsky" else 1)


@given(solution=st.sampled_from(SOLUTIONS), g1=st.integers(3, 4097), g2=st.integers(3, 4097))
def test_estimate_grows_with_the_share_grid(solution, g1, g2):
    lo, hi = sorted((g1, g2))
    assert _limits.bargaining_shares(solution, lo) <= _limits.bargaining_shares(solution, hi)
    assert _limits.bargaining_shares(solution, hi) >= hi + 1
    assert _limits.bargaining_shares("fixed", hi) == 1


def test_landscape_estimate_scales_with_shares_and_the_numerical_path(monkeypatch):
    th, pen = np.linspace(0, 1, 7), np.linspace(0, 0.5, 5)
    problems = 7 * 5 + 5 + 1  # the points, no_exemption per penalty, no_regulation once
    for grid in (3, 33, 129):
        for solution in ("nash", "kalai_smorodinsky"):
            got = _refused_solves(monkeypatch, theta=th, penalty=pen, alpha0=0.1, bargaining=solution,
                                  share_grid=grid)
            assert got == problems * _limits.bargaining_shares(solution, grid)
    # shortfall: no_exemption depends on θ too
    got = _refused_solves(monkeypatch, theta=th, penalty=pen, alpha0=0.1, bargaining="nash",
                          penalty_form="shortfall")
    assert got == (2 * 7 * 5 + 1) * _limits.bargaining_shares("nash")
    # a user share schedule runs on the numerical path: each solve costs omega_grid
    for og in (5, 33):
        got = _refused_solves(monkeypatch, theta=th, penalty=pen, alpha0=0.1, bargaining="nash",
                              schedule="constant", forms=GameForms(omega_grid=og))
        assert got == problems * _limits.bargaining_shares("nash") * og


def test_estimate_is_the_solves_the_landscape_makes(monkeypatch):
    """Count the rows every solver call of a bargained landscape solves: at most the estimate."""
    solved = []
    eq, ref = ob.equilibria_flat, ob.references_flat

    def count(fn):
        def wrapped(q, *a, **k):
            solved.append(next(iter(q.values())).shape[0])
            return fn(q, *a, **k)
        return wrapped

    monkeypatch.setattr(ob, "equilibria_flat", count(eq))
    monkeypatch.setattr(ob, "references_flat", count(ref))
    monkeypatch.setenv("MOATLAB_MAX_GAME_SOLVES", "1e12")
    th, pen = np.linspace(0, 1, 6), np.linspace(0, 0.5, 4)
    landscape(th, pen, alpha0=0.1, bargaining="nash")
    estimate = (6 * 4 + 4 + 1) * _limits.bargaining_shares("nash")
    assert 0.9 * estimate <= sum(solved) <= estimate


def test_block_shrinks_with_the_share_grid_and_memory_cap(monkeypatch):
    for grid in (3, 33, 513, 4097):
        for numerical in (False, True):
            b = _limits.bargaining_block(grid, numerical)
            assert 1 <= b <= 8192
            assert b == 1 or b * grid * _limits.set_bytes(numerical) <= _limits.cap("block_bytes")
    assert _limits.bargaining_block(4097) < _limits.bargaining_block(33)
    monkeypatch.setenv("MOATLAB_MAX_BLOCK_BYTES", "1000")
    with pytest.raises(LimitError, match="MOATLAB_MAX_BLOCK_BYTES"):
        _limits.bargaining_block(33)


def test_small_blocks_give_the_same_landscape(monkeypatch):
    th, pen = np.linspace(0, 1, 5), np.linspace(0, 0.5, 4)
    ref = landscape(th, pen, alpha0=0.1, bargaining="utilitarian", share_grid=9)
    monkeypatch.setenv("MOATLAB_MAX_BLOCK_BYTES", str(3 * 9 * _limits.set_bytes()))  # 3 points a block
    assert _limits.bargaining_block(9) == 3
    small = landscape(th, pen, alpha0=0.1, bargaining="utilitarian", share_grid=9)
    assert small.identical(ref)


def test_bargained_safety_grid_counts_its_shares(monkeypatch):
    from moatlab.safety import grid

    monkeypatch.setenv("MOATLAB_MAX_GAME_SOLVES", "1")
    with pytest.raises(LimitError) as e:
        grid(theta_g=np.linspace(0, 1, 4), theta_d=np.linspace(0, 2, 3), bargaining="nash")
    # 12 games and the same games without floors (one: the floors are the only axes)
    assert _solves(str(e.value)) == (12 + 1) * _limits.bargaining_shares("nash")


def _cli(cap: int, out: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
               MOATLAB_MAX_GAME_SOLVES=str(cap), MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "moatlab", "landscape", "--bargaining", "nash",
                           "--theta-grid", "0:1:5", "--penalty-grid", "0:0.5:4", *args, "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=300)


def test_cli_refuses_a_bargained_landscape_just_over_the_cap_and_runs_just_under(tmp_path):
    need = (5 * 4 + 4 + 1) * _limits.bargaining_shares("nash")  # fixed before the run: 1,850
    over = _cli(need - 1, tmp_path / "over")
    assert over.returncode == 2, over.stderr
    lines = over.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), over.stderr
    assert f"{need:,} game solves" in lines[0] and f"limit of {need - 1:,}" in lines[0]
    assert "MOATLAB_MAX_GAME_SOLVES" in lines[0] and "Traceback" not in over.stderr
    assert not (tmp_path / "over").exists()
    under = _cli(need, tmp_path / "under")
    assert under.returncode == 0, under.stderr
    assert (tmp_path / "under" / "landscape.nc").is_file()


def test_unbargained_landscape_counts_three_solves_a_point_and_the_curves(monkeypatch):
    th, pen = np.linspace(0, 1, 7), np.linspace(0, 0.5, 5)
    assert _refused_solves(monkeypatch, theta=th, penalty=pen, alpha0=0.1) == 3 * 35 + 7
    assert _refused_solves(monkeypatch, theta=th, penalty=pen, alpha0=0.1,
                           penalty_form="turnover") == 3 * 35 + 243 * 7
    got = _refused_solves(monkeypatch, theta=th, penalty=pen, alpha0=0.1, method="numerical",
                          forms=GameForms(omega_grid=9))
    assert got == (3 * 35 + 7) * 9


# --max-solves: the game_solves cap for one command (moatlab._limits.budget)

NEED = (5 * 4 + 4 + 1) * _limits.bargaining_shares("nash")  # the 5 × 4 bargained landscape of _cli


def test_max_solves_overrides_the_environment_both_ways(tmp_path):
    """The flag replaces $MOATLAB_MAX_GAME_SOLVES for the call: it raises a low one and lowers a high one."""
    raised = _cli(10, tmp_path / "raised", "--max-solves", f"{NEED / 1000:g}e3")  # 1850 written as 1.85e3
    assert raised.returncode == 0, raised.stderr
    assert (tmp_path / "raised" / "landscape.nc").is_file()
    lowered = _cli(10**12, tmp_path / "lowered", "--max-solves", str(NEED - 1))
    assert lowered.returncode == 2, lowered.stderr
    lines = lowered.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in lowered.stderr
    assert f"{NEED:,} game solves is over the limit of {NEED - 1:,}" in lines[0], lines[0]
    assert not (tmp_path / "lowered").exists()


def test_max_solves_just_over_is_one_line_naming_both_ways_and_writes_nothing(tmp_path):
    from .fuzz_helpers import assert_one_line, cli, listing

    base = ["landscape", "--bargaining", "nash", "--theta-grid", "0:1:5", "--penalty-grid", "0:0.5:4"]
    before = listing(tmp_path)
    line = assert_one_line(cli([*base, "--max-solves", str(NEED - 1), "--out", "o"], tmp_path),
                           f"{NEED:,} game solves", before=before, folder=tmp_path)
    assert "give --max-solves N or set MOATLAB_MAX_GAME_SOLVES=N" in line, line
    # without the flag, the command still names both ways (the environment variable is the cap)
    # (1,000,000 points × 74 shares × 33 ω-grid points: over the default 1,000,000,000)
    line = assert_one_line(cli([*base[:3], "--method", "numerical", "--theta-grid", "0:1:1000",
                                "--penalty-grid", "0:0.5:1000", "--out", "o"], tmp_path), "game solves",
                           before=before, folder=tmp_path)
    assert "--max-solves N" in line and "MOATLAB_MAX_GAME_SOLVES=N" in line, line
    # the safety map counts its games, the games without floors and its θ_G = 0 line: 9 + 1 games
    sm = ["safety", "map", "--bargaining", "nash", "--theta-g", "0:1:3", "--theta-d", "0:1:3"]
    need = (9 + 1) * _limits.bargaining_shares("nash")
    line = assert_one_line(cli([*sm, "--max-solves", str(need - 1), "--out", "o"], tmp_path),
                           f"{need:,} game solves is over the limit of {need - 1:,}", before=before,
                           folder=tmp_path)
    assert "--max-solves N" in line, line
    r = cli([*sm, "--max-solves", str(need), "--out", "o"], tmp_path, timeout=120)
    assert r.rc == 0, r.stderr
    assert (tmp_path / "o" / "safety.nc").is_file()


@pytest.mark.parametrize("value", ["abc", "0", "-5", "0.5", "1.5", "1e400", "inf", "nan", "", " ", "1,000",
                                   "9" * 400])
def test_bad_max_solves_is_one_line_naming_it(tmp_path, value):
    from .fuzz_helpers import assert_one_line, cli, listing

    before = listing(tmp_path)
    for argv in (["landscape", "--theta-grid", "0:1:3", "--penalty-grid", "0:1:3"],
                 ["safety", "map", "--bargaining", "nash", "--theta-g", "0:1:2", "--theta-d", "0:1:2"]):
        line = assert_one_line(cli([*argv, "--max-solves", value, "--out", "o"], tmp_path), "--max-solves = ",
                               before=before, folder=tmp_path)
        assert "must be a whole number >= 1" in line, line


@given(n=st.integers(1, 10**15))
def test_parse_cap_reads_whole_numbers_in_either_notation(n):
    assert _limits.parse_cap("--max-solves", str(n)) == n
    assert _limits.parse_cap("--max-solves", f"{n:.17e}") == n  # e.g. 1.85e+03; exact below 2**53
    with pytest.raises(ParameterError, match=r"^--max-solves = '.*' is not allowed: must be a whole number"):
        _limits.parse_cap("--max-solves", f"{n}.5")


def test_budget_holds_within_its_block_and_its_thread_only(monkeypatch):
    import threading

    monkeypatch.setenv("MOATLAB_MAX_GAME_SOLVES", "1000")
    assert _limits.cap("game_solves") == 1000
    seen = {}
    inside, release = threading.Event(), threading.Event()

    def other():
        inside.wait(10)
        seen["cap"] = _limits.cap("game_solves")  # while the main thread is inside its block
        release.set()

    t = threading.Thread(target=other)
    t.start()
    with _limits.budget("game_solves", 5, option="--max-solves"):
        inside.set()
        release.wait(10)
        assert _limits.cap("game_solves") == 5
        with pytest.raises(LimitError, match=r"6 game solves is over the limit of 5 .*give --max-solves N"):
            _limits.check("game_solves", 6, "x")
        with _limits.budget("game_solves"):  # nested, no value: the environment variable again
            assert _limits.cap("game_solves") == 1000
        assert _limits.cap("game_solves") == 5
        assert _limits.cap("block_bytes") == _limits.LIMITS["block_bytes"].default  # other budgets untouched
    t.join(10)
    assert seen["cap"] == 1000
    assert _limits.cap("game_solves") == 1000
    with pytest.raises(LimitError, match=r"limit of 1,000 .*; to allow more, set MOATLAB_MAX_GAME_SOLVES=N$"):
        _limits.check("game_solves", 1001, "x")  # no option named outside the block
    with pytest.raises(RuntimeError), _limits.budget("game_solves", 7):
        raise RuntimeError
    assert _limits.cap("game_solves") == 1000  # undone when the block raises


def test_budget_refuses_unknown_names_and_bad_caps():
    for bad in (0, -1, 1.5, True, "10"):
        with pytest.raises(ParameterError, match="--max-solves"), _limits.budget("game_solves", bad,
                                                                                 option="--max-solves"):
            pass
    with pytest.raises(ParameterError, match="^name = 'nope'"), _limits.budget("nope", 5):
        pass


def test_budget_overrides_the_landscape_check_in_process(monkeypatch):
    """The Python API: a landscape refused at the environment's cap runs inside a raised budget."""
    monkeypatch.setenv("MOATLAB_MAX_GAME_SOLVES", "1")
    th, pen = np.linspace(0, 1, 3), np.linspace(0, 0.5, 2)
    with pytest.raises(LimitError):
        landscape(th, pen, alpha0=0.1)
    with _limits.budget("game_solves", 3 * 6 + 3):
        assert landscape(th, pen, alpha0=0.1).sizes["theta"] == 3
    with pytest.raises(LimitError), _limits.budget("game_solves", 3 * 6 + 2):
        landscape(th, pen, alpha0=0.1)
