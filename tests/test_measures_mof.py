"""MOF classification: every rule of the spec on hand-made fixtures, and the real data set."""

import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import require_data
from moatlab.measures import COMPONENTS, DataFormatError, classify, classify_file, license_lists, load_mof
from moatlab.measures.mof import REQUIRED, RP, TR
from tests.measures_helpers import MOF_FIX

LISTS = license_lists(MOF_FIX / "licenses")


def schema():
    return require_data() / "mof" / "schema" / "mof_schema.json"


def doc(components, **license):
    return {"release": {"name": "m", "license": {k: {"name": v} for k, v in license.items()},
                        "components": components}}


def status(result, name):
    c = result.component(name)
    return c.license, c.status


def test_license_fallback_order_and_unlicensed():
    r = classify_file(MOF_FIX / "models" / "fallback.yml", schema=schema())
    assert status(r, "Model architecture") == ("MIT", "included")          # release.code
    assert status(r, "Model parameters (Final)") == ("Apache-2.0", "included")  # data '' -> distribution
    assert status(r, "Evaluation results") == ("Proprietary", "invalid")   # release.document
    assert status(r, "Model card") == ("CC-BY-4.0", "included")            # own, open-data
    assert status(r, "Data card") == (None, "unlicensed")                  # '' : no fallback
    assert status(r, "Technical report") == (None, "unlicensed")           # 'unlicensed'
    assert status(r, "Training code") == ("MIT", "included")               # absent -> release.code
    assert status(r, "Inference code") == ("Apache 2.0", "invalid")        # unrecognised
    assert status(r, "Evaluation code") == ("apache-2.0", "invalid")       # case-sensitive
    assert status(r, "Evaluation data") == ("Later-1.0", "included")       # later list wins
    assert status(r, "Datasets") == (None, "missing")
    assert r.progress == {"3": 50.0, "2": 0.0, "1": 0.0} and r.mof_class == 0 and r.label == "Unclassified"
    # a licence meant for another content type is a warning only
    assert any("Evaluation data" in w and "meant for code" in w for w in r.warnings)


def test_no_global_licence_means_unlicensed():
    r = classify(doc([{"name": "Model architecture"}]), LISTS)
    assert status(r, "Model architecture") == (None, "unlicensed")
    # a null licence (only reachable without schema validation) falls back like an absent one
    r = classify(doc([{"name": "Model architecture", "license": None}], code="MIT"), LISTS)
    assert status(r, "Model architecture") == ("MIT", "included")
    r = classify(doc([{"name": "Model architecture"}], distribution="unlicensed"), LISTS)
    assert status(r, "Model architecture") == (None, "unlicensed")


@pytest.mark.parametrize("lic,is_open", [
    ("CC-BY-4.0", True), ("CC-BY-SA-4.0", True), ("CC-BY-3.0", True), ("CC0-1.0", True),
    ("CDLA-Permissive-2.0", True), ("CDLA-Sharing-1.0", True), ("ODbL-1.0", True), ("ODC-By-1.0", True),
    ("ODC-PDDL-1.0", True), ("GFDL-1.3", True), ("OGL-UK-3.0", True), ("OpenMDW-1.0", True),
    ("GPL-3.0-only", True), ("CC-BY-NC-4.0", False), ("CC-BY-ND-4.0", False), ("cc-by-4.0", False),
    ("OpenMDW", False), ("Llama-Fixture", False), ("Proprietary", False), ("", False),
    # the MOF tool's fixed open-data list, not a pattern
    ("CC-BY-3.0-DE", True), ("CC-BY-SA-2.1-JP", True), ("OGL-Canada-2.0", True),
    ("OGL-UK-1.0", False), ("CC-BY-SA-3.0-DE", False), ("CDLA-Sharing-2.0", False)])
def test_open_licences(lic, is_open):
    assert LISTS.is_open(lic) is is_open


def test_research_paper_substitution():
    r = classify_file(MOF_FIX / "models" / "paper.yml", schema=schema())
    assert r.substituted and r.mof_class == 3
    assert r.progress == {"3": 100.0, "2": 60.0, "1": 0.0}
    # with everything of class II and I but the technical report, class I needs 13, not 14
    comps = [{"name": c.name} for c in COMPONENTS if c.name != TR]
    r = classify(doc(comps, distribution="Apache-2.0"), LISTS)
    assert r.substituted and r.mof_class == 1 and r.progress["1"] == 100.0
    # a research paper that is listed but not open takes TR's place with its own status
    comps = [{"name": n} for n in REQUIRED[3] if n != TR] + [{"name": RP, "license": "Proprietary"}]
    r = classify(doc(comps, distribution="Apache-2.0"), LISTS)
    assert r.substituted and r.progress["3"] == pytest.approx(500 / 6) and r.mof_class == 0
    # no substitution without a research paper: TR counts as missing
    comps = [{"name": n} for n in REQUIRED[3] if n != TR]
    r = classify(doc(comps, distribution="Apache-2.0"), LISTS)
    assert not r.substituted and r.progress["3"] == pytest.approx(500 / 6)


def test_class_gating_and_optional_components():
    everything_but_card = [{"name": c.name} for c in COMPONENTS if c.name != "Model card"]
    r = classify(doc(everything_but_card, distribution="MIT"), LISTS)
    assert r.progress["3"] == pytest.approx(500 / 6) and r.progress["2"] == 0 and r.progress["1"] == 0
    optional_only = [{"name": c.name} for c in COMPONENTS if c.optional]
    r = classify(doc(optional_only, distribution="MIT"), LISTS)
    assert r.progress == {"3": 0.0, "2": 0.0, "1": 0.0}
    assert all(r.component(c["name"]).status == "included" for c in optional_only)


def test_repeated_component_last_wins_and_exact_names():
    comps = [{"name": "Model architecture", "license": "MIT"},
             {"name": "Model architecture", "license": "Proprietary"},
             {"name": "model architecture", "license": "MIT"}]
    r = classify(doc(comps), LISTS)
    assert status(r, "Model architecture") == ("Proprietary", "invalid")
    assert any("'model architecture'" in w for w in r.warnings)


_STATUS = st.sampled_from([None, "MIT", "Proprietary", "", "unlicensed", "absent"])


@given(st.lists(st.tuples(st.sampled_from([c.name for c in COMPONENTS]), _STATUS), max_size=25),
       st.sampled_from([None, "Apache-2.0", "Llama-Fixture"]),
       st.sampled_from([c.name for c in COMPONENTS]))
def test_progress_properties(entries, dist, opened):
    comps = [{"name": n} if lic == "absent" else {"name": n, "license": lic} for n, lic in entries]
    d = doc(comps, **({"distribution": dist} if dist else {}))
    r = classify(d, LISTS)
    p = r.progress
    assert all(0.0 <= p[k] <= 100.0 for k in p)
    # the class is cumulative: class k means every less demanding class is complete
    if r.mof_class:
        assert all(p[str(j)] == 100.0 for j in range(r.mof_class, 4))
    assert (p["2"] == 0.0 or p["3"] == 100.0) and (p["1"] == 0.0 or p["2"] == 100.0)
    # opening one more component never lowers progress or class
    glob = {"distribution": dist} if dist else {}
    r2 = classify(doc(comps + [{"name": opened, "license": "MIT"}], **glob), LISTS)
    assert all(r2.progress[k] >= p[k] - 1e-12 for k in p)
    rank = {0: 4, 1: 1, 2: 2, 3: 3}
    assert rank[r2.mof_class] <= rank[r.mof_class]


def test_schema_errors_name_the_field_and_yaml_errors_the_line():
    with pytest.raises(DataFormatError, match=r"bad_schema.yml: release.components\[0\].license: 5 is not"):
        classify_file(MOF_FIX / "models" / "bad_schema.yml", schema=schema())
    with pytest.raises(DataFormatError, match=r"bad_yaml.yml: line \d+, column \d+: malformed YAML"):
        classify_file(MOF_FIX / "models" / "bad_yaml.yml", schema=schema())


def test_a_folder_with_bad_files_still_loads_the_rest():
    rep = load_mof(MOF_FIX, schema=schema())
    assert sorted(r.name for r in rep.items) == ["fallback", "paper"]
    assert sorted(e.path.rsplit("/", 1)[-1] for e in rep.errors) == ["bad_schema.yml", "bad_yaml.yml"]


def test_every_real_model_is_classified():
    data = require_data() / "mof"
    files = sorted((data / "models").glob("*.yml"))
    rep = load_mof(data)
    assert not rep.errors and len(rep.items) == len(files) > 200
    classes = {r.mof_class for r in rep.items}
    assert classes <= {0, 1, 2, 3} and len(classes) > 1
    for r in rep.items:
        assert len(r.components) == 17 and {c.status for c in r.components} <= {
            "included", "invalid", "unlicensed", "missing"}


def test_classify_json_contract():
    f = require_data() / "mof" / "models" / "Amber.yml"
    out = subprocess.run([sys.executable, "-m", "moatlab", "measures", "classify", str(f), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert set(d) == {"name", "class", "label", "progress", "components"}
    assert set(d["progress"]) == {"1", "2", "3"} and all(isinstance(v, float) for v in d["progress"].values())
    assert all(set(c) == {"name", "type", "license", "status"} for c in d["components"])
    api = classify_file(f)
    assert d == json.loads(json.dumps(api.to_dict()))


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_yaml_alias_bombs_deep_nesting_big_files_and_python_tags_are_refused(tmp_path):
    """A 'billion laughs' file is refused from its first anchor, before anything is expanded."""
    import time

    from moatlab.measures import _io
    from moatlab.measures._io import read_yaml

    bomb = tmp_path / "bomb.yml"
    bomb.write_text(BOMB, encoding="utf-8")
    t0 = time.perf_counter()
    with pytest.raises(DataFormatError, match=r"bomb.yml: line 1, column 4: YAML anchors and aliases"):
        read_yaml(bomb)
    assert time.perf_counter() - t0 < 1.0
    alias = tmp_path / "alias.yml"
    alias.write_text("a: 1\nb: *x\n", encoding="utf-8")  # an alias alone (undefined) is refused too
    with pytest.raises(DataFormatError, match=r"alias.yml: line 2"):
        read_yaml(alias)
    deep = tmp_path / "deep.yml"
    deep.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"deep.yml: line 1, column \d+: nested more than 64 levels"):
        read_yaml(deep)
    big = tmp_path / "big.yml"
    big.write_bytes(b"# " + b"x" * _io.MAX_YAML_BYTES + b"\n")
    with pytest.raises(DataFormatError, match=r"big.yml: larger than 2 MB"):
        read_yaml(big)
    tag = tmp_path / "tag.yml"
    tag.write_text("a: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"tag.yml: line 1"):
        read_yaml(tag)
    bad = tmp_path / "bad.yml"
    bad.write_bytes(b"a: \xff\n")
    with pytest.raises(DataFormatError, match=r"bad.yml: byte 3: not UTF-8"):
        read_yaml(bad)
    with pytest.raises(DataFormatError, match=str(tmp_path.name)):
        read_yaml(tmp_path)  # a folder where a file is expected
    ok = tmp_path / "ok.yml"
    ok.write_text("a: [1, {b: c}]\n", encoding="utf-8")
    assert read_yaml(ok) == {"a": [1, {"b": "c"}]}
