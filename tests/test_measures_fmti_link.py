"""FMTI releases tied to model identities: which model each developer was scored on (the flagship),
the developer tie where no flagship is named, and the FMTI score beside the verdicts; all on the
packaged snapshot."""

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moatlab import measures
from moatlab.errors import DataFormatError, ParameterError
from moatlab.measures import PACKAGED_DATA, compare, family_key, identities, side_by_side
from moatlab.measures.identity import (
    _ORG_SPLIT,
    FMTI_COLUMNS,
    flagship_table,
    fmti_links,
    fmti_ties,
    name_key,
    org_key,
)
from moatlab.measures.orgs import alias_table, org_canon

from .measures_helpers import fmti_share, measures_cli

EU = "eu-ai-act-open-source"
RELEASES = ("2023-10", "2024-05", "2025-12")


@pytest.mark.parametrize("version", RELEASES)
def test_every_flagship_link_is_exact_or_reported(profs, ids, version):
    """Property over every FMTI developer of every release: linked only under rule 1 or 2 applied to
    the named flagship; ambiguous ones carry no identity; unlinked ones have no candidate record."""
    flags = flagship_table(PACKAGED_DATA)
    links = fmti_links(profs, version, ids=ids)
    assert len(links) == sum(1 for p in profs if getattr(p, "version", None) == version) > 0
    others = ids[ids["dataset"] != "fmti"]
    for r in links.itertuples():
        named = flags.get((version, r.developer))
        assert r.flagship == (named[0] if named else "")
        if r.status == "linked":
            assert r.identity == family_key(r.flagship)
            hit = others[others["identity"] == r.identity]
            assert len(hit) == r.records > 0
            assert all(family_key(x) == r.identity or name_key(x) == name_key(r.flagship)
                       for x in hit["record"])
        elif r.status == "ambiguous":
            assert r.identity == "" and "not linked" in r.note
        else:
            assert r.status == "unlinked" and r.identity == "" and r.records == 0
            if not r.flagship:
                assert "names no flagship" in r.note
            else:
                assert others[others["identity"] == family_key(r.flagship)].empty


@pytest.mark.parametrize("version", RELEASES)
def test_every_score_tie_follows_the_stated_rules(profs, ids, version):
    """Property over every record: a flagship tie shares the flagship's identity, a developer tie has
    the developer's organisation key once aliases are resolved (and that developer has no flagship
    named), an ambiguous tie names several organisations or a shared key; every record that the
    developer rule covers is tied."""
    flags, als = flagship_table(PACKAGED_DATA), alias_table(PACKAGED_DATA)
    ties = fmti_ties(profs, ids, version, flags, als)
    devs = {p.developer: p for p in profs if getattr(p, "version", None) == version}
    keys = [org_canon(d, als) for d in devs if (version, d) not in flags]
    unnamed, shared = set(keys), {k for k in keys if keys.count(k) > 1}
    for i, p in enumerate(profs):
        t = ties.loc[i]
        ds = ids.at[i, "dataset"]
        org = str(ids.at[i, "organisation"] or "")
        assert t["fmti_release"] == version
        if t["fmti_link"] in ("flagship", "developer", "own"):
            assert math.isclose(t["fmti_score"], measures.definitions.score_of(devs[t["fmti_developer"]]))
        else:
            assert math.isnan(t["fmti_score"]) and t["fmti_developer"] == ""
        if t["fmti_link"] == "own":
            assert ds == "fmti" and p.version == version
        elif t["fmti_link"] == "flagship":
            assert ids.at[i, "identity"] == family_key(flags[(version, t["fmti_developer"])][0])
        elif t["fmti_link"] == "developer":
            assert org_canon(org, als) == org_canon(t["fmti_developer"], als)
            assert (version, t["fmti_developer"]) not in flags
        elif t["fmti_link"] == "ambiguous":
            parts = [org_canon(x, als) for x in _ORG_SPLIT.split(org) if org_key(x)]
            assert (len(parts) > 1 and set(parts) & unnamed) or org_canon(org, als) in shared
        elif ds != "fmti" and org.strip():
            assert org_canon(org, als) not in unnamed


def test_fmti_2025_names_no_model_so_nothing_is_linked_by_flagship(profs, ids):
    """The 2025-12 score file's columns are developers and no flagship table row names its models:
    every developer is reported unlinked, none guessed; their scores still reach their developers' models."""
    assert not any(v == "2025-12" for v, _ in flagship_table(PACKAGED_DATA))
    links = fmti_links(profs, "latest", ids=ids)
    assert set(links["version"]) == {"2025-12"} and len(links) == 13
    assert (links["status"] == "unlinked").all() and (links["flagship"] == "").all()
    assert links.set_index("developer").at["Meta", "developer_records"] > 10


@pytest.mark.parametrize("version, developer, identity", [
    ("2023-10", "Hugging Face", "bloomz"), ("2023-10", "Meta", "llama2"), ("2024-05", "Meta", "llama2"),
    ("2024-05", "BigCode", "starcoder"), ("2024-05", "Mistral", "mistral"),
])
def test_a_named_flagship_links_to_its_identity(profs, ids, version, developer, identity):
    links = fmti_links(profs, version, ids=ids).set_index("developer")
    assert links.at[developer, "status"] == "linked" and links.at[developer, "identity"] == identity


def test_a_flagship_on_an_ambiguous_key_is_reported_not_linked(profs):
    # a made-up flagship row, only to exercise the rule: the archived EOSAI has two Falcon records
    # (Falcon-180B-chat, Falcon-40B-instruct) on the family key 'falcon'
    flags = {**flagship_table(PACKAGED_DATA), ("2025-12", "Mistral"): ("Falcon", "test fixture")}
    ids = identities(profs, flags)
    links = fmti_links(profs, "2025-12", flags, ids).set_index("developer")
    assert links.at["Mistral", "status"] == "ambiguous" and "Falcon-180B-chat" in links.at["Mistral", "note"]
    ties = fmti_ties(profs, ids, "2025-12", flags)
    assert not (ties["fmti_developer"] == "Mistral").drop(
        [i for i, p in enumerate(profs) if getattr(p, "version", None) == "2025-12"]).any()


def test_compare_shows_the_fmti_score_beside_the_verdicts(profs):
    long = compare(profs, "BLOOMZ", [EU], fmti_version="2023-10")
    assert list(long.columns[-4:]) == FMTI_COLUMNS
    wide = side_by_side(long)
    assert list(wide.columns[-5:]) == [EU, *FMTI_COLUMNS]
    own = wide[wide["relation"] != "base model"]
    assert set(own["fmti_link"]) <= {"flagship", "own"} and (own["fmti_developer"] == "Hugging Face").all()
    assert own["fmti_score"].map(lambda s: math.isclose(s, fmti_share("2023-10", "Hugging Face"))).all()
    with pytest.raises(ParameterError, match="2099-01"):
        compare(profs, "BLOOMZ", [EU], fmti_version="2099-01")


@given(st.text(alphabet="abiXYZ019 -.", min_size=1, max_size=12),
       st.sampled_from(["", " AI", " Labs", " inc", "-ai", " AI Labs"]))
def test_org_key_ignores_case_and_a_trailing_company_word(name, suffix):
    if org_key(name):
        assert org_key(name.upper() + suffix) == org_key(name)


def test_cli_fmti_links_and_compare(tmp_path):
    r = measures_cli("identities", "--fmti-version", "latest", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) == 13 and {x["status"] for x in rows} == {"unlinked"}
    r = measures_cli("compare", "Llama 3.1", "-d", EU, "--csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    head, *lines = r.stdout.strip().splitlines()
    assert head.endswith(",".join([EU, *FMTI_COLUMNS]))
    meta = [x for x in lines if ",2025-12,Meta,developer," in x]
    share = fmti_share("2025-12", "Meta")
    assert meta and all(math.isclose(float(x.rsplit(",", 1)[1]), share) for x in meta)
    r = measures_cli("compare", "BLOOMZ", "--fmti-version", "2099-01", cwd=tmp_path)
    assert r.returncode == 2 and "2099-01" in r.stderr and r.stderr.count("\n") == 1


def test_cli_reads_a_flagship_table_beside_the_data(tmp_path):
    """A snapshot may carry fmti/flagships.csv (e.g. a newer report's list): its rows are used; a
    malformed one is one line, exit 2."""
    root = tmp_path / "data"
    (root / "fmti").mkdir(parents=True)
    for f in (PACKAGED_DATA / "fmti").iterdir():
        (root / "fmti" / f.name).symlink_to(f)
    for d in ("eosai-index", "mof"):
        (root / d).symlink_to(PACKAGED_DATA / d)
    # a made-up row, only to exercise the reader
    (root / "fmti" / "flagships.csv").write_text("version,developer,flagship,source\n"
                                                 "2025-12,Meta,Llama 3.1,test fixture\n")
    r = measures_cli("identities", "--fmti-version", "2025-12", "--json", "--data", str(root), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    meta = [x for x in json.loads(r.stdout) if x["developer"] == "Meta"][0]
    assert meta["status"] == "linked" and meta["identity"] == "llama3.1" and meta["source"] == "test fixture"
    (root / "fmti" / "flagships.csv").write_text("version,developer\n2025-12,Meta\n")
    r = measures_cli("identities", "--fmti-version", "2025-12", "--data", str(root), cwd=tmp_path)
    assert r.returncode == 2 and "flagships.csv" in r.stderr and r.stderr.count("\n") == 1
    with pytest.raises(DataFormatError, match="flagship"):
        flagship_table(root)
    bad = b"version,developer,flagship,source\n2025-12,\xff\xfe,x,y\n"  # not UTF-8
    (root / "fmti" / "flagships.csv").write_bytes(bad)
    r = measures_cli("identities", "--fmti-version", "2025-12", "--data", str(root), cwd=tmp_path)
    assert r.returncode == 2 and "not a readable UTF-8 CSV file" in r.stderr and r.stderr.count("\n") == 1
    assert "Traceback" not in r.stderr
