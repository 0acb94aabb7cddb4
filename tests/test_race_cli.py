"""``moatlab race`` through a subprocess: JSON contracts, scenario files, bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr

from moatlab.race import RaceModel, ScenarioError, load_scenario, optimal_upgrade, revenue, upgrade

CLI = [sys.executable, "-m", "moatlab", "race"]
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "race.toml"


def run(*args):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)


def test_revenue_and_upgrade_json_match_the_api():
    r = run("revenue", "--n", "100", "--open", "0:1,120:6", "--closed", "4", "--json")
    assert r.returncode == 0, r.stderr
    model = RaceModel(n=100, open=[(0, 1.0), (120, 6.0)], closed=4.0)
    assert json.loads(r.stdout)["revenue"] == revenue(model).revenue
    r = run("upgrade", "--n", "100", "--open", "0:1,120:6", "--closed", "4", "--z", "20", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["value"] == upgrade(model, 20.0).value
    r = run("upgrade", "--n", "100", "--open", "0:1,120:6", "--closed", "4", "--json")
    assert json.loads(r.stdout)["z_star"] == pytest.approx(optimal_upgrade(model).z_star, rel=1e-9)


def test_sweep_writes_netcdf_and_figures(tmp_path):
    out = tmp_path / "s"
    r = run(
        "sweep",
        "--n",
        "100",
        "--closed",
        "4",
        "--open-upgrade",
        "4.5:1e4:8",
        "--release-day",
        "0:360:5",
        "--z",
        "20",
        "--effects",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    assert {p.name for p in out.iterdir()} == {
        "race.nc",
        "upgrade_heatmap.png",
        "effects.nc",
        "zstar_components.png",
    }
    ds = xr.open_dataset(out / "race.nc")
    assert ds["value"].dims == ("open_upgrade", "release_day", "upgrade_to")
    # larger, earlier open releases lower the value of the upgrade
    v = ds["value"].isel(upgrade_to=0)
    assert (v.diff("open_upgrade") <= 1e-9).all() and (v.diff("release_day") >= -1e-9).all()


def test_run_scenario(tmp_path):
    out = tmp_path / "r"
    r = run("run", str(EXAMPLE), "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    sc = load_scenario(EXAMPLE)
    assert summary["revenue"] == revenue(sc.model, rng=sc.seed).revenue
    assert set(summary["files"]) <= {p.name for p in out.iterdir()}


@pytest.mark.parametrize(
    "args,needle",
    [
        (
            ("revenue", "--open", "0:5,10:1"),
            "--open compute = [5.0, 1.0] is not allowed: must be non-decreasing",
        ),
        (("revenue", "--closed", "-3"), "--closed compute = -3"),
        (("revenue", "--discount", "1.5"), "discount = 1.5 is not allowed: must be in (0, 1]"),
        (("revenue", "--f", "cubic"), "--f = 'cubic' is not allowed"),
        (("revenue", "--open", "a:b"), "--open = 'a:b' is not allowed"),
        (("upgrade", "--z", "-1"), "--z = -1 is not allowed"),
        (("sweep", "--open-compute", "1:0:5"), "--open-compute = '1:0:5' is not allowed"),
    ],
)
def test_bad_input_one_line_exit_2(args, needle, tmp_path):
    r = run(*args, *(("--out", str(tmp_path / "o")) if args[0] == "sweep" else ()))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and needle in r.stderr, r.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "text,needle",
    [
        ("[model\nn = 1", "malformed TOML"),
        ("[model]\nn = 1\nfoo = 2", "model.foo: unknown field"),
        ("[customers]\npricing = 'auction'", "customers.pricing = 'auction' is not allowed"),
        ("[discount]\nbeta = 0", "discount.beta = 0 is not allowed"),
        ("[model]\nopen = [[0, 5.0], [3, 1.0]]", "open compute = [5.0, 1.0] is not allowed"),
        ("[upgrade]\nday = 400", "upgrade.day = 400 is not allowed"),
        ("[sweep]\nopen_upgrade = {start = 1, stop = 2}", "sweep.open_upgrade: needs numbers"),
    ],
)
def test_bad_scenarios_are_rejected_with_the_field(tmp_path, text, needle):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(ScenarioError, match=None) as e:
        load_scenario(f)
    assert needle in str(e.value) and str(f) in str(e.value)
    r = run("run", str(f), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and needle in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "o").exists()


PRESTIGE_SCENARIO = """
[model]
n = 100
m = 365
open = 1.0
closed = 4.0
[upgrade]
z = 20.0
[sweep]
open_upgrade = {start = 4.5, stop = 40, num = 4, log = true}
[prestige]
per_day = 300.0
"""


def test_components_are_reported_as_set_and_presets_never_overwrite_them(tmp_path):
    # a preset of the same kind as the user's component: one line naming both, exit 2, nothing written
    f = tmp_path / "prestige.toml"
    f.write_text(PRESTIGE_SCENARIO)
    r = run("run", str(f), "--out", str(tmp_path / "o"), "--json")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert "preset 'prestige of the frontier'" in r.stderr and "prestige component" in r.stderr
    assert "per_day=300.0" in r.stderr
    assert not (tmp_path / "o").exists()
    # the same through `race sweep --effects` with the user's --discount
    r = run(
        "sweep", "--n", "100", "--closed", "4", "--discount", "0.99", "--open-upgrade", "4.5:40:4",
        "--effects", "--out", str(tmp_path / "s"),
    )  # fmt: skip
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert "preset 'discounting" in r.stderr and "discount component" in r.stderr
    assert not (tmp_path / "s").exists()
    r = run(
        "sweep", "--n", "100", "--closed", "4", "--discount", "0.99", "--open-upgrade", "4.5:40:4",
        "--effects", "--skip-same-kind", "--out", str(tmp_path / "s"),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    eff = xr.open_dataset(tmp_path / "s" / "effects.nc")
    assert eff["component"].values[0] == "discount" and eff.attrs["skipped_presets"].startswith("discounting")
    # asked to skip presets of its own kinds: the run reports the model as set, never as "core"
    f.write_text(PRESTIGE_SCENARIO + "[effects]\nskip_same_kind = true\n")
    r = run("run", str(f), "--out", str(tmp_path / "o"), "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["components"] == "prestige"
    assert s["skipped_presets"] == "prestige of the frontier"
    labels = list(s["conclusion_holds"])
    assert "core" not in labels and labels[0] == "prestige"
    from moatlab.race import DEFAULT_PRESETS

    # the model as set, then every preset but the skipped one
    assert all(c.startswith("prestige + ") for c in labels[1:]) and len(labels) == len(DEFAULT_PRESETS)
    ds = xr.open_dataset(tmp_path / "o" / "effects.nc")
    assert list(ds["component"].values) == labels


def test_core_means_no_component(tmp_path):
    f = tmp_path / "core.toml"
    f.write_text(PRESTIGE_SCENARIO.replace("[prestige]\nper_day = 300.0\n", ""))
    r = run("run", str(f), "--out", str(tmp_path / "o"), "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["components"] == "core" and list(s["conclusion_holds"])[0] == "core"
    assert "skipped_presets" not in s


def test_equilibrium_json_files_and_api_agree(tmp_path):
    from moatlab.race import equilibrium, labs_of

    out = tmp_path / "eq"
    r = run("equilibrium", "--labs", "2", "--mode", "leader", "--rival-from-open", "--n", "100",
            "--closed", "4", "--open-upgrade", "4.5:3e4:6", "--json", "--out", str(out))
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    model = RaceModel(n=100, closed=4.0)
    eq = equilibrium(model, labs_of(model, 2, rival_from_open=True), mode="leader")
    assert [lab["z_star"] for lab in d["labs"]] == [eq.z_star[0], None]
    assert d["unique"] is True and d["n_equilibria"] == 1 and [lab["from_open"] for lab in d["labs"]] == [
        False, True]
    assert {p.name for p in out.iterdir()} == {"equilibrium.nc", "equilibrium.png"}
    ds = xr.open_dataset(out / "equilibrium.nc")
    assert ds["z_star"].dims == ("open_upgrade", "lab") and ds.sizes["open_upgrade"] == 6
    assert d["sweep"]["conclusion_holds"] == bool(ds.attrs["conclusion_holds"])


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--labs", "1"], "labs = 1"),
        (["--mode", "cournot"], "--mode = 'cournot'"),
        (["--floor", "2", "--rival-from-open"], "--floor = 2 is not allowed"),
    ],
)
def test_equilibrium_bad_input_is_one_line_exit_2_nothing_written(tmp_path, args, needle):
    out = tmp_path / "never"
    r = run("equilibrium", *args, "--out", str(out))
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()
