"""The organisation alias table (``data/org_aliases.csv``): what it maps, the FMTI ties it adds
where a release names no flagship (2025-12), and the refusal of a malformed table; all on the
packaged snapshot."""

import csv
import math

import pytest

from moatlab.errors import DataFormatError
from moatlab.measures import PACKAGED_DATA
from moatlab.measures.definitions import dataset_of
from moatlab.measures.identity import _ORG_SPLIT, _org, flagship_table, fmti_links, fmti_ties
from moatlab.measures.orgs import ORG_ALIASES, alias_rows, alias_table, org_canon, org_key

from .measures_helpers import fmti_share, measures_cli


def _raw_rows():
    with open(ORG_ALIASES, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_packaged_table_maps_each_alias_to_one_fmti_developer(profs):
    """Each alias (by organisation key) names one organisation, with a reason; every organisation is
    an FMTI developer; no alias is itself a developer's name (so no two scored developers merge) or an
    organisation of another row (no chains); every alias occurs in the packaged data."""
    rows = _raw_rows()
    assert rows and all(r["reason"].strip() for r in rows)
    targets: dict[str, set] = {}
    for r in rows:
        targets.setdefault(org_key(r["alias"]), set()).add(org_key(r["organisation"]))
    assert all(len(t) == 1 for t in targets.values()), targets
    devs = {org_key(p.developer) for p in profs if dataset_of(p) == "fmti"}
    assert {org_key(r["organisation"]) for r in rows} <= devs
    assert not set(targets) & devs
    assert not set(targets) & {org_key(r["organisation"]) for r in rows}
    fields = [str(_org(p) or "") for p in profs if dataset_of(p) != "fmti"]
    orgs = {org_key(x) for f in fields for x in [f, *_ORG_SPLIT.split(f)]}
    assert set(targets) <= orgs
    assert alias_table(PACKAGED_DATA) == {k: r["organisation"] for r in rows for k in [org_key(r["alias"])]}


@pytest.mark.parametrize("alias, organisation", [
    ("Facebook Research", "Meta"), ("FAIR (Fundamental Artificial Intelligence Research)", "Meta"),
    ("Google DeepMind", "Google"), ("DeepMind", "Google"), ("Alibaba Cloud", "Alibaba"),
    ("Tongyi Lab", "Alibaba"),
    ("StabilityAI", "Stability AI"), ("Mistral AI", "Mistral"), ("NVIDIA", "NVIDIA"),
])
def test_an_alias_resolves_to_its_organisation(alias, organisation):
    assert org_canon(alias, alias_table(PACKAGED_DATA)) == org_key(organisation)


def test_facebook_research_records_get_metas_2025_score(profs, ids):
    ties = fmti_ties(profs, ids, "2025-12", flagship_table(PACKAGED_DATA), alias_table(PACKAGED_DATA))
    fb = [i for i, p in enumerate(profs) if str(_org(p)) == "Facebook Research"]
    assert len(fb) == 3 and {profs[i].name for i in fb} >= {"Llama 3.1", "LLaMA2 Chat"}
    for i in fb:
        assert ties.at[i, "fmti_link"] == "developer" and ties.at[i, "fmti_developer"] == "Meta"
        assert math.isclose(ties.at[i, "fmti_score"], fmti_share("2025-12", "Meta"))


@pytest.mark.parametrize("version", ["2023-10", "2024-05", "2025-12"])
def test_aliases_add_developer_ties_and_change_no_other(profs, ids, version):
    """Before (no alias table) and after: no tie is lost or changed; the new ties are exactly the
    records whose organisation is an alias of a developer with no flagship named in the release."""
    flags, als = flagship_table(PACKAGED_DATA), alias_table(PACKAGED_DATA)
    before = fmti_ties(profs, ids, version, flags, {})
    after = fmti_ties(profs, ids, version, flags, als)
    had = before["fmti_link"] != ""
    assert before[had].equals(after[had])
    unnamed = {org_key(p.developer): p.developer for p in profs
               if getattr(p, "version", None) == version and (version, p.developer) not in flags}
    expect = {i for i, p in enumerate(profs) if dataset_of(p) != "fmti"
              and org_key(str(_org(p) or "")) in als and org_key(als[org_key(str(_org(p) or ""))]) in unnamed}
    new = after.index[~had & (after["fmti_link"] != "")]
    assert set(new) == expect
    assert (after.loc[new, "fmti_link"] == "developer").all()
    for i in new:
        assert after.at[i, "fmti_developer"] == unnamed[org_canon(str(_org(profs[i])), als)]
    n0, n1 = int((before["fmti_link"] == "developer").sum()), int((after["fmti_link"] == "developer").sum())
    print(f"FMTI {version}: records tied by developer {n0} before the alias table, {n1} after")
    if version == "2025-12":
        assert n1 > n0 and {str(_org(profs[i])) for i in new} >= {"Facebook Research", "Google DeepMind",
                                                                   "DeepMind", "Alibaba Cloud"}
    else:  # every developer of 2023-10 and 2024-05 has a named flagship: no developer tie at all
        assert n0 == n1 == 0


def _data_with(tmp_path, text: bytes):
    root = tmp_path / "data"
    (root / "fmti").mkdir(parents=True)
    for f in (PACKAGED_DATA / "fmti").iterdir():
        (root / "fmti" / f.name).symlink_to(f)
    for d in ("eosai", "eosai-index", "mof"):
        (root / d).symlink_to(PACKAGED_DATA / d)
    (root / "fmti" / "org_aliases.csv").write_bytes(text)
    return root


def test_a_data_folder_alias_file_is_read_and_its_rows_win(tmp_path, profs, ids):
    # made-up rows, only to exercise the reader: Zyphra as xAI, DeepMind kept apart from Google
    root = _data_with(tmp_path, b"alias,organisation,reason\nZyphra,xAI,test fixture\n"
                                b"DeepMind,DeepMind,test fixture\n")
    als = alias_table(root)
    assert als[org_key("Zyphra")] == "xAI" and org_canon("DeepMind", als) == "deepmind"
    assert org_canon("Facebook Research", als) == "meta"
    base = fmti_links(profs, "2025-12", ids=ids, aliases=alias_table(PACKAGED_DATA)).set_index("developer")
    mine = fmti_links(profs, "2025-12", ids=ids, aliases=als).set_index("developer")
    zy = sum(1 for p in profs if str(_org(p)) == "Zyphra")
    dm = sum(1 for p in profs if str(_org(p)) == "DeepMind")
    assert zy == 1 and dm == 2
    assert mine.at["xAI", "developer_records"] == base.at["xAI", "developer_records"] + zy
    assert mine.at["Google", "developer_records"] == base.at["Google", "developer_records"] - dm
    r = measures_cli("identities", "--fmti-version", "2025-12", "--csv", "--data", str(root), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    row = [x for x in r.stdout.splitlines() if x.startswith("2025-12,xAI,")]
    assert len(row) == 1 and f",{base.at['xAI', 'developer_records'] + 1}," in row[0]


@pytest.mark.parametrize("text, problem", [
    (b"alias,organisation\nZyphra,xAI\n", "columns reason missing"),
    (b"alias,organisation,reason\nZyphra,xAI,\n", "line 2: alias, organisation and reason must not be empty"),
    (b"alias,organisation,reason\nZyphra,xAI,a\nZyphra AI,Meta,b\n", "line 3: alias 'Zyphra AI' is mapped"),
    (b"alias,organisation,reason\nZyphra,Facebook Research,a\n", "'Facebook Research' is itself an alias"),
    (b"alias,organisation,reason\n---,xAI,a\n", "line 2: '---'"),
    (b"alias,organisation,reason\nZyphra,x\xffAI,a\n", "not a readable UTF-8 CSV"),
])
def test_a_malformed_alias_file_is_one_error_naming_it(tmp_path, text, problem):
    root = _data_with(tmp_path, text)
    with pytest.raises(DataFormatError, match="org_aliases.csv") as e:
        alias_rows(root)
    assert problem in str(e.value) and "\n" not in str(e.value)


def test_cli_refuses_a_malformed_alias_file_in_one_line(tmp_path):
    root = _data_with(tmp_path, b"alias,organisation,reason\nZyphra,xAI,a\nZyphra,Meta,b\n")
    for args in (("identities", "--fmti-version", "2025-12"), ("compare", "Llama 3.1")):
        r = measures_cli(*args, "--data", str(root), cwd=tmp_path)
        assert r.returncode == 2 and "org_aliases.csv" in r.stderr and r.stderr.count("\n") == 1, r.stderr
        assert r.stdout == ""
