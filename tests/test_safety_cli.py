"""``moatlab safety`` through a subprocess: JSON contract, the map's files, bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

from moatlab.safety import solve

SRC = Path(__file__).resolve().parents[1] / "src"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
CLI = [sys.executable, "-m", "moatlab", "safety"]


def run(*args, cwd=None):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, env=ENV, cwd=cwd)


def test_solve_json_matches_the_api():
    r = run("solve", "--theta-g", "0.1", "--theta-d", "0.6", "--c0", "1,-0.3,1.2", "--c1", "0.8,0.2,1",
            "--r", "1,1.5", "--delta", "0.4", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    ref = solve(0.1, 0.6, c0=(1, -0.3, 1.2), c1=(0.8, 0.2, 1), r=(1, 1.5), delta=0.4)
    for k in ("alpha0", "beta0", "alpha1", "beta1", "U_G", "U_D", "G_strategy", "D_strategy", "backfiring",
              "mutualism"):
        assert d[k] == getattr(ref, k)
    d = json.loads(run("solve", "--theta-d", "0.45", "--json").stdout)  # defaults: C0 = C1 = I, r = (1, 1)
    assert d["backfiring"] is True and d["beta0"] == 0 and d["delta"] == 0.5
    d = json.loads(run("solve", "--theta-d", "5", "--json").stdout)
    assert d["G_strategy"] == d["D_strategy"] == "abstain" and d["alpha0"] is None


def test_solve_with_bargaining():
    r = run("solve", "--theta-d", "0.45", "--bargaining", "nash", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["bargaining"] == "nash" and 0 < d["delta"] < 1
    assert d["U_G"] == pytest.approx(solve(theta_d=0.45, delta=d["delta"]).U_G)


def test_map_writes_netcdf_csv_and_figures_to_the_default_folder(tmp_path):
    r = run("map", "--theta-g", "0:1:11", "--theta-d", "0:2.5:26", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "moatlab-out" / "safety-map"
    names = {p.name for p in out.iterdir()}
    assert names == {"safety.nc", "safety.csv", "safety-map.png", "safety-investments.png",
                     "safety-utilities.png"}
    ds = xr.open_dataset(out / "safety.nc")
    assert ds["beta1"].dims == ("theta_g", "theta_d") and ds.sizes == {"theta_g": 11, "theta_d": 26}
    df = pd.read_csv(out / "safety.csv")
    assert {"theta_g", "theta_d", "alpha0", "beta0", "alpha1", "beta1", "U_G", "U_D", "G_strategy",
            "D_strategy", "backfiring", "mutualism"} <= set(df.columns)
    assert len(df) == 11 * 26
    none = df[df["G_strategy"] == "abstain"]
    assert len(none) > 0 and none["alpha0"].isna().all() and (none["D_strategy"] == "abstain").all()
    row = df[(df["theta_g"] == 0) & (df["theta_d"] == 0.4)].iloc[0]
    assert bool(row["backfiring"]) and row["beta0"] == 0
    r = run("grid", "--help")  # the name for the same command
    assert r.returncode == 0 and "safety map" in r.stdout


@pytest.mark.parametrize("args, needle", [
    (("solve", "--c0", "1,-1.5,1"), "--c0"),
    (("solve", "--theta-d", "-0.5"), "--theta-d"),
    (("solve", "--delta", "0.3", "--bargaining", "nash"), "--delta"),
    (("map", "--theta-g", "0:1:999999999"), "--theta-g"),
])
def test_bad_input_is_one_line_exit_2(args, needle, tmp_path):
    r = run(*args, "--out", str(tmp_path / "x")) if args[0] == "map" else run(*args)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and needle in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()
