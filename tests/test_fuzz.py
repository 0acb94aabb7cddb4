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

from .fuzz_helpers import BAD, assert_one_line, cli, listing

TOML = {
    "race": [["race", "run", "{f}", "--out", "out"]],
    "market": [["market", "run", "{f}", "--out", "out"],
               ["market", "sweep", "--scenario", "{f}", "--field", "appropriability", "--out", "out"]],
    "sweep": [["sweep", "run", "{f}", "--out", "out"]],
    "policy": [["policy", "search", "{f}", "--out", "out"]],
    "report": [["report", "{f}", "--out", "out.html"]],
}
TOML["any"] = [cmds[0] for cmds in TOML.values()]

MOF_MODEL = sorted((BAD.parent.parent.parent.parent / "shared" / "data" / "mof" / "models").glob("*.yml"))
DATA = {
    "mof": [["measures", "mof", "{f}"], ["measures", "classify", "{f}"]],
    "eosai": [["measures", "eosai", "{f}"]],
    "fmti": [["measures", "fmti", "{f}"]],
    "mof_schema": [["measures", "classify", "{model}", "--schema", "{f}"]],
    "sweepdir": [["sweep", "status", "{f}"],
                 ["sweep", "run", "_tiny_sweep.toml", "--out", "{f}", "--resume"]],
}


def _kind(name: str) -> str:
    if name.startswith("mof_schema_"):
        return "mof_schema"
    return name.split("_", 1)[0]


def _cases():
    for path in sorted(BAD.iterdir()):
        if path.name.startswith(("_", ".")) or path.name in ("eosai_bad_class.yaml", "fmti_bad_scores.csv"):
            continue  # helpers, and two files the measures tests use for per-file errors
        kind = _kind(path.name)
        for argv in TOML.get(kind, []) + DATA.get(kind, []):
            yield pytest.param(path.name, argv, id=f"{path.name}-{'-'.join(argv[:2])}")


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
        pytest.fail("the shared MOF data set is missing: cannot test a corrupt schema")
    r = cli(args, tmp_path)
    if argv[0] == "measures" and _kind(name) != "mof_schema":
        # data-set commands report one line per file that failed, then a count (docs/measures.md)
        assert "Traceback" not in r.stderr and r.rc == 2, r.stderr
        lines = r.stderr.splitlines()
        assert lines and all(line.startswith(("error: ", "warning: ")) for line in lines), r.stderr
        assert name in lines[0], r.stderr
        assert listing(tmp_path) == before
        return
    assert_one_line(r, (name,), before=before, folder=tmp_path)
