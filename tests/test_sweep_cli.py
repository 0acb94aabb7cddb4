"""``moatlab sweep …`` and ``moatlab policy search`` through a subprocess, including kill + resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from moatlab.sweep import load_spec, open_sweep, run_sweep

CLI = [sys.executable, "-m", "moatlab"]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(*args, timeout=300):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


SMALL = """
model = "game"
design = "sobol"
samples = 2048
seed = 5
chunk_size = 512
outcomes = ["openness", "defies", "U_D"]
[parameters]
alpha0 = { dist = "uniform", low = 0.05, high = 0.5 }
lam = { dist = "uniform", low = 0.0, high = 0.95 }
epsilon = { dist = "uniform", low = 0.0, high = 0.2 }
theta = 0.6
penalty = 0.15
"""


def test_sweep_run_status_sensitivity_and_discover(tmp_path):
    spec = write(tmp_path / "s.toml", SMALL)
    r = run("sweep", "run", spec, "--out", tmp_path / "run", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    ds = open_sweep(tmp_path / "run").load()
    xr.testing.assert_identical(ds, run_sweep(load_spec(spec)))
    assert doc["points"] == 2048 and doc["chunks"] == 4
    assert doc["means"]["openness"] == pytest.approx(float(ds.openness.mean()))
    r = run("sweep", "status", tmp_path / "run")
    assert r.returncode == 0 and "4 of 4 chunks" in r.stdout

    r = run("sweep", "sensitivity", spec, "--outcome", "openness", "--n", "256", "--out", tmp_path / "sens")
    assert r.returncode == 0, r.stderr
    idx = pd.read_csv(tmp_path / "sens" / "indices.csv", index_col=0)
    assert list(idx.index) == ["alpha0", "lam", "epsilon"] and (idx["ST"] > 0).all()
    assert (tmp_path / "sens" / "sensitivity.png").stat().st_size > 10_000

    r = run(
        "sweep",
        "discover",
        tmp_path / "run",
        "--outcome",
        "defies",
        "--threshold",
        "0.5",
        "--out",
        tmp_path / "prim",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    box = json.loads(r.stdout)
    assert box["density"] > box["base_rate"] and (tmp_path / "prim" / "prim.png").exists()


def test_sweep_on_a_two_worker_local_cluster_matches_in_process(tmp_path):
    spec = write(tmp_path / "s.toml", SMALL)
    r = run("sweep", "run", spec, "--out", tmp_path / "dask", "--workers", "2")
    assert r.returncode == 0, r.stderr
    xr.testing.assert_identical(open_sweep(tmp_path / "dask").load(), run_sweep(load_spec(spec)))


KILLABLE = """
model = "market"
design = "lhs"
samples = 40
seed = 9
chunk_size = 1
outcomes = ["hhi", "open_share"]
[options]
scenario = "baseline"
[parameters]
appropriability = { dist = "uniform", low = 0.1, high = 0.9 }
periods = 36
"""


def test_a_killed_sweep_resumes_to_the_uninterrupted_result(tmp_path):
    spec = write(tmp_path / "m.toml", KILLABLE)
    out = tmp_path / "m"
    proc = subprocess.Popen(
        [*CLI, "sweep", "run", str(spec), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "chunks").glob("chunk-*.nc"))) < 3:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # no clean-up of any kind
    proc.wait()
    done = len(list((out / "chunks").glob("chunk-*.nc")))
    assert 3 <= done < 40, done
    r = run("sweep", "status", out)
    assert f"{done} of 40 chunks" in r.stdout
    r = run("sweep", "run", spec, "--out", out)  # without --resume: refused, nothing touched
    assert r.returncode == 2 and "--resume" in r.stderr
    r = run("sweep", "run", spec, "--out", out, "--resume")
    assert r.returncode == 0, r.stderr
    xr.testing.assert_identical(open_sweep(out).load(), run_sweep(load_spec(spec)))


def test_policy_search_writes_the_front_and_the_figure(tmp_path):
    r = run("policy", "search", EXAMPLES / "policy.toml", "--out", tmp_path / "p", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["best"]["P_exits"] <= 0.05 and 0 <= doc["best"]["theta"] <= 1
    front = pd.read_csv(tmp_path / "p" / "front.csv")
    assert len(front) == len(doc["front"]) >= 3
    assert np.isclose(front["openness"].max(), doc["best"]["openness"])
    for f in ("candidates.csv", "pareto.png", "pareto.svg", "policy.json"):
        assert (tmp_path / "p" / f).stat().st_size > 0


@pytest.mark.parametrize(
    "args, text, message",
    [
        (
            ["sweep", "run"],
            'model = "game"\n[parameters]\nalpha0 = { dist = "uniform", low = 0.5, high = 0.1 }',
            "parameters.alpha0.high = 0.1 is not allowed: must be > low = 0.5",
        ),
        (
            ["sweep", "run"],
            'design = "grid"\n[parameters]\nlam = { dist = "beta", a = 1, b = 2, high = 0.9 }',
            "parameters.lam = 'beta' is not allowed",
        ),
        (["sweep", "run"], "samples = [1, 2\n", "malformed TOML"),
        (
            ["sweep", "run", "--workers", "0"],
            'model = "game"\n[parameters]\ntheta = [0.1, 0.2]',
            "--workers = 0 is not allowed",
        ),
        (["sweep", "sensitivity", "--outcome", "wealth"], SMALL, "outcome = 'wealth' is not allowed"),
        (
            ["policy", "search"],
            '[parameters]\ntheta = 0.4\n[policy]\nobjective = "openness"',
            "parameters.theta = 'theta' is not allowed: must be left out",
        ),
        (
            ["policy", "search"],
            '[parameters]\nalpha0 = 0.2\n[policy]\nobjective = "joy"',
            "objective = 'joy' is not allowed",
        ),
        (
            ["policy", "search"],
            "[parameters]\nalpha0 = 0.2\n[policy]\nconstraints = { exits = 1.5 }",
            "constraints.exits = 1.5 is not allowed: must be a probability in [0, 1]",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, args, text, message):
    spec = write(tmp_path / "bad.toml", text)
    cmd, rest = args[:2], args[2:]
    r = run(*cmd, spec, *rest, "--out", tmp_path / "out")
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert not (tmp_path / "out").exists()
