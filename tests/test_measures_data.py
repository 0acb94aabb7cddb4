"""FMTI and EOSAI loaders and scores, definitions and the bridge to θ, on the real data."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import require_data
from moatlab import ParameterError
from moatlab.measures import (
    DIMENSIONS,
    EOSAIProject,
    FMTIDeveloper,
    check,
    classify,
    eosai_scores,
    exemptions,
    fmti_scores,
    get_definition,
    license_lists,
    load_catalogue,
    load_eosai,
    load_fmti,
    openness_table,
    summary,
)
from moatlab.measures.eu import ComputeRow, _key
from tests.measures_helpers import FIXTURES, MOF_FIX

CLI = [sys.executable, "-m", "moatlab", "measures"]


@pytest.fixture(scope="module")
def fmti():
    return load_fmti(require_data() / "fmti")


def test_fmti_every_release_loads_with_domains(fmti):
    assert not fmti.errors and [r.version for r in fmti.items] == ["2023-10", "2024-05", "2025-12"]
    for r in fmti.items:
        assert len(r.indicators) == 100
        assert (r.scores["domain"] != "").all(), r.version  # renamed indicators are resolved too
        assert set(r.scores["domain"]) == {"Upstream", "Model", "Downstream"}


def test_fmti_totals_equal_published_totals(fmti):
    with_totals = [r for r in fmti.items if r.published_totals is not None]
    assert [r.version for r in with_totals] == ["2023-10", "2024-05"]
    for r in with_totals:
        t = r.totals()
        np.testing.assert_array_equal(t["recomputed"], t["published"])


def test_fmti_2023_figures_of_the_seed(fmti):
    s = summary(next(r for r in fmti.items if r.version == "2023-10"))
    assert s["top"] == pytest.approx(0.54) and s["top_developers"] == ["Meta"]
    table = fmti_scores(next(r for r in fmti.items if r.version == "2023-10"))
    assert table["developer"].tolist()[:2] == ["Meta", "Hugging Face"]  # Llama 2 and BLOOMZ on top
    # the seed's "median of 37%" is the mean; the median of the ten scores is 38%
    assert s["mean"] == pytest.approx(0.37) and s["median"] == pytest.approx(0.38)


def test_fmti_domain_shares_add_up(fmti):
    r = fmti.items[0]
    overall = fmti_scores(r).set_index("developer")
    by = fmti_scores(r, by="domain").groupby("developer")[["satisfied", "scored"]].sum()
    assert (by["satisfied"] == overall["satisfied"].reindex(by.index)).all()
    assert (by["scored"] == overall["scored"].reindex(by.index)).all()
    with pytest.raises(ParameterError, match="by = 'team'"):
        fmti_scores(r, by="team")


def test_fmti_bad_file_is_reported_and_the_rest_loads(tmp_path):
    for f in (require_data() / "fmti").glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)  # a scratch folder of the test, deleted after it
    shutil.copy(FIXTURES / "bad" / "fmti_bad_scores.csv", tmp_path / "Jan2030_scores.csv")
    rep = load_fmti(tmp_path)
    assert len(rep.items) == 3 and len(rep.errors) == 1
    assert str(rep.errors[0]).endswith(
        "Jan2030_scores.csv: line 3, column 'DevA': value 'x' is not 0, 1 or blank")
    r = subprocess.run([*CLI, "fmti", str(tmp_path), "--json"], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "1 file failed to load" in r.stderr and "line 3" in r.stderr
    rows = json.loads(r.stdout)
    assert rows and all(set(x) == {"developer", "satisfied", "scored", "share"} for x in rows)


def test_fmti_json_contract(fmti):
    r = subprocess.run([*CLI, "fmti", str(require_data() / "fmti"), "--version", "2023-10", "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    api = fmti_scores(fmti.items[0])
    assert [x["developer"] for x in rows] == api["developer"].tolist()
    assert [x["share"] for x in rows] == api["share"].tolist()


def test_eosai_scores_over_all_projects():
    data = require_data() / "eosai"
    rep = load_eosai(data)
    n_files = len(list((data / "projects").glob("*.yaml")))
    assert not rep.errors and len(rep.items) + len(rep.skipped) == n_files and len(rep.items) > 40
    t = eosai_scores(rep.items)
    assert t["score"].between(0, 1).all()
    vals = {"open": 1.0, "partial": 0.5, "closed": 0.0}
    for p in rep.items:  # the score is the mean of the rated values, partial counting 0.5
        rated = [vals[v] for v in p.ratings.values() if v is not None]
        assert p.score() == pytest.approx(np.mean(rated))


def test_eosai_missing_dimensions_are_reported_not_counted():
    ratings = dict.fromkeys(DIMENSIONS, "open") | {"api": None, "paper": "partial"}
    p = EOSAIProject("x", "org", "x.yaml", ratings)
    assert p.missing == ["api"]
    assert p.score() == pytest.approx((12 + 0.5) / 13)
    assert p.score(group="access") == 1.0
    assert np.isnan(EOSAIProject("y", "", "", dict.fromkeys(DIMENSIONS)).score())
    w = p.score({"paper": 3.0})
    assert w == pytest.approx((12 + 1.5) / 15)
    with pytest.raises(ParameterError, match="weights"):
        p.score({"weights_of_nothing": 1.0})


def test_eosai_bad_class_names_the_field(tmp_path):
    shutil.copy(FIXTURES / "bad" / "eosai_bad_class.yaml", tmp_path)
    shutil.copy(require_data() / "eosai" / "projects" / "bloomz.yaml", tmp_path)
    rep = load_eosai(tmp_path)
    assert [p.name for p in rep.items] == ["BLOOMZ"]
    assert "opencode.class: 'opne' is not one of open, partial, closed" in str(rep.errors[0])


def eosai(**r):
    return EOSAIProject("p", "o", "", dict.fromkeys(DIMENSIONS, "open") | r)


def small(*names):
    """A compute table putting every named model well below 10^25 FLOP."""
    return {_key(n): ComputeRow(n, 1e20, 1e20, 1e20, "", "test", "") for n in names}


def test_eu_definition_on_eosai_profiles():
    eu = "eu-ai-act-open-source"
    profs = [eosai(), eosai(license="partial"), eosai(llmweights=None),
             eosai(llmweights=None, license="closed"), eosai(architecture="partial")]
    answers = check(eu, profs, compute=small("p"))["answer"]
    # no licence string: the raters' class decides (partial: cannot tell which parts are open)
    assert answers.tolist() == ["qualifies", "cannot tell", "cannot tell", "does not", "qualifies"]
    # without a compute figure the systemic-risk condition cannot be told
    assert check(eu, profs[:1])["answer"].tolist() == ["cannot tell"]


def test_definitions_on_mof_and_fmti_profiles():
    lists = license_lists(MOF_FIX / "licenses")
    def mof(params_licence):
        comps = [{"name": "Model architecture"}, {"name": "Model card"},
                 {"name": "Model parameters (Final)", "license": params_licence}]
        return classify({"release": {"name": params_licence, "license": {"distribution": {"name": "MIT"}},
                                     "components": comps}}, lists)
    profs = [mof("Apache-2.0"), mof("Llama-Fixture"), mof("Llama 2 licence"), mof("Bespoke Terms"),
             FMTIDeveloper("Meta", "2023-10", 54, 100)]
    t = check("eu-ai-act-open-source", profs, lists,
              compute=small("Apache-2.0", "Llama-Fixture", "Llama 2 licence", "Bespoke Terms"))
    assert t["answer"].tolist() == ["qualifies", "does not", "does not", "cannot tell", "cannot tell"]
    # MOF classes are cumulative; other data sets cannot answer them
    full = classify({"release": {"name": "f", "license": {"distribution": {"name": "MIT"}},
                                 "components": [{"name": c} for c in
                                                ("Model architecture", "Model parameters (Final)",
                                                 "Evaluation results", "Model card", "Data card",
                                                 "Technical report")]}}, lists)
    assert check("mof-class-III", [full, eosai()])["answer"].tolist() == ["qualifies", "cannot tell"]
    assert check("mof-class-II", [full])["answer"].tolist() == ["does not"]


def test_definition_names_and_errors():
    assert get_definition("threshold(0.6)").name == "threshold(0.6)"
    assert get_definition("threshold( 0.25 , score=eosai )").reads == {"eosai": ("score",),
                                                                       "eosai-archive": ("score",)}
    assert get_definition("threshold(0.25, score=eosai-archive)").reads == {"eosai-archive": ("score",)}
    with pytest.raises(ParameterError, match="definition = 'eu' is not allowed"):
        get_definition("eu")
    with pytest.raises(ParameterError, match=r"θ of definition 'threshold\(1.5\)' = 1.5"):
        get_definition("threshold(1.5)")
    with pytest.raises(ParameterError, match="score of definition .* = 'xyz'"):
        get_definition("threshold(0.5, score=xyz)")


@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.floats(0, 1), st.floats(0, 1))
def test_threshold_exemptions_are_monotone(scores, a, b):
    lo, hi = min(a, b), max(a, b)
    profs = [FMTIDeveloper(f"d{i}", "v", int(round(s * 100)), 100) for i, s in enumerate(scores)]
    q = lambda th: (check(f"threshold({th!r})", profs)["answer"] == "qualifies").sum()  # noqa: E731
    assert q(hi) <= q(lo)
    t = openness_table(profs, definitions=())
    ex = exemptions(t, [lo, hi])["exempt"].sel(dataset="fmti").values
    assert ex[0] == q(lo) and ex[1] == q(hi)


def test_catalogue_table_and_exempt_cli(tmp_path):
    cat = load_catalogue(require_data())
    t = openness_table(cat.profiles(), lists=cat.lists)
    assert set(t["dataset"]) == {"eosai", "mof", "fmti"}  # eosai: the current index
    assert set(t["eu-ai-act-open-source"]) <= {"qualifies", "does not", "cannot tell"}
    assert (t.loc[t["dataset"] == "fmti", "eu-ai-act-open-source"] == "cannot tell").all()
    mof = t[t["dataset"] == "mof"]
    # MOF classes are nested: class I qualifiers are a subset of class II and of class III
    for hi, lo in (("mof-class-I", "mof-class-II"), ("mof-class-II", "mof-class-III")):
        assert ((mof[hi] != "qualifies") | (mof[lo] == "qualifies")).all()
    out = tmp_path / "ex"
    r = subprocess.run([*CLI, "exempt", str(require_data()), "--theta", "0.6", "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert {p.name for p in out.iterdir()} == {"models.csv", "exemptions.nc", "theta_axis.png", "scores.png"}
    n = int((t.loc[t["dataset"] == "eosai", "score"] >= 0.6).sum())
    assert f"eosai {n}/" in r.stdout


def test_check_cli_and_bad_input():
    data = require_data()
    r = subprocess.run([*CLI, "check", "mof-class-I", str(data / "mof"), "--json"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert {x["answer"] for x in rows} == {"qualifies", "does not"}
    r = subprocess.run([*CLI, "check", "open-ish", str(data)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "definition = 'open-ish'" in r.stderr
    r = subprocess.run([*CLI, "check", "osaid-1.0", str(data / "nowhere")], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    r = subprocess.run([*CLI, "classify", str(MOF_FIX / "models" / "bad_yaml.yml"), "--schema",
                        str(data / "mof" / "schema" / "mof_schema.json")], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and "bad_yaml.yml: line" in r.stderr and "Traceback" not in r.stderr
