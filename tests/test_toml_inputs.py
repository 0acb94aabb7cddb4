"""Every TOML-reading command turns a hostile or broken file into one line on stderr and exit 2."""

import os
import subprocess
import sys

import pytest

from moatlab._toml import MAX_TOML_BYTES

CLI = [sys.executable, "-m", "moatlab"]

COMMANDS = {
    "race": ["race", "run"],
    "sweep": ["sweep", "run"],
    "policy": ["policy", "search"],
    "report": ["report"],
    "market": ["market", "run"],
}

BAD = {
    "not_utf8": (b'title = "caf\xe9"\n', "byte 12: not UTF-8"),
    "deep_array": (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested more than 32 levels deep"),
    "deep_table": (b"x = " + b"{a = " * 5000 + b"1" + b"}" * 5000 + b"\n", "nested more than 32 levels deep"),
    "deep_dotted": (b"[" + b".".join([b"a"] * 200) + b"]\nx = 1\n", "nested more than 32 levels deep"),
    "malformed": (b"[model\nn = 1\n", "malformed TOML"),
    "too_big": (b"# " + b"x" * MAX_TOML_BYTES + b"\n", "larger than 1024 KB"),
}


def run(args, tmp_path):
    out = tmp_path / ("b.html" if args[0] == "report" else "o")
    cmd = [*CLI, *map(str, args), "--out", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return r, out


def check(r, out, path, needle):
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and needle in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", ["not_utf8", "deep_array"])
def test_broken_toml_is_one_line_naming_the_file(tmp_path, command, case):
    raw, needle = BAD[case]
    f = tmp_path / f"{case}.toml"
    f.write_bytes(raw)
    r, out = run([*COMMANDS[command], f], tmp_path)
    check(r, out, f, needle)


@pytest.mark.parametrize("case", sorted(BAD))
def test_every_broken_case_raises_one_line_in_every_loader(tmp_path, case):
    """The other cases in-process (cheap): each loader raises its ScenarioError naming the file."""
    from moatlab.errors import ScenarioError
    from moatlab.market.scenario import load_scenario as market_scenario
    from moatlab.race.scenario import load_scenario as race_scenario
    from moatlab.report import load_report_scenario
    from moatlab.sweep import load_spec, read_toml

    raw, needle = BAD[case]
    f = tmp_path / f"{case}.toml"
    f.write_bytes(raw)
    for load in (market_scenario, race_scenario, load_report_scenario, load_spec, read_toml):
        with pytest.raises(ScenarioError) as e:
            load(f)
        assert str(f) in str(e.value) and needle in str(e.value) and "\n" not in str(e.value), load


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_folder_or_unreadable_file_is_one_line_naming_it(tmp_path, command):
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    r, out = run([*COMMANDS[command], folder], tmp_path)
    check(r, out, folder, "is a folder")
    if os.name == "posix" and os.geteuid() != 0:
        locked = tmp_path / "locked.toml"
        locked.write_text("x = 1\n", encoding="utf-8")
        locked.chmod(0)
        try:
            r, out = run([*COMMANDS[command], locked], tmp_path)
            check(r, out, locked, "cannot be read")
        finally:
            locked.chmod(0o600)


def test_the_helper_raises_the_callers_error(tmp_path):
    from moatlab._toml import load_toml, loads_toml
    from moatlab.errors import InputFileError, ScenarioError

    with pytest.raises(ScenarioError, match="none.toml: no such file"):
        load_toml(tmp_path / "none.toml")
    with pytest.raises(InputFileError, match="none.toml: no such file"):
        load_toml(tmp_path / "none.toml", error=InputFileError)
    assert loads_toml(b"a = [1, {b = 2}]\n", "x.toml") == {"a": [1, {"b": 2}]}
