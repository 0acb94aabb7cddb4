"""The robustness check: a false claim fails, a robust one is robust, a fragile one fragile;
intervals, failure boxes, seeds, chunking and resuming; the CLI through a subprocess."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from moatlab.claims import Claim, check_claim, uniform, verdicts, wilson
from moatlab.errors import MoatlabError

SPACE = (uniform("x", 0.0, 1.0, "the unit interval, for a test"),
         uniform("y", 0.0, 1.0, "the unit interval, for a test"))


def toy(name, decide, defaults=None, ensemble=0, chunk=64):
    return Claim(name=name, model="toy", statement=name, source="moatlab's own", space=SPACE,
                 defaults=defaults or {"x": 0.1, "y": 0.5}, decide=decide, rule=name, margin="see decide",
                 threshold=0.0, ensemble=ensemble, chunk=chunk)


def _false(points, seeds, ensemble):  # "x exceeds 2" on [0, 1]²: false everywhere
    return points["x"] > 2, points["x"] - 2


def _mostly(points, seeds, ensemble):  # holds unless x > 0.85
    return points["x"] <= 0.85, 0.85 - points["x"]


def _corner(points, seeds, ensemble):  # holds only where x + y < 0.6: 18 % of the square
    return points["x"] + points["y"] < 0.6, 0.6 - points["x"] - points["y"]


def _noisy(points, seeds, ensemble):  # a stochastic claim: mean of `ensemble` draws above 0.5 − x
    m = np.array([np.random.default_rng(s).normal(size=ensemble).mean() for s in seeds])
    return m > points["x"] - 0.5, m - points["x"] + 0.5


def test_a_deliberately_false_claim_is_reported_as_failing():
    r = check_claim(toy("FALSE", _false), samples=64, seed=3)
    assert r.verdict == "fails at defaults" and not r.holds_at_defaults
    assert r.share_holds == 0.0 and r.ci_high < 0.1
    assert r.failure_boxes[0]["text"] == "fails at every sampled point"


def test_a_robust_claim_is_robust_and_its_failure_box_is_found():
    r = check_claim(toy("MOSTLY", _mostly), samples=128, seed=1)
    assert r.verdict == "robust"
    assert r.ci_low <= 0.85 <= r.ci_high
    box = r.failure_boxes[0]
    # PRIM peels in steps of 5 % of the points: the box's edge lies near 0.85, density >= 0.8
    assert set(box["limits"]) == {"x"} and box["limits"]["x"][0] == pytest.approx(0.85, abs=0.06)
    assert box["density"] >= 0.8 and box["coverage"] > 0.9
    assert box["text"].startswith("fails when x > 0.")
    s1 = r.sensitivity["S1"]
    assert s1["x"] > 0.5 > s1["y"]  # the margin depends on x alone


def test_a_claim_true_at_defaults_on_a_small_part_of_the_space_is_fragile():
    r = check_claim(toy("CORNER", _corner, defaults={"x": 0.1, "y": 0.2}), samples=128, seed=2)
    assert r.holds_at_defaults and r.verdict == "fragile"
    assert r.ci_low <= 0.18 <= r.ci_high
    assert r.failure_boxes  # described in words
    assert all(b["text"].startswith("fails") for b in r.failure_boxes)


def test_a_stochastic_claim_is_seeded_and_does_not_depend_on_chunking(tmp_path):
    c = toy("NOISY", _noisy, ensemble=4, chunk=5)
    a = check_claim(c, samples=40, seed=7)
    b = check_claim(dataclasses.replace(c, chunk=64), samples=40, seed=7)
    assert (a.points["holds"] == b.points["holds"]).all()
    assert np.allclose(a.points["margin"], b.points["margin"])
    other = check_claim(c, samples=40, seed=8)
    assert not np.allclose(a.points["margin"], other.points["margin"])
    assert a.seed == 7 and a.to_dict()["seed"] == 7


def test_a_check_resumes_from_its_chunks(tmp_path):
    c = toy("MOSTLY", _mostly, chunk=8)
    a = check_claim(c, samples=32, seed=1, out=tmp_path / "s")
    (tmp_path / "s" / "chunks" / "chunk-000002.nc").unlink()
    with pytest.raises(MoatlabError, match="resume"):
        check_claim(c, samples=32, seed=1, out=tmp_path / "s")
    b = check_claim(c, samples=32, seed=1, out=tmp_path / "s", resume=True)
    assert b.share_holds == a.share_holds


@given(st.integers(1, 2000), st.data())
def test_wilson_interval_contains_the_share(n, data):
    k = data.draw(st.integers(0, n))
    lo, hi = wilson(k, n)
    assert 0 <= lo <= k / n <= hi <= 1
    assert hi - lo <= 2 * 1.96 * 0.5 / np.sqrt(n) + 1e-12 + 4 / n


def test_wilson_covers_about_95_percent():
    r = np.random.default_rng(0)
    n, p = 60, 0.3
    ks = r.binomial(n, p, 4000)
    cover = np.mean([lo <= p <= hi for lo, hi in (wilson(int(k), n) for k in ks)])
    assert 0.93 <= cover <= 0.97


def test_packaged_verdicts_cover_every_registered_claim():
    from moatlab.claims import names

    v = verdicts()
    assert set(names()) <= set(v.index)
    assert {"verdict", "share_holds", "ci_low", "ci_high", "failure_boxes"} <= set(v.columns)
    assert set(v["verdict"]) <= {"robust", "fragile", "fails at defaults"}
    assert ((v["ci_low"] <= v["share_holds"]) & (v["share_holds"] <= v["ci_high"])).all()
    assert v.attrs["command"] and v.attrs["seed"] is not None


def test_docs_quote_the_packaged_results():
    from moatlab.claims.check import markdown

    text = (Path(__file__).resolve().parents[1] / "docs" / "claims.md").read_text()
    v = verdicts()
    assert markdown(v) in text  # the table in the docs is the packaged one, unedited
    assert v.attrs["command"] in text


def _cli(*args, cwd=None):
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "moatlab", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def test_cli_list_and_check(tmp_path):
    r = _cli("claims", "list", "--json")
    assert r.returncode == 0, r.stderr
    listed = {c["name"] for c in json.loads(r.stdout)}
    assert {"P1", "S4", "M5"} <= listed
    out = tmp_path / "chk"
    r = _cli("claims", "check", "P4", "S2", "--samples", "8", "--seed", "5", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["seed"] == 5 and "claims check P4 S2" in summary["command"]
    rows = {c["name"]: c for c in summary["claims"]}
    assert set(rows) == {"P4", "S2"}
    for c in rows.values():
        assert {"share_holds", "ci_low", "ci_high", "verdict", "failure_boxes"} <= set(c)
    assert (out / "summary.csv").exists() and (out / "P4" / "claim.png").stat().st_size > 1000
    assert (out / "summary.png").stat().st_size > 1000
    assert verdicts(out).loc["P4", "verdict"] in ("robust", "fragile", "fails at defaults")
    r = _cli("claims", "check", "P4", "--samples", "8", "--out", str(out))
    assert r.returncode == 2 and "--resume" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_cli_unknown_claim_and_bad_options(tmp_path):
    r = _cli("claims", "check", "Q9", "--out", str(tmp_path / "x"))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [r.stderr.strip()]
    assert "Q9" in r.stderr and "P1" in r.stderr and "M5" in r.stderr
    assert not (tmp_path / "x").exists()
    r = _cli("claims", "check", "P4", "--samples", "1", "--out", str(tmp_path / "y"))
    assert r.returncode == 2 and "--samples = 1" in r.stderr
    r = _cli("claims", "check", "P4", "--workers", "2", "--scheduler", "tcp://x:1",
             "--out", str(tmp_path / "z"))
    assert r.returncode == 2 and "not allowed together" in r.stderr


@pytest.mark.parametrize(("module", "name", "extra"), [("mesa", "M1", "abm"), ("SALib", "P1", "sweep")])
def test_cli_missing_extra_is_one_line_before_anything_runs(module, name, extra, tmp_path):
    code = (f"import sys; sys.modules[{module!r}] = None; from moatlab.cli.main import main; "
            f"main(['claims', 'check', {name!r}, '--samples', '4', '--out', {str(tmp_path / 'o')!r}])")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and f"moatlab[{extra}]" in r.stderr
    assert not (tmp_path / "o").exists()


def test_total_order_indices_from_a_saltelli_design():
    r = check_claim(toy("MOSTLY", _mostly), samples=32, seed=1, sobol_base=64)
    t = r.sensitivity
    assert {"S1", "ST"} <= set(t.columns) and "Saltelli" in r.sensitivity_method
    assert t.loc["x", "ST"] > 0.9 and abs(t.loc["y", "ST"]) < 0.05  # the margin is 0.85 − x
