"""A newcomer's sweep of the command line: the deviations it found, each kept fixed.

Every command runs in its own process (tests/cli_harness.py). Bad input must give exit code 2,
one ``error:`` line naming the option (as typed) or the file, and leave nothing behind; help
must show TOML table names literally and name the papers behind each command group.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .fuzz_helpers import assert_one_line, cli, listing

ROOT = Path(__file__).resolve().parents[1]
TINY_SWEEP = ROOT / "tests" / "fixtures" / "bad" / "_tiny_sweep.toml"


@pytest.fixture
def box(tmp_path):
    """A working folder with a file ``exists.txt`` (for --out), an empty file, a folder and a bad TOML."""
    (tmp_path / "exists.txt").write_text("hi\n")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "adir").mkdir()
    (tmp_path / "bad.toml").write_text('a = [1,\nb = "x\n')
    return tmp_path


def _refused(argv, folder, names, **kw) -> str:
    before = listing(folder)
    line = assert_one_line(cli(argv, folder, **kw), names, before=before, folder=folder)
    assert (folder / "exists.txt").read_text() == "hi\n"
    return line


# --- help: rich markup must not eat TOML table names; groups name their papers -------------------

@pytest.mark.parametrize("argv, shown", [
    (["finetune", "solve"], "[[specialist]] tables"),
    (["finetune", "grid"], "[[specialist]] tables"),
    (["race", "equilibrium"], "[[labs]] and [equilibrium]"),
    (["policy", "search"], "[parameters] (uncertain) and [policy]"),
])
def test_help_shows_toml_table_names(tmp_path, argv, shown):
    r = cli([*argv, "--help"], tmp_path)
    assert r.rc == 0, r.stderr
    assert shown in r.stdout, r.stdout
    assert "[]" not in r.stdout and "with  (" not in r.stdout


@pytest.mark.parametrize("argv, paper", [
    (["race"], "How do open AI models affect incentive to race?"),
    (["safety"], "The Backfiring Effect of Weak AI Safety Regulation"),
    (["finetune"], "Fine-Tuning Games"),
    (["market"], "Old Moats for New Models"),
    (["market", "sweep"], "Azoulay, Krieger & Nagaraj"),
])
def test_group_help_names_its_paper(tmp_path, argv, paper):
    r = cli([*argv, "--help"], tmp_path)
    assert r.rc == 0, r.stderr
    text = " ".join(r.stdout.replace("│", " ").split())  # undo the panel's wrapping
    assert paper in text, r.stdout
    assert "the paper's" not in text


def test_example_race_scenario_is_not_named_after_an_internal_document():
    first = (ROOT / "examples" / "race.toml").read_text().splitlines()[0]
    assert first.startswith("name = ") and "seed" not in first


# --- --out: refused before anything runs, never a traceback, nothing half-written ----------------

@pytest.mark.parametrize("out, needle", [("/proc/x", "writable folder"),
                                          ("exists.txt", "a file of that name"),
                                          ("exists.txt/sub", "writable folder")])
def test_claims_check_refuses_a_bad_out_at_the_door(box, out, needle):
    line = _refused(["claims", "check", "P1", "--samples", "2", "--out", out], box, "--out")
    assert needle in line


@pytest.mark.parametrize("out", ["/proc/x", "exists.txt"])
def test_market_calibrate_refuses_a_bad_out_before_simulating(box, out):
    pytest.importorskip("mesa")
    r = cli(["market", "calibrate", "--samples", "2", "--seeds", "1", "--periods", "36", "--refine", "1",
             "--out", out], box)
    assert_one_line(r, "--out = ")
    assert r.seconds < 5, r.seconds  # refused at the door, not after the design ran
    assert sorted(p.name for p in box.iterdir()) == ["adir", "bad.toml", "empty.csv", "exists.txt"]


def test_report_refuses_an_unwritable_out_before_computing(box):
    r = cli(["report", "eu_threshold", "--out", "/proc/x/brief.html"], box)
    assert_one_line(r, "--out = '/proc/x/brief.html'")
    assert r.seconds < 5, r.seconds  # it took 15 to 25 s when the figures were computed first


def test_sweep_run_names_the_out_option(box):
    line = _refused(["sweep", "run", str(TINY_SWEEP), "--out", "exists.txt"], box, "--out = 'exists.txt'")
    assert not line.startswith("error: out")


@pytest.mark.parametrize("option, value", [("--samples", "1000000000"), ("--seed", "-1"),
                                           ("--sobol-base", "-1")])
def test_claims_check_refuses_bad_values_before_making_a_folder(box, option, value):
    _refused(["claims", "check", "P1", "--samples", "2", option, value], box, f"{option} = {value}")


# --- options named as typed --------------------------------------------------------------------

@pytest.mark.parametrize("option, value", [("--floor", "-1"), ("--floor", "nan"),
                                           ("--ecosystem-demand", "nan"), ("--unit-cost", "100")])
def test_race_equilibrium_names_the_option_not_the_model_field(box, option, value):
    line = _refused(["race", "equilibrium", option, value], box, f"{option} = {value} is not allowed")
    assert "." not in line.split(" = ")[0]


@pytest.mark.parametrize("value", ["-1,1", "1,nan", "inf,1"])
def test_safety_r_names_the_option(box, value):
    _refused(["safety", "solve", f"--r={value}"], box, f"--r = '{value}' is not allowed")


@pytest.mark.parametrize("definition, needle", [
    ("threshold(2)", "θ of definition 'threshold(2)' = 2"),
    ("threshold(0.5, score=bogus)", "score of definition 'threshold(0.5, score=bogus)' = 'bogus'"),
])
def test_a_bad_threshold_is_named_inside_the_definition(box, definition, needle):
    line = _refused(["measures", "check", definition], box, needle)
    assert "--theta" not in line and "--score" not in line


@pytest.mark.parametrize("argv", [["check", "osaid-1.0"], ["compare", "BLOOMZ"], ["identities"],
                                  ["exempt"]])
def test_a_missing_data_folder_is_blamed_on_data(box, argv):
    _refused(["measures", *argv, "--data", str(box / "nope")], box, "--data = ")


def test_sensitivity_nan_replacement_must_be_finite(box):
    for value in ("nan", "inf"):
        _refused(["sweep", "sensitivity", str(TINY_SWEEP), "--outcome", "openness", "--n", "8",
                  "--nan", value], box, f"--nan = {value}")


def test_serve_refuses_a_data_folder_that_is_not_there(box):
    pytest.importorskip("dash")
    for data in (str(box / "nope"), str(box / "exists.txt")):  # before: the server started anyway
        line = _refused(["serve", "--data", data, "--port", "1"], box, "--data = '", timeout=30)
        # a long value is shortened with "…", so the test matches its start, not the whole temp path
        assert "must be an existing folder" in line and data[:20] in line


# --- data files --------------------------------------------------------------------------------

def test_a_broken_mof_schema_is_one_line_not_one_per_model(box):
    for schema in (box / "bad.toml", box / "adir"):
        _refused(["measures", "mof", "--schema", str(schema)], box, f"{schema}: not a JSON schema")


def test_an_empty_or_folder_compute_table_is_refused(box):
    _refused(["measures", "check", "eu-ai-act-open-source", "--compute", str(box / "empty.csv")], box,
             f"{box / 'empty.csv'}: line 1: empty file: columns must include model")
    _refused(["measures", "check", "eu-ai-act-open-source", "--compute", str(box / "adir")], box,
             "is a folder, not a CSV file")


def test_a_header_only_compute_table_is_an_empty_table(box):
    (box / "header.csv").write_text("model,training_flop,source\n")
    r = cli(["measures", "check", "eu-ai-act-open-source", "--compute", str(box / "header.csv"), "--csv"],
            box)
    assert r.rc == 0, r.stderr
    assert r.stdout.startswith("model,")


def test_classify_names_a_folder_as_a_folder(box):
    _refused(["measures", "classify", str(box / "adir")], box, "is a folder, not a model file")


def test_licence_lists_given_as_a_file_are_called_a_file(box):
    _refused(["measures", "mof", "--licenses", str(box / "exists.txt")], box,
             "is a file, not the folder holding licenses.json")
