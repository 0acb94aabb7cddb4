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
3. ``FMTI flagship``: an FMTI developer in a release is linked to its flagship model named in the
   packaged ``data/fmti_flagships.csv`` (from the FMTI reports; 2023-10 and 2024-05), then by rule
   1 or 2. Releases without a row there (2025-12) are not linked.
4. ``base model``: an EOSAI index model is linked to the records whose family key is that of its
   ``basemodelname`` (BLOOMZ → BLOOM): a related model, not the same one.

Ambiguous matches are reported, not guessed: when two different family-level records of one
data set (EOSAI index or archived EOSAI) share a family key, or a name, neither is linked by it,
and :func:`identities` lists them with rule ``ambiguous``.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ._io import PACKAGED_DATA
from .definitions import DEFINITIONS, dataset_of, get_definition, score_of

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


def _flagships() -> dict[tuple[str, str], tuple[str, str]]:
    out = {}
    with open(FLAGSHIPS, encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out[(r["version"], r["developer"])] = (r["flagship"], r["source"])
    return out


_FAMILY_LEVEL = ("eosai", "eosai-archive")


def _org(p) -> str:
    return getattr(p, "organisation", None) or getattr(p, "producer", None) or getattr(p, "developer", "")


def identities(profiles: Sequence) -> pd.DataFrame:
    """The mapping table: one row per profile with its identity, the rule that linked it, and notes.

    Columns: ``identity`` (the family key shared by linked records), ``display`` (the identity's
    name: the EOSAI index's if any, else the archived EOSAI's, else the record's), ``dataset``,
    ``record``, ``organisation``, ``rule`` (same name, family, FMTI flagship, own, ambiguous),
    ``base_of`` (identities this record is the base model of), ``note``.
    """
    flags = _flagships()
    rows = []
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(profiles):
        ds = dataset_of(p)
        note = ""
        if ds == "fmti":
            fl = flags.get((p.version, p.developer))
            if fl is None:
                key, rule, note = f"fmti:{name_key(p.developer)}", "own", \
                    f"no flagship named for the {p.version} release in fmti_flagships.csv"
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


def compare(profiles: Sequence, model: str | None = None,
            definitions: Sequence[str] = tuple(DEFINITIONS), lists=None, compute=None) -> pd.DataFrame:
    """Every verdict on each model under every definition and data set, side by side.

    One row per (record, definition): ``display`` (the identity), ``dataset``, ``record``, ``file``
    (two files of one data set may name the same model), ``relation`` (how the record is linked:
    same name, family, FMTI flagship, base model, own), ``definition``, ``answer``, ``reason``,
    ``evidence`` (the fields that decided). ``model`` selects one identity: a record name or any
    name with that family key; a base model's records are included with relation ``base model``.
    """
    ids = identities(profiles)
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
                         "answer": v.answer, "reason": v.reason, "evidence": v.evidence})
    cols = ["display", "dataset", "record", "file", "relation", "score", "definition", "answer", "reason",
            "evidence"]
    return pd.DataFrame(rows, columns=cols)


def side_by_side(long: pd.DataFrame) -> pd.DataFrame:
    """:func:`compare`'s table pivoted: one row per record, one column of answers per definition."""
    keys = ["display", "dataset", "record", "file", "relation", "score"]
    defs = list(dict.fromkeys(long["definition"]))
    rows: dict[tuple, dict] = {}
    for r in long.itertuples(index=False):
        k = (r.display, r.dataset, r.record, r.file, r.relation)
        row = rows.setdefault(k, {"display": r.display, "dataset": r.dataset, "record": r.record,
                                  "file": r.file, "relation": r.relation, "score": r.score})
        row[r.definition] = r.answer
    return pd.DataFrame(list(rows.values()), columns=keys + defs)
