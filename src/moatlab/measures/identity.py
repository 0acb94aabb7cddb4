"""One identity per model across the data sets, and every verdict on it side by side.

The data sets name models differently: the EOSAI index rates a *family* by its largest model
("Llama 3.1"), the archived EOSAI an instruction-tuned release ("LLaMA2 Chat"), the MOF a release
("Llama-3.1-8B-Instruct"), the FMTI a *developer's* flagship ("Meta", 2023-10). Matching rules,
applied in this order:

1. ``same name``: the names are equal ignoring case and every character but letters and digits.
2. ``family``: the family keys are equal. The family key of a name is its lower-case tokens
   (split at anything but letters, digits and dots) without size tokens (``7b``, ``1.5b``, ``270m``,
   ``8x7b``, ``a2.7b``, ``2t``), variant tokens (``instruct``, ``chat``, ``base``, ``hf``, ``it``,
   ``sft``, ``dpo``, ``preview``, ``test``), version tokens (``v0.1``), four-digit date codes and a
   leading ``meta``, joined: ``Meta-Llama-3-70B-Instruct`` → ``llama3``, ``Mistral-7B-v0.1`` →
   ``mistral``.
3. ``FMTI flagship``: an FMTI developer in a release is linked to the flagship model it was scored
   on, by rule 1 or 2 applied to the flagship's name. The FMTI score files name developers, not
   models, so the flagship's name comes from a flagship table (:func:`flagship_table`): the packaged
   ``data/fmti_flagships.csv`` (from the FMTI reports; releases 2023-10 and 2024-05) and, where the
   data folder has one, its ``fmti/flagships.csv`` (same columns; its rows win). A developer whose
   release has no row there (every developer of 2025-12 in the packaged snapshot) is not linked:
   rule ``own``, with a note. A flagship whose key is ambiguous (below) is reported, not linked.
4. ``base model``: an EOSAI index model is linked to the records whose family key is that of its
   ``basemodelname`` (BLOOMZ → BLOOM): a related model, not the same one.

Ambiguous matches are reported, not guessed: when two different family-level records of one
data set (EOSAI index or archived EOSAI) share a family key, or a name, neither is linked by it,
and :func:`identities` lists them with rule ``ambiguous``; so is an FMTI developer whose flagship
has that key.

Beside the verdicts, :func:`compare` shows the transparency score of one FMTI release (the latest
by default) for each record it can be tied to, and how (``fmti_link``):

* ``flagship``: the record's identity is that release's flagship of a developer (rule 3);
* ``developer``: no flagship is named for that developer in that release, and the record's
  organisation is the developer: equal *organisation keys* (:func:`org_key`: lower-case tokens
  without a trailing ``ai``, ``labs`` or ``inc``, joined: ``Mistral AI`` → ``mistral``) once the
  alias table is applied (:func:`~moatlab.measures.orgs.org_canon`: ``Facebook Research`` → Meta,
  ``Google DeepMind`` → Google; moatlab's ``data/org_aliases.csv``, updated by the data folder's
  ``fmti/org_aliases.csv``). This is the developer's transparency on the flagship the FMTI
  scored, not a score of this model;
* an organisation field naming several organisations (split at ``,``, ``&``, ``/`` and the word ``and``), one
  of them the developer, is reported ``ambiguous`` and gets no score; so is a key shared by two
  developers of the release.
"""

from __future__ import annotations

import math
import os
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .._validate import ParameterError
from ._io import PACKAGED_DATA, DataFormatError, DataPathError, csv_rows, data_dir
from .definitions import DEFINITIONS, dataset_of, get_definition, score_of
from .orgs import alias_table, org_canon
from .orgs import org_key as org_key  # re-exported: the key of the developer link

FLAGSHIPS = PACKAGED_DATA / "fmti_flagships.csv"
_SIZE = re.compile(r"^(\d+(\.\d+)?[bmkt]|\d+x\d+(\.\d+)?b|a\d+(\.\d+)?b|\d+(\.\d+)?b\d*)$")
_VARIANT = {"instruct", "chat", "base", "hf", "it", "sft", "dpo", "preview", "test", "instruction"}
_VERSION = re.compile(r"^v\d+(\.\d+)*$|^\d{4}$")


def name_key(name: str) -> str:
    """Rule 1's key: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]+", "", str(name).casefold())


def family_key(name: str) -> str:
    """Rule 2's key (see the module docstring)."""
    toks = [t.strip(".") for t in re.split(r"[^0-9a-z.]+", str(name).casefold())]
    toks = [t for t in toks if t]
    if len(toks) > 1 and toks[0] == "meta":
        toks = toks[1:]
    keep = [t for t in toks if not (_SIZE.match(t) or t in _VARIANT or _VERSION.match(t))]
    return "".join(keep) or name_key(name)


FLAGSHIP_COLUMNS = ("version", "developer", "flagship", "source")


def _read_flagships(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    out = {}
    for i, r in csv_rows(path, FLAGSHIP_COLUMNS):
        v, d, f = (r[c] for c in FLAGSHIP_COLUMNS[:3])
        if not (v and d and f):
            raise DataFormatError(path, f"line {i}", "version, developer and flagship must not be empty")
        out[(v, d)] = (f, r["source"])
    return out


def flagship_table(path: str | os.PathLike | None = None) -> dict[tuple[str, str], tuple[str, str]]:
    """Which model each FMTI developer was scored on: ``{(version, developer): (flagship, source)}``.

    The packaged ``fmti_flagships.csv`` (2023-10 and 2024-05, from the FMTI reports), updated by
    ``fmti/flagships.csv`` of the data folder ``path`` (default ``$MOATLAB_DATA``, else the packaged
    snapshot, which has none) when it exists. The FMTI score files themselves name no model.
    """
    out = _read_flagships(FLAGSHIPS)
    try:
        extra = data_dir("fmti", path) / "flagships.csv"
    except DataPathError:
        return out
    if extra.is_file():
        out.update(_read_flagships(extra))
    return out


_ORG_SPLIT = re.compile(r",|&|/|\band\b", re.IGNORECASE)


_FAMILY_LEVEL = ("eosai", "eosai-archive")


def _org(p) -> str:
    return getattr(p, "organisation", None) or getattr(p, "producer", None) or getattr(p, "developer", "")


def identities(profiles: Sequence, flagships: dict | None = None) -> pd.DataFrame:
    """The mapping table: one row per profile with its identity, the rule that linked it, and notes.

    Columns: ``identity`` (the family key shared by linked records), ``display`` (the identity's
    name: the EOSAI index's if any, else the archived EOSAI's, else the record's), ``dataset``,
    ``record``, ``organisation``, ``rule`` (same name, family, FMTI flagship, own, ambiguous),
    ``base_of`` (identities this record is the base model of), ``note``. ``flagships`` is a
    :func:`flagship_table` (default: the one of ``$MOATLAB_DATA`` or the packaged snapshot).
    """
    flags = flagship_table() if flagships is None else flagships
    rows = []
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(profiles):
        ds = dataset_of(p)
        note = ""
        if ds == "fmti":
            fl = flags.get((p.version, p.developer))
            if fl is None:
                key, rule, note = f"fmti:{name_key(p.developer)}", "own", \
                    f"not linked: the {p.version} data names no flagship"
            else:
                key, rule, note = family_key(fl[0]), "FMTI flagship", f"flagship {fl[0]} ({fl[1]})"
        else:
            key, rule = family_key(p.name), "family"
        rows.append({"identity": key, "dataset": ds, "record": p.name, "organisation": _org(p),
                     "rule": rule, "base_of": "", "note": note})
        by_key[key].append(i)
    # ambiguity: two different family-level records of one data set on one key
    for key, idx in by_key.items():
        for ds in _FAMILY_LEVEL:
            names = {rows[i]["record"] for i in idx if rows[i]["dataset"] == ds}
            if len(names) > 1:
                for i in idx:
                    if rows[i]["dataset"] == ds:
                        rows[i]["rule"] = "ambiguous"
                        rows[i]["note"] = (f"family key {key!r} is shared by {ds} records "
                                           + ", ".join(sorted(names)) + ": not linked")
                        rows[i]["identity"] = f"{ds}:{name_key(rows[i]['record'])}"
                for i in idx:
                    if rows[i]["rule"] == "FMTI flagship":
                        rows[i]["rule"] = "ambiguous"
                        fl = rows[i]["note"].removeprefix("flagship ")
                        rows[i]["note"] = (f"flagship {fl}: family key {key!r} is shared by {ds} records "
                                           + ", ".join(sorted(names)) + ": not linked")
                        rows[i]["identity"] = f"fmti:{name_key(rows[i]['record'])}"
    final: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        final[r["identity"]].append(i)
    for idx in final.values():
        dss = {rows[i]["dataset"] for i in idx}
        nkeys = defaultdict(set)
        for i in idx:
            nkeys[name_key(rows[i]["record"])].add(rows[i]["dataset"])
        for i in idx:
            r = rows[i]
            if r["rule"] == "family":
                if len(nkeys[name_key(r["record"])]) > 1:
                    r["rule"] = "same name"
                elif len(dss) == 1:
                    r["rule"] = "own"
    display: dict[str, str] = {}
    for key, idx in final.items():
        for ds in ("eosai", "eosai-archive", "mof", "fmti"):
            hit = [rows[i]["record"] for i in idx if rows[i]["dataset"] == ds]
            if hit and ds != "fmti":
                display[key] = sorted(hit, key=len)[0]
                break
            if hit:  # FMTI only: the flagship's name where the flagship table gives it
                fl = [rows[i]["note"] for i in idx if rows[i]["rule"] == "FMTI flagship"]
                display[key] = fl[0].removeprefix("flagship ").split(" (")[0] if fl else hit[0]
    for i, p in enumerate(profiles):
        base = getattr(p, "base_model", "")
        if base:
            bk = family_key(base)
            if bk != rows[i]["identity"] and bk in final:
                for j in final[bk]:
                    prev = rows[j]["base_of"]
                    rows[j]["base_of"] = ", ".join(x for x in (prev, display[rows[i]["identity"]]) if x)
    cols = ["identity", "dataset", "record", "organisation", "rule", "base_of", "note"]
    t = pd.DataFrame(rows, columns=cols)
    t.insert(1, "display", t["identity"].map(display))
    return t


FMTI_COLUMNS = ["fmti_release", "fmti_developer", "fmti_link", "fmti_score"]


def _release(profiles: Sequence, version: str | None) -> str | None:
    vs = sorted({p.version for p in profiles if dataset_of(p) == "fmti"})
    if version in (None, "latest"):
        return vs[-1] if vs else None
    if version not in vs:
        raise ParameterError("fmti_version", version, "'latest' or a release in the data: "
                             + (", ".join(vs) or "(the data has no FMTI release)"))
    return version


def fmti_links(profiles: Sequence, version: str | None = "latest", flagships: dict | None = None,
               ids: pd.DataFrame | None = None, aliases: dict[str, str] | None = None) -> pd.DataFrame:
    """Which model each FMTI developer of one release was scored on, and what it links to.

    One row per developer of release ``version`` (default the latest in ``profiles``): ``version``,
    ``developer``, ``score`` (its transparency share), ``flagship`` (empty when the data names
    none), ``source``, ``status`` (``linked``: its flagship is one identity with records of other
    data sets; ``ambiguous``: reported, not linked; ``unlinked``), ``identity`` (when linked),
    ``records`` (records of other data sets linked through the flagship), ``developer_records``
    (records tied by the ``developer`` link, see the module docstring) and ``note``. ``aliases`` is
    an :func:`~moatlab.measures.orgs.alias_table` (default: the one of ``$MOATLAB_DATA`` or the
    packaged snapshot).
    """
    flags = flagship_table() if flagships is None else flagships
    ids = identities(profiles, flags) if ids is None else ids
    rel = _release(profiles, version)
    ties = fmti_ties(profiles, ids, rel, flags, aliases)
    cols = ["version", "developer", "score", "flagship", "source", "status", "identity", "records",
            "developer_records", "note"]
    rows = []
    for i, p in enumerate(profiles):
        if dataset_of(p) != "fmti" or p.version != rel:
            continue
        fl, src = flags.get((p.version, p.developer), ("", ""))
        r = ids.loc[i]
        others = ids[(ids["identity"] == r["identity"]) & (ids["dataset"] != "fmti")]
        if r["rule"] == "ambiguous":
            status, ident, note = "ambiguous", "", r["note"]
        elif r["rule"] == "FMTI flagship" and len(others):
            status, ident, note = "linked", r["identity"], f"flagship {fl} is identity {r['display']!r}"
        elif fl:
            status, ident, note = "unlinked", "", f"flagship {fl}: no record of another data set has its key"
        else:
            status, ident, note = "unlinked", "", r["note"]
        dev = int(((ties["fmti_link"] == "developer") & (ties["fmti_developer"] == p.developer)).sum())
        rows.append({"version": p.version, "developer": p.developer, "score": score_of(p), "flagship": fl,
                     "source": src, "status": status, "identity": ident, "records": len(others),
                     "developer_records": dev, "note": note})
    return pd.DataFrame(rows, columns=cols)


def fmti_ties(profiles: Sequence, ids: pd.DataFrame, version: str | None,
              flagships: dict | None = None, aliases: dict[str, str] | None = None) -> pd.DataFrame:
    """Per profile (aligned with ``ids``): the FMTI release ``version`` developer tied to it, how, and
    its score (columns :data:`FMTI_COLUMNS`; empty / NaN where none). See the module docstring;
    ``flagships`` and ``aliases`` default to the tables of ``$MOATLAB_DATA`` or the packaged snapshot."""
    flags = flagship_table() if flagships is None else flagships
    als = alias_table() if aliases is None else aliases
    out = pd.DataFrame({"fmti_release": "", "fmti_developer": "", "fmti_link": "", "fmti_score": math.nan},
                       index=ids.index)
    devs = [(i, p) for i, p in enumerate(profiles) if dataset_of(p) == "fmti" and p.version == version]
    if not devs:
        return out
    out["fmti_release"] = version
    by_identity = {ids.at[i, "identity"]: p for i, p in devs if ids.at[i, "rule"] == "FMTI flagship"}
    keys: dict[str, list] = defaultdict(list)
    for _, p in devs:
        if (p.version, p.developer) not in flags:
            keys[org_canon(p.developer, als)].append(p)
    for i, p in enumerate(profiles):
        ds = dataset_of(p)
        if ds == "fmti":
            if p.version == version:
                out.loc[i, ["fmti_developer", "fmti_link", "fmti_score"]] = [p.developer, "own", score_of(p)]
            continue
        hit = by_identity.get(ids.at[i, "identity"])
        if hit is not None:
            out.loc[i, ["fmti_developer", "fmti_link", "fmti_score"]] = [hit.developer, "flagship",
                                                                         score_of(hit)]
            continue
        org = str(_org(p) or "")
        dev = keys.get(org_canon(org, als)) if org.strip() else None
        parts = [x for x in (org_canon(x, als) for x in _ORG_SPLIT.split(org)) if x]
        if dev is not None and len(dev) == 1:
            out.loc[i, ["fmti_developer", "fmti_link", "fmti_score"]] = [dev[0].developer, "developer",
                                                                         score_of(dev[0])]
        elif dev is not None or (len(parts) > 1 and any(k in keys for k in parts)):
            out.loc[i, "fmti_link"] = "ambiguous"
    return out


def compare(profiles: Sequence, model: str | None = None,
            definitions: Sequence[str] = tuple(DEFINITIONS), lists=None, compute=None,
            fmti_version: str | None = "latest", flagships: dict | None = None,
            aliases: dict[str, str] | None = None) -> pd.DataFrame:
    """Every verdict on each model under every definition and data set, side by side.

    One row per (record, definition): ``display`` (the identity), ``dataset``, ``record``, ``file``
    (two files of one data set may name the same model), ``relation`` (how the record is linked:
    same name, family, FMTI flagship, base model, own), ``definition``, ``answer``, ``reason``,
    ``evidence`` (the fields that decided). ``model`` selects one identity: a record name or any
    name with that family key; a base model's records are included with relation ``base model``.
    Beside the verdicts, :data:`FMTI_COLUMNS`: the transparency score of FMTI release
    ``fmti_version`` (default the latest in ``profiles``) tied to the record, and how
    (:func:`fmti_ties`: ``flagship``, ``developer``, ``own``, ``ambiguous`` or empty); ``aliases``
    as there.
    """
    flags = flagship_table() if flagships is None else flagships
    ids = identities(profiles, flags)
    ties = fmti_ties(profiles, ids, _release(profiles, fmti_version), flags, aliases)
    sel = ids.index
    relation = ids["rule"].copy()
    if model is not None:
        k, n = family_key(model), name_key(model)
        hit = ids[(ids["identity"] == k) | ids["record"].map(name_key).eq(n)]
        keys = set(hit["identity"])
        names = set(ids.loc[ids["identity"].isin(keys), "display"])
        base = ids[ids["base_of"].apply(lambda s: any(x.strip() in names for x in s.split(",") if x))]
        sel = hit.index.union(base.index.difference(hit.index))
        relation.loc[base.index.difference(hit.index)] = "base model"
    rows = []
    for i in sel:
        p = profiles[i]
        for dn in definitions:
            d = get_definition(dn)
            v = d.evaluate(p, lists, compute=compute, identity=ids.at[i, "display"])
            rows.append({"display": ids.at[i, "display"], "dataset": v.dataset, "record": v.model,
                         "file": Path(getattr(p, "source", "") or "").name,
                         "relation": relation.at[i], "score": score_of(p), "definition": d.name,
                         "answer": v.answer, "reason": v.reason, "evidence": v.evidence,
                         **ties.loc[i].to_dict()})
    cols = ["display", "dataset", "record", "file", "relation", "score", "definition", "answer", "reason",
            "evidence", *FMTI_COLUMNS]
    return pd.DataFrame(rows, columns=cols)


def side_by_side(long: pd.DataFrame) -> pd.DataFrame:
    """:func:`compare`'s table pivoted: one row per record, one column of answers per definition, then
    the FMTI columns (:data:`FMTI_COLUMNS`) where the table has them."""
    keys = ["display", "dataset", "record", "file", "relation", "score"]
    defs = list(dict.fromkeys(long["definition"]))
    rows: dict[tuple, dict] = {}
    for r in long.itertuples(index=False):
        k = (r.display, r.dataset, r.record, r.file, r.relation)
        row = rows.setdefault(k, {"display": r.display, "dataset": r.dataset, "record": r.record,
                                  "file": r.file, "relation": r.relation, "score": r.score})
        row[r.definition] = r.answer
        for c in FMTI_COLUMNS:
            if c in long.columns:
                row[c] = getattr(r, c)
    extra = [c for c in FMTI_COLUMNS if c in long.columns]
    return pd.DataFrame(list(rows.values()), columns=keys + defs + extra)
