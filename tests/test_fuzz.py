"""The fuzz suite: every hand-made bad file in ``tests/fixtures/bad/`` against every command that reads it.

Each file's prefix says what it is (``any_``: any TOML loader; ``race_``, ``market_``, ``sweep_``,
``policy_``, ``report_``: that command's scenario/spec; ``mof_``, ``eosai_``, ``fmti_``: data files;
``mof_schema_``: a MOF schema; ``sweepdir_``: a sweep folder with a corrupt ``sweep.json`` or chunk).
Every run happens in its own process under a memory cap (``tests/cli_harness.py``), and must
answer with exit code 2 and exactly one line on stderr, starting ``error:`` and naming the file,
with no traceback and nothing written.
"""

from __future__ import annotations

import shutil

import pytest

from .fuzz_helpers import BAD, SRC, assert_one_line, cli, listing

TOML = {
    "race": [["race", "run", "{f}", "--out", "out"]],
    "market": [["market", "run", "{f}", "--out", "out"]],
    "sweep": [["sweep", "run", "{f}", "--out", "out"]],
    "policy": [["policy", "search", "{f}", "--out", "out"]],
    "report": [["report", "{f}", "--out", "out.html"]],
}
ANY = [cmds[0] for cmds in TOML.values()]  # any_ files: every TOML-reading command

# a good MOF model file (the snapshot packaged with moatlab) to classify against a corrupt schema
MOF_MODEL = sorted((SRC / "moatlab" / "measures" / "data" / "mof" / "models").glob("*.yml"))
DATA = {
    "mof": [["measures", "mof", "{f}"], ["measures", "classify", "{f}"],
            ["measures", "check", "osaid-1.0", "{f}"]],
    "eosai": [["measures", "eosai", "{f}"], ["measures", "check", "eu-ai-act-open-source", "{f}"]],
    "fmti": [["measures", "fmti", "{f}"], ["measures", "check", "osaid-1.0", "{f}"]],
    "mof_schema": [["measures", "classify", "{model}", "--schema", "{f}"]],
    "sweepdir": [["sweep", "status", "{f}"],
                 ["sweep", "run", "_tiny_sweep.toml", "--out", "{f}", "--resume"]],
}


def _kind(name: str) -> str:
    if name.startswith("mof_schema_"):
        return "mof_schema"
    return name.split("_", 1)[0]


def _cases():
    """(file, command) pairs. The ``any_`` files all go through the one TOML reader (moatlab._toml):
    each runs through one command in turn (all five are covered, and every file meets all five
    loaders in-process in ``test_any_toml_file_fails_in_every_loader``), to keep the suite fast."""
    k = 0
    for path in sorted(BAD.iterdir()):
        if path.name.startswith(("_", ".")):
            continue  # helpers (a good sweep spec to resume into a damaged folder)
        kind = _kind(path.name)
        if kind == "any":
            commands, k = [ANY[k % len(ANY)]], k + 1
        else:
            commands = TOML.get(kind, []) + DATA.get(kind, [])
        for argv in commands:
            yield pytest.param(path.name, argv, id=f"{path.name}-{'-'.join(argv[:2])}")


@pytest.mark.parametrize("name", sorted(p.name for p in BAD.glob("any_*")))
def test_any_toml_file_fails_in_every_loader(name):
    from moatlab.errors import ScenarioError
    from moatlab.market.scenario import load_scenario as market_scenario
    from moatlab.race.scenario import load_scenario as race_scenario
    from moatlab.report import load_report_scenario
    from moatlab.sweep import load_spec, read_toml

    path = BAD / name
    for load in (market_scenario, race_scenario, load_report_scenario, load_spec, read_toml):
        with pytest.raises(ScenarioError) as e:
            load(path)
        assert str(path) in str(e.value) and "\n" not in str(e.value), load


@pytest.mark.parametrize(("name", "argv"), list(_cases()))
def test_bad_file_is_one_line(tmp_path, name, argv):
    src = BAD / name
    dst = tmp_path / name
    (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)
    shutil.copy(BAD / "_tiny_sweep.toml", tmp_path / "_tiny_sweep.toml")
    model = tmp_path / "model.yml"
    if MOF_MODEL:
        shutil.copy(MOF_MODEL[0], model)
    before = listing(tmp_path)
    args = [a.format(f=name, model=model.name) for a in argv]
    if "{model}" in " ".join(argv) and not MOF_MODEL:
        pytest.fail("the packaged MOF snapshot is missing: cannot test a corrupt schema")
    r = cli(args, tmp_path)
    if argv[0] == "measures" and argv[1] != "classify":
        # data-set commands report one line per file that failed, then a count (docs/measures.md)
        assert "Traceback" not in r.stderr and r.rc == 2, r.stderr
        lines = r.stderr.splitlines()
        assert lines and all(line.startswith(("error: ", "warning: ")) for line in lines), r.stderr
        assert name in lines[0], r.stderr
        assert listing(tmp_path) == before
        return
    assert_one_line(r, (name,), before=before, folder=tmp_path)
