"""The packaged data snapshot: moatlab works on a fresh install, without any data path."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require_data
from moatlab import measures
from moatlab.measures._io import DATA_ENV, PACKAGED_DATA

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _env(data=None):
    env = {k: v for k, v in os.environ.items() if k != DATA_ENV}
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    if data is not None:
        env[DATA_ENV] = str(data)
    return env


def _cli(*args, cwd, data=None):
    return subprocess.run([sys.executable, "-m", "moatlab", "measures", *args], capture_output=True,
                          text=True, cwd=cwd, env=_env(data), timeout=300)


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)


def test_snapshot_has_licences_and_sources():
    assert (PACKAGED_DATA / "SNAPSHOT.md").is_file()
    for f in ("fmti/LICENSE.md", "eosai/LICENSE", "mof/LICENSE", "mof/schema/mof_schema.json",
              "eosai-index/readme.md", "eosai-index/SOURCE.md", "eosai-index/_parameters.yml",
              "eu/licences.csv", "eu/training_compute.csv", "fmti_flagships.csv", "org_aliases.csv",
              "mof/licenses/licenses.json", "mof/licenses/mof-licenses.json"):
        assert (PACKAGED_DATA / f).is_file(), f


def test_loaders_without_a_path_read_the_packaged_snapshot(no_env):
    fmti = measures.load_fmti()
    assert [r.version for r in fmti.items] == ["2023-10", "2024-05", "2025-12"] and fmti.ok
    eosai = measures.load_eosai()  # the current index by default
    assert len(eosai.items) == 193 and eosai.ok and len(eosai.skipped) == 1  # the template
    assert len(measures.load_eosai(format="archive").items) == 46
    mof = measures.load_mof()
    assert len(mof.items) == 273 and mof.ok
    assert all(str(PACKAGED_DATA) in r.source for r in mof.items)
    cat = measures.load_catalogue()
    assert cat.lists is not None and len(cat.eosai) == 193 and len(cat.eosai_archive) == 46
    assert len(cat.fmti) == 3
    assert measures.license_lists().is_open("Apache-2.0")


def test_env_variable_chooses_another_snapshot(monkeypatch, tmp_path):
    shutil.copytree(PACKAGED_DATA / "eosai", tmp_path / "eosai")
    for f in list((tmp_path / "eosai" / "projects").glob("*.yaml"))[10:]:
        f.unlink()
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    assert 0 < len(measures.load_eosai().items) <= 10


def test_classify_a_file_anywhere_without_data_paths(tmp_path):
    shutil.copy(PACKAGED_DATA / "mof" / "models" / "OLMo-7B.yml", tmp_path / "mine.yml")
    r = _cli("classify", "mine.yml", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["name"] == "OLMo-7B" and out["class"] == 1


def test_cli_without_path_uses_the_packaged_snapshot(tmp_path):
    r = _cli("eosai", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)) == 193
    r = _cli("eosai", "--format", "archive", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)) == 46


def test_cli_honours_moatlab_data_and_data_option(tmp_path):
    shared = require_data()
    shutil.copytree(PACKAGED_DATA / "eosai", tmp_path / "mine" / "eosai")
    for f in sorted((tmp_path / "mine" / "eosai" / "projects").glob("*.yaml"))[5:]:
        f.unlink()
    r = _cli("eosai", "--json", cwd=tmp_path, data=tmp_path / "mine")
    assert r.returncode == 0, r.stderr
    assert 0 < len(json.loads(r.stdout)) <= 5
    r = _cli("eosai", "--json", "--data", str(tmp_path / "mine"), cwd=tmp_path, data=shared)
    assert r.returncode == 0, r.stderr
    assert 0 < len(json.loads(r.stdout)) <= 5  # --data wins over the variable
    r = _cli("fmti", "--version", "2023-10", "--json", cwd=tmp_path, data=shared)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0] == {"developer": "Meta", "satisfied": 54, "scored": 100, "share": 0.54}
    r = _cli("eosai", "--json", cwd=tmp_path, data=tmp_path / "nowhere")
    assert r.returncode != 0 and "nowhere" in r.stderr


def test_check_a_lone_mof_file_uses_the_packaged_licence_lists(tmp_path):
    shutil.copy(PACKAGED_DATA / "mof" / "models" / "OLMo-7B.yml", tmp_path / "mine.yml")
    r = _cli("check", "eu-ai-act-open-source", "mine.yml", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)[0]  # its training compute is in no table: the systemic-risk part is unknown
    assert row["answer"] == "cannot tell" and row["reason"].startswith("systemic_risk:")
    (tmp_path / "flop.csv").write_text("model,training_flop,source\nOLMo-7B,1.0e23,a test figure\n")
    r = _cli("check", "eu-ai-act-open-source", "mine.yml", "--compute", "flop.csv", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["answer"] == "qualifies"
