"""``moatlab market`` through a subprocess: outputs, JSON, agreement with the API, bad input."""

import json
import subprocess
import sys

import numpy as np
import xarray as xr

from moatlab.market import make_params
from moatlab.market.ensemble import run_ensemble
from moatlab.market.scenario import MarketScenario, load_scenario

CLI = [sys.executable, "-m", "moatlab", "market"]


def run(*args):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)


def test_run_writes_netcdf_csv_figures_and_matches_the_api(tmp_path):
    out = tmp_path / "rogue"
    r = run(
        "run", "rogue_giant", "--seeds", "3", "--periods", "24", "--seed", "4", "--out", str(out), "--json"
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["scenario"] == "rogue_giant" and doc["seeds"] == 3 and "hhi" in doc["means"]
    for f in ("ensemble.nc", "runs.csv", "summary.csv", "means.csv", "bands.png", "compare.png"):
        assert (out / f).stat().st_size > 0, f
    ds = xr.load_dataset(out / "ensemble.nc")
    sc = load_scenario("rogue_giant")
    api = run_ensemble(
        [MarketScenario(sc.name, make_params({"periods": 24}, base=sc.params))], seeds=3, seed=4
    )
    np.testing.assert_array_equal(ds.hhi.values, api.hhi.values)
    np.testing.assert_allclose(doc["means"]["hhi"], float(api.hhi.isel(period=slice(12, None)).mean()))


def test_compare_prints_a_table_and_writes_plots(tmp_path):
    out = tmp_path / "cmp"
    r = run("compare", "baseline", "fractionalisation", "--seeds", "2", "--periods", "20", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "baseline" in r.stdout and "fractionalisation" in r.stdout and "hhi" in r.stdout
    assert (out / "compare.png").exists() and (out / "bands.png").exists()


def test_scenarios_lists_the_packaged_files():
    r = run("scenarios")
    assert r.returncode == 0 and "rogue_giant" in r.stdout and "all_levers" in r.stdout


def test_sweep_reports_the_peak_and_writes_the_figure(tmp_path):
    out = tmp_path / "sw"
    r = run("sweep", "--field", "appropriability", "--values", "0:1:3", "--seeds", "2", "--periods", "20",
            "--out", str(out))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "innovation peaks at appropriability" in r.stdout
    assert (out / "innovation.png").exists() and (out / "sweep.nc").exists()


def test_bad_input_gives_one_line_exit_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[policy]\ntheta = 3\n', encoding="utf-8")
    cases = [
        (("run", str(bad)), "policy.theta = 3 is not allowed: must be <= 1"),
        (("run", "no_such_scenario"), "no such file"),
        (("run", "baseline", "--seeds", "1"), "--seeds = 1 is not allowed"),
        (("run", "baseline", "--workers", "0"), "--workers = 0 is not allowed"),
        (("compare", "baseline"), "at least two scenarios"),
        (("sweep", "--field", "nonsense", "--seeds", "2"), "nonsense = 0 is not allowed"),
        (("sweep", "--field", "appropriability", "--values", "0:1", "--seeds", "2"), "--values = '0:1'"),
    ]
    for args, message in cases:
        out = tmp_path / "o"
        r = run(*args, "--out", str(out))
        assert r.returncode == 2, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, r.stderr)
        assert not out.exists()


def test_calibrate_writes_the_fit_and_resumes(tmp_path):
    out = tmp_path / "cal"
    args = ("calibrate", "--samples", "2", "--seeds", "1", "--periods", "36", "--seed", "3", "--refine", "1",
            "--refine-seeds", "1", "--json")  # fmt: skip
    r = run(*args, "--out", str(out))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert set(doc["fitted"]) >= {"entry_cost", "adopt_cost"} and len(doc["fit"]) == 7
    for f in ("fitted.json", "fit.csv", "identification.csv", "jacobian.csv", "points.csv"):
        assert (out / f).stat().st_size > 0, f
    again = run(*args, "--out", str(out))  # the points are kept beside the output: nothing is rerun
    assert again.returncode == 0 and json.loads(again.stdout)["fitted"] == doc["fitted"]


def test_calibrate_fits_another_parameter_with_free(tmp_path):
    out = tmp_path / "cal"
    r = run("calibrate", "--free", "types.challenger.train_share=0:1", "--free", "scaling=1:1.5", "--samples",
            "3", "--seeds", "1", "--periods", "36", "--refine", "1", "--refine-seeds", "1", "--json",
            "--out", str(out))  # fmt: skip
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["meta"]["free"]["types.challenger.train_share"] == [0.0, 1.0]
    assert doc["meta"]["free"]["scaling"] == [1.0, 1.5] and len(doc["meta"]["free"]) == 6
    fit = doc["fitted"]
    assert 0.0 <= fit["types.challenger.train_share"] <= 1.0 and 1.0 <= fit["scaling"] <= 1.5
    assert [r["parameter"] for r in doc["identification"]][-1] == "types.challenger.train_share"


def test_calibrate_bad_input(tmp_path):
    bad = tmp_path / "t.toml"
    bad.write_text("[hhi]\nvalue = 'x'\n", encoding="utf-8")
    for args, message in [
        (("--targets", str(bad)), "hhi.value"),
        (("--samples", "0"), "--samples = 0 is not allowed"),
        (("--periods", "12"), "--periods = 12 is not allowed"),
        (("--refine", "0"), "--refine = 0 is not allowed"),
        (("--polish", "3"), "--polish = 3 is not allowed"),
        (("--free", "train_share"), "--free = 'train_share' is not allowed: must be NAME=LOW:HIGH"),
        (("--free", "scaling=2:1"), "--free = 'scaling=2:1' is not allowed: must be NAME=LOW:HIGH"),
        (("--free", "scaling=nan:1"), "must be NAME=LOW:HIGH"),
        (("--free", "types.challenger.train_shar=0:1"), "types.challenger.train_shar = 0 is not allowed"),
        (("--free", "types.challenger.train_share=0:2"), "types.challenger.train_share = 2 is not allowed"),
    ]:
        out = tmp_path / "o"
        r = run("calibrate", *args, "--out", str(out))
        assert r.returncode == 2, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
        assert not out.exists()
