"""Second round of the measures: the current EOSAI index, the licence table, the EU rule condition by
condition, one identity per model and the side-by-side table; all on the packaged snapshot."""

import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from moatlab import measures
from moatlab.measures import PACKAGED_DATA, EOSAIModel, check, compare, family_key, identities, side_by_side
from moatlab.measures.eosai_index import PARAMETERS, eosai_index_scores, load_eosai_index
from moatlab.measures.eu import (
    THRESHOLD_FLOP,
    ComputeRow,
    _key,
    compute_from_index,
    compute_table,
    conditions,
    parse_compute,
    systemic_risk,
)
from moatlab.measures.identity import FMTI_COLUMNS
from moatlab.measures.licences import resolve_licence

CLI = [sys.executable, "-m", "moatlab", "measures"]
INDEX = PACKAGED_DATA / "eosai-index"
EU = "eu-ai-act-open-source"


def _cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("MOATLAB_DATA", None)
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


@pytest.fixture(scope="module")
def cat():
    return measures.load_catalogue(PACKAGED_DATA)


# --- the current EOSAI index -------------------------------------------------------------------

def test_index_every_file_is_read_or_reported():
    rep = load_eosai_index(INDEX)
    n_files = len([f for f in INDEX.glob("*.yaml")])
    assert rep.ok and len(rep.items) + len(rep.skipped) == n_files
    assert [s.path.endswith("a_submission_template.yaml") for s in rep.skipped] == [True]
    assert len(rep.items) == 193 and len({m.name for m in rep.items}) == 193
    assert all(set(m.ratings) == set(PARAMETERS) for m in rep.items)
    assert all(m.types and all(t in ("text", "image", "code", "video", "audio") for t in m.types)
               for m in rep.items)


ratings = st.dictionaries(st.sampled_from(PARAMETERS), st.sampled_from(["open", "partial", "closed", None]))


@given(ratings)
def test_index_score_and_ours(r):
    """The index's own score counts an empty class as 0 over all parameters; ours averages the rated ones."""
    full = {p: r.get(p) for p in PARAMETERS}
    m = EOSAIModel("m", "o", "", full, ("text",))
    v = {"open": 1.0, "partial": 0.5, "closed": 0.0}
    vals = [v[x] for x in full.values() if x is not None]
    assert m.index_score() == pytest.approx(sum(vals) / len(PARAMETERS))
    if vals:
        assert m.score() == pytest.approx(np.mean(vals)) and m.index_score() <= m.score() + 1e-12
        assert (m.index_score() == pytest.approx(m.score())) == (len(vals) == len(PARAMETERS)
                                                                 or m.score() == 0)
    else:
        assert math.isnan(m.score())
    cats = m.parameters.categories
    assert sum(m.index_score(c) * len(ps) for c, ps in cats.items()) == pytest.approx(
        m.index_score() * len(PARAMETERS))


def test_index_on_the_snapshot_has_no_empty_class_so_both_scores_agree():
    t = eosai_index_scores(load_eosai_index(INDEX).items)
    assert (t["missing"] == "").all()
    np.testing.assert_allclose(t["index_score"], t["score"])
    assert t["index_score"].is_monotonic_decreasing


def test_a_bad_index_file_is_reported_and_the_rest_load(tmp_path):
    for f in ("_parameters.yml", "bloomz.yaml", "amber.yaml", "OLMo.yaml"):
        shutil.copy(INDEX / f, tmp_path)
    bad = (INDEX / "OLMo.yaml").read_text().replace("class: open", "class: opne", 1)
    (tmp_path / "OLMo.yaml").write_text(bad)
    rep = load_eosai_index(tmp_path)
    assert sorted(m.name for m in rep.items) == ["Amber", "BLOOMZ"]
    assert len(rep.errors) == 1
    e = rep.errors[0]
    assert e.path.endswith("OLMo.yaml") and e.where.endswith(".class")
    assert "'opne' is not allowed: one of open, partial, closed or empty" in e.problem
    r = _cli("eosai", str(tmp_path), "--json")
    assert r.returncode == 2 and len(json.loads(r.stdout)) == 2
    assert set(json.loads(r.stdout)[0]) == {"name", "organisation", "type", "index_score", "score",
                                            "index_availability", "index_documentation", "index_access",
                                            "rated", "missing", "license"}
    assert "OLMo.yaml" in r.stderr and "1 file failed to load" in r.stderr and "Traceback" not in r.stderr


def test_both_eosai_formats_load():
    assert isinstance(measures.load_eosai(PACKAGED_DATA).items[0], EOSAIModel)
    assert len(measures.load_eosai(PACKAGED_DATA / "eosai").items) == 46  # the archived format
    assert len(measures.load_eosai(PACKAGED_DATA, format="archive").items) == 46
    with pytest.raises(measures.DataFormatError.__mro__[1], match="format"):
        measures.load_eosai(format="newest")


# --- licences ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, answer, licence", [
    ("MIT license", "yes", "MIT"), ("Apache 2.0", "yes", "Apache-2.0"),
    ("Apache License 2.0", "yes", "Apache-2.0"),
    ("apache-2.0", "yes", "Apache-2.0"), ("BSD-3", "yes", "BSD"), ("CC BY-SA 4.0", "yes", "CC-BY-SA"),
    ("Llama 2 Community License", "no", "Llama community licence"),
    ("Meta Llama 3 Community License Agreement", "no", "Llama community licence"),
    ("gemma", "no", "Gemma Terms of Use"), ("Gemma Terms of Use", "no", "Gemma Terms of Use"),
    ("OpenRAIL", "no", "RAIL family"), ("CreativeML Open RAIL++-M License", "no", "RAIL family"),
    ("bigscience-bloom-rail-1.0", "no", "RAIL family"), ("Proprietary", "no", "Proprietary"),
    ("CC-BY-NC-4.0", "no", "non-commercial or research-only"),
    ("Undisclosed", "unknown", "(no licence named)"),
    ("Component not included", "not released", "(component not included)"),
    ("Unknown (Apache-2.0?)", "unknown", ""), ("Some Bespoke Terms", "unknown", ""),
])
def test_well_known_licences_resolve_with_a_reason(text, answer, licence):
    v = resolve_licence(text)
    assert (v.answer, v.licence) == (answer, licence) and v.reason


def test_joined_licences_need_every_part_open():
    assert resolve_licence("Apache 2.0 and RAIL (responsible AI license)").answer == "no"
    assert resolve_licence("Apache and CC-BY-4.0").answer == "yes"
    assert resolve_licence("Apache 2.0 and bespoke community license").answer == "unknown"


def test_bloomz_gets_one_licence_verdict_from_every_data_set(cat):
    c = compare(cat.profiles(("eosai", "eosai-archive", "mof")), "BLOOMZ", [EU], cat.lists)
    assert set(c["record"]) == {"BLOOMZ", "BLOOM"} and set(c["dataset"]) == {"eosai", "eosai-archive", "mof"}
    assert (c["answer"] == "does not").all()
    for ev in c["evidence"]:
        assert ev.startswith("licence=no")
    assert c["reason"].str.startswith("licence: RAIL family").all()


# --- the EU rule --------------------------------------------------------------------------------

def test_no_mof_verdict_rests_on_a_component_merely_not_listed(cat):
    for m in cat.mof:
        conds = conditions(m, cat.lists)
        if any(c.answer == "no" for c in conds):
            assert any(c.answer == "no" and "not listed" not in c.evidence for c in conds), m.name
        for c in conds:
            if "not listed in the file" in c.evidence:
                assert c.answer == "unknown"
    t = check(EU, cat.mof, cat.lists)
    for name in ("Mistral-7B-v0.1", "Arctic-Base", "Arctic-Instruct", "Mixtral-8x7B-Instruct-v0.1"):
        row = t[t["model"] == name].iloc[0]
        assert row["answer"] == "cannot tell" and "usage=unknown [Model card: not listed" in row["evidence"]


def test_component_marked_not_included_is_not_released(cat):
    hit = [m for m in cat.mof if any(c.license and resolve_licence(c.license).answer == "not released"
                                     for c in m.components)]
    assert hit
    for m in hit:
        for c in conditions(m, cat.lists):
            if c.name in ("weights", "architecture", "usage") and "licence" in c.evidence:
                assert c.answer == "no"


@given(st.floats(18, 27), st.floats(0, 2), st.booleans())
def test_systemic_risk_is_decided_by_the_interval(log_est, spread, open_top):
    est = 10 ** log_est
    lo, hi = est / 10 ** spread, (math.inf if open_top else est * 10 ** spread)
    c = systemic_risk(ComputeRow("m", est, lo, hi, "", "s", ""))
    expect = "no" if lo > THRESHOLD_FLOP else "yes" if hi <= THRESHOLD_FLOP else "unknown"
    assert c.answer == expect
    assert systemic_risk(None).answer == "unknown"


def test_compute_rows_from_the_index_are_derived_not_typed():
    packaged = {r.model: r for r in compute_table().values()}
    derived = compute_from_index(load_eosai_index(INDEX).items)
    from_index = [r for r in packaged.values() if r.source.startswith("EOSAI index")]
    assert len(derived) == len(from_index) > 50
    for d in derived:
        p = packaged[d["model"]]
        for col, got in (("training_flop", p.training_flop), ("flop_low", p.low), ("flop_high", p.high)):
            want = float(d[col]) if d[col] else math.nan
            if d[col] == "" and col != "training_flop":
                want = p.training_flop  # an empty bound means the estimate itself
            assert (math.isnan(want) and math.isnan(got)) or got == pytest.approx(want), (d["model"], col)
    assert parse_compute("~5.64e+23 FLOP +- 0.30 OoM (x)") == pytest.approx((5.64e23, 5.64e23 / 10**0.3,
                                                                              5.64e23 * 10**0.3))
    assert parse_compute(">= 2.4e+20 FLOP (lower bound)") == (2.4e20, 2.4e20, math.inf)
    assert all(math.isnan(x) for x in parse_compute("unknown (~1e23?)"))


def test_systemic_risk_and_monetisation_decide_the_verdict(cat):
    llama = next(m for m in cat.eosai if m.name == "Llama 3.1")
    conds = {c.name: c for c in conditions(llama, cat.lists)}
    assert conds["systemic_risk"].answer == "no" and "3.8e+25" in conds["systemic_risk"].evidence
    assert conds["monetisation"].answer == "no"
    olmo = next(m for m in cat.mof if m.name == "OLMo-7B")
    mine = {_key("OLMo-7B"): ComputeRow("OLMo-7B", 1e23, 1e23, 1e23, "", "test", "")}
    assert check(EU, [olmo], cat.lists, compute=mine)["answer"].tolist() == ["qualifies"]
    paid = {_key("OLMo-7B"): ComputeRow("OLMo-7B", 1e23, 1e23, 1e23, "yes", "test", "")}
    t = check(EU, [olmo], cat.lists, compute=paid)
    assert t["answer"].tolist() == ["does not"] and "recital 103" in t["reason"].iloc[0]
    big = {_key("OLMo-7B"): ComputeRow("OLMo-7B", 2e25, 2e25, 2e25, "", "test", "")}
    assert check(EU, [olmo], cat.lists, compute=big)["answer"].tolist() == ["does not"]
    assert check(EU, [olmo], cat.lists, compute={})["answer"].tolist() == ["cannot tell"]


def test_a_bad_compute_table_names_the_line_and_value(tmp_path):
    f = tmp_path / "flop.csv"
    f.write_text("model,training_flop,source\nA,1e24,x\nB,lots,y\n")
    r = _cli("check", EU, "--compute", str(f), cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "line 3, training_flop" in r.stderr and "'lots' is not allowed" in r.stderr


# --- identities and the side-by-side table -------------------------------------------------------

@pytest.mark.parametrize("name, key", [
    ("Meta-Llama-3-70B-Instruct", "llama3"), ("Llama 3", "llama3"), ("Mistral-7B-v0.1", "mistral"),
    ("Mixtral-8x22B-Instruct-v0.1", "mixtral"), ("LLaMA2 Chat", "llama2"), ("Llama 2", "llama2"),
    ("Qwen1.5-MoE-A2.7B", "qwen1.5moe"), ("Ministral-3-14B-Base-2512", "ministral3"),
])
def test_family_key(name, key):
    assert family_key(name) == key


def test_identity_table_covers_every_record_once_and_reports_ambiguity(cat):
    profs = cat.profiles(("eosai", "eosai-archive", "mof", "fmti"), fmti_version=None)
    ids = identities(profs)
    assert len(ids) == len(profs) and ids["record"].tolist() == [p.name for p in profs]
    amb = ids[ids["rule"] == "ambiguous"]
    assert set(amb["record"]) >= {"Falcon-180B-chat", "Falcon-40B-instruct"}
    assert amb["note"].str.contains("not linked").all()
    assert not amb["identity"].isin(ids.loc[ids["rule"] != "ambiguous", "identity"]).any()
    linked = ids.groupby("identity")["dataset"].nunique()
    assert (linked > 1).sum() >= 50
    bloomz = ids[ids["display"] == "BLOOMZ"]
    assert set(bloomz["dataset"]) == {"eosai", "eosai-archive", "fmti"}
    assert ids.loc[ids["record"] == "BLOOM", "base_of"].iloc[0] == "BLOOMZ"
    assert ids.loc[ids["rule"] == "FMTI flagship", "dataset"].eq("fmti").all()


def test_side_by_side_has_one_row_per_record_and_a_column_per_definition(cat):
    long = compare(cat.profiles(("eosai", "eosai-archive", "mof")), "Llama 3", lists=cat.lists)
    wide = side_by_side(long)
    pairs = long[["dataset", "record", "file"]].drop_duplicates()
    assert len(wide) == len(pairs) == len(long) // len(measures.DEFINITIONS) > 4
    assert list(wide.columns) == ["display", "dataset", "record", "file", "relation", "score",
                                  *measures.DEFINITIONS, *FMTI_COLUMNS]
    for r in long.itertuples():
        hit = wide[(wide["record"] == r.record) & (wide["dataset"] == r.dataset) & (wide["file"] == r.file)]
        assert len(hit) == 1 and hit[r.definition].iloc[0] == r.answer


def test_compare_cli_json_and_unknown_model(tmp_path):
    r = _cli("compare", "Mistral 7B", "-d", EU, "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert {x["dataset"] for x in rows} == {"eosai-archive", "mof", "fmti"}
    assert all(x["definition"] == EU and x["answer"] and x["evidence"] is not None for x in rows)
    r = _cli("compare", "No Such Model 9000", cwd=tmp_path)
    assert r.returncode == 2 and "No Such Model 9000" in r.stderr and r.stderr.count("\n") == 1
