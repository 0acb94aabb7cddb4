"""The CLI through a subprocess, as a user or a script meets it."""

import json
import subprocess
import sys

import pytest
import xarray as xr

from moatlab import solve

CLI = [sys.executable, "-m", "moatlab"]


def run(*args, cwd=None):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_solve_json_contract():
    r = run("solve", "--alpha0", "0.2", "--theta", "0.6", "--penalty", "0.05", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert set(d) >= {"action", "omega", "omega_free", "alpha1", "U_G", "U_D", "surplus", "penalty_paid"}
    eq = solve(alpha0=0.2, theta=0.6, penalty=0.05)
    assert d["action"] == eq.action and d["omega"] == eq.omega and d["U_D"] == eq.U_D


def test_solve_all_options_and_table():
    r = run("solve", "--alpha0", "1.5", "--theta", "0.5", "--penalty", "0.1", "--delta0", "0.8",
            "--c-d", "2", "--lam", "0.5", "--epsilon", "0.05", "--kappa0", "0.01", "--c-g", "0.1",
            "--f-d", "0.01", "--penalty-form", "shortfall", "--json")
    assert r.returncode == 0, r.stderr
    eq = solve(alpha0=1.5, theta=0.5, penalty=0.1, delta0=0.8, c_d=2, lam=0.5, epsilon=0.05,
               kappa0=0.01, c_g=0.1, f_d=0.01, penalty_form="shortfall")
    assert json.loads(r.stdout)["U_G"] == eq.U_G
    r = run("solve", "--alpha0", "0.05")
    assert r.returncode == 0 and "omega_free" in r.stdout and "not_binding" in r.stdout


def test_exit_is_null_in_json():
    d = json.loads(run("solve", "--alpha0", "0.1", "--f-d", "5", "--c-g", "1", "--json").stdout)
    assert d["action"] == "exit" and d["omega"] is None and d["U_G"] == 0


@pytest.mark.parametrize("args, needle", [
    (["--alpha0", "0"], "--alpha0 = 0"),
    (["--alpha0", "-1"], "--alpha0 = -1"),
    (["--theta", "1.2"], "--theta = 1.2"),
    (["--penalty", "-0.1"], "--penalty = -0.1"),
    (["--lam", "1"], "--lam = 1"),
    (["--delta0", "0"], "--delta0 = 0"),
    (["--delta0", "1.5"], "--delta0 = 1.5"),
    (["--penalty-form", "fine"], "--penalty-form = 'fine'"),
    (["--alpha0", "abc"], "--alpha0"),
    (["--nonsense", "1"], "--nonsense"),
])
def test_bad_input_one_line_exit_2(args, needle):
    r = run("solve", *args)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_landscape_writes_three_files(tmp_path):
    out = tmp_path / "out"
    r = run("landscape", "--alpha0", "0.05", "--theta-grid", "0:1:21", "--penalty-grid", "0:0.5:11",
            "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["indifference.csv", "landscape.nc", "landscape.png"]
    ds = xr.open_dataset(out / "landscape.nc")
    assert dict(ds.sizes) == {"theta": 21, "penalty": 11}
    assert ds["action"].attrs["flag_meanings"] == "exit not_binding comply defy"
    assert "theta,p_star,p_exit" in (out / "indifference.csv").read_text().splitlines()[0]
    assert list(tmp_path.iterdir()) == [out]  # no partial folder left behind


@pytest.mark.parametrize("args, needle", [
    (["--theta-grid", "0:1"], "--theta-grid"),
    (["--theta-grid", "0:2:11"], "--theta-grid"),
    (["--penalty-grid", "a:b:c"], "--penalty-grid"),
    (["--penalty-grid", "0:1:1"], "--penalty-grid"),
    (["--alpha0", "-3"], "--alpha0"),
    (["--penalty-form", "turnover", "--penalty-grid", "0:2:5"], "--penalty-grid"),
])
def test_landscape_bad_input_writes_nothing(tmp_path, args, needle):
    out = tmp_path / "out"
    r = run("landscape", *args, "--out", str(out))
    assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_demo(tmp_path):
    r = run("demo", "--out", str(tmp_path / "d"))
    assert r.returncode == 0, r.stderr
    files = {p.name for p in (tmp_path / "d").iterdir()}
    assert {"summary.md", "landscape_low.png", "landscape_high.png", "omega_free.png",
            "landscape_low.nc", "landscape_high.nc", "penalty_needed.png"} <= files
    text = (tmp_path / "d" / "summary.md").read_text()
    w = solve(alpha0=0.05).omega_free
    assert f"α0 = 0.05 gives ω_free = {w:.3f}" in text
    assert "G stays fully closed for α0 ≥" in text


def test_help_lists_commands():
    r = run("--help")
    assert r.returncode == 0 and all(c in r.stdout for c in ("solve", "landscape", "demo"))
