"""The EU AI Act's open-source exemption for general-purpose AI models, condition by condition.

Regulation (EU) 2024/1689: Art. 53(2) exempts providers of general-purpose AI models released
under a free and open-source licence that allows access, usage, modification and distribution of
the model, whose parameters including the weights, information on the model architecture and
information on model usage are made publicly available, from the documentation duties of
Art. 53(1)(a)-(b); the exemption does not apply to general-purpose AI models with systemic risk
(Art. 53(2), last sentence; Art. 51: presumed when the cumulative training compute exceeds 10^25
FLOP, Art. 51(2)). Recitals 102-104 explain the licence (102: crediting and identical or
comparable terms are allowed), and that models provided against a price or otherwise monetised
do not benefit (103). Art. 2(12) exempts free and open-source AI *systems* from the Act except
where they are high-risk, prohibited or under Art. 50; it concerns systems, not models, and is
not evaluated here.

Conditions (each answers ``yes``, ``no`` or ``unknown`` with the field that decided it):

``licence``      the licence string (EOSAI ``endmodellicense`` / ``project.license``; MOF the final
                 parameters' licence) read by :func:`~moatlab.measures.licences.resolve_licence`;
                 only if the string names no licence, the raters' licence class (EOSAI).
``weights``      the weights are public: EOSAI end-model weights ``open`` (``partial`` = gated:
                 unknown); MOF final parameters listed (``Component not included``: no;
                 not listed in the file: unknown).
``architecture`` information on the architecture public: EOSAI archived ``architecture``, current
                 index ``modelcard`` or ``hardware_architecture`` at least partial; MOF
                 ``Model architecture`` listed.
``usage``        information on usage public: EOSAI ``modelcard`` at least partial; MOF ``Model
                 card`` listed.
``systemic_risk`` training compute from the compute table (:func:`compute_table`): above 10^25
                 FLOP: no; below: yes; unknown or an interval across 10^25: unknown.
``monetisation`` recital 103, only where the data says so: a licence the licence table marks as
                 monetised, or a ``monetised`` column of the compute table; else "not shown".

The verdict is ``does not`` if any condition is ``no``, else ``cannot tell`` if any is
``unknown``, else ``qualifies``. A component *not listed* in a MOF file is unknown, not "not
released": the file is silent about it.
"""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ._io import PACKAGED_DATA, DataFormatError, DataPathError
from .licences import resolve_licence

THRESHOLD_FLOP = 1e25
#: Largest table (compute, licences) read, in bytes: the packaged ones are ~15 KB.
MAX_TABLE_BYTES = 8 * 1024 * 1024
DEFAULT_COMPUTE = PACKAGED_DATA / "eu" / "training_compute.csv"
COMPUTE_COLUMNS = ("model", "training_flop", "flop_low", "flop_high", "monetised", "source", "note")
CONDITIONS = ("licence", "weights", "architecture", "usage", "systemic_risk", "monetisation")


@dataclass(frozen=True)
class Condition:
    """One condition of the rule: ``answer`` yes / no / unknown / not shown, the evidence and why."""

    name: str
    answer: str
    evidence: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.answer} ({self.evidence}: {self.reason})"


@dataclass(frozen=True)
class ComputeRow:
    model: str
    training_flop: float  # NaN = unknown
    low: float
    high: float
    monetised: str  # "yes" | "no" | ""
    source: str
    note: str


def read_table_text(p: Path) -> str:
    """A CSV table's text; refuses files over :data:`MAX_TABLE_BYTES` and non-UTF-8 text."""
    with open(p, "rb") as fh:
        raw = fh.read(MAX_TABLE_BYTES + 1)
    if len(raw) > MAX_TABLE_BYTES:
        raise DataFormatError(p, "", f"larger than {MAX_TABLE_BYTES // (1024 * 1024)} MB: not a table")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataFormatError(p, f"byte {e.start}", "not UTF-8 text") from None


def _num(path: Path, line: int, col: str, v: str) -> float:
    v = (v or "").strip()
    if v == "":
        return math.nan
    try:
        x = float(v)
    except ValueError:
        raise DataFormatError(path, f"line {line}, {col}", f"{v!r} is not allowed: a number of FLOP "
                              "(e.g. 3.8e25) or empty (unknown)") from None
    if not (x >= 0):
        raise DataFormatError(path, f"line {line}, {col}", f"{v!r} is not allowed: a number >= 0 or empty")
    return x


@lru_cache(maxsize=8)
def _read_compute(path: str) -> dict[str, ComputeRow]:
    p = Path(path)
    if p.is_dir():
        raise DataPathError(f"training-compute table '{p}' is a folder, not a CSV file")
    if not p.is_file():
        raise DataPathError(f"training-compute table '{p}' does not exist")
    text = read_table_text(p)
    reader = csv.DictReader(text.splitlines())
    rows = list(reader)
    need = {"model", "training_flop", "source"}
    if need - set(reader.fieldnames or ()):  # an empty file too: it has no header
        raise DataFormatError(p, "line 1", ("empty file: " if not reader.fieldnames else "") +
                              "columns must include model, training_flop, source "
                              "(optional: flop_low, flop_high, monetised, note)")
    out: dict[str, ComputeRow] = {}
    for i, r in enumerate(rows, start=2):
        model = (r.get("model") or "").strip()
        if not model:
            raise DataFormatError(p, f"line {i}, model", "empty: every row names a model")
        est = _num(p, i, "training_flop", r.get("training_flop", ""))
        lo = _num(p, i, "flop_low", r.get("flop_low", ""))
        hi = _num(p, i, "flop_high", r.get("flop_high", ""))
        lo = est if math.isnan(lo) else lo
        hi = est if math.isnan(hi) else hi
        mon = (r.get("monetised") or "").strip().lower()
        if mon not in ("", "yes", "no"):
            raise DataFormatError(p, f"line {i}, monetised", f"{mon!r} is not allowed: yes, no or empty")
        out[_key(model)] = ComputeRow(model, est, lo, hi, mon, (r.get("source") or "").strip(),
                                      (r.get("note") or "").strip())
    return out


def compute_table(path: str | os.PathLike | None = None) -> dict[str, ComputeRow]:
    """The training-compute table (default: the packaged ``data/eu/training_compute.csv``).

    CSV columns: ``model`` (a name as the data sets spell it), ``training_flop`` (estimate of the
    cumulative training compute in FLOP; empty = unknown), optional ``flop_low``/``flop_high``
    (the estimate's range; an open upper end is ``inf``), ``monetised`` (yes / no / empty),
    ``source``, ``note``.
    """
    return _read_compute(str(Path(path or DEFAULT_COMPUTE).resolve()))


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(name).casefold())


_FLOP = r"(\d+(?:\.\d+)?e\+?\d+)"


def parse_compute(text: str) -> tuple[float, float, float]:
    """(estimate, low, high) FLOP from an EOSAI index comment such as ``~5.64e+23 FLOP +- 0.30 OoM``.

    ``>= X`` gives (X, X, inf); ``~X to ~Y`` gives the range; ``unknown``, ``-`` or a guess with a
    question mark give NaN.
    """
    t = (text or "").strip().lower()
    if not t or t.startswith("unknown") or t.startswith("-") or "?" in t:
        return (math.nan, math.nan, math.nan)
    nums = [float(x) for x in re.findall(_FLOP, t)]
    if not nums:
        return (math.nan, math.nan, math.nan)
    oom = re.search(r"\+-\s*(\d+(?:\.\d+)?)\s*oom", t)
    k = 10 ** float(oom.group(1)) if oom else 1.0
    if t.startswith(">="):
        return (nums[0], nums[0] / k, math.inf)
    if " to " in t and len(nums) >= 2:
        return (math.sqrt(nums[0] * nums[1]), nums[0], nums[1])
    return (nums[0], nums[0] / k, nums[0] * k)


def systemic_risk(row: ComputeRow | None, how: str = "") -> Condition:
    """The systemic-risk condition from a compute row (None: not in the table)."""
    if row is None or math.isnan(row.low) or math.isnan(row.high):
        return Condition("systemic_risk", "unknown", "training compute",
                         "not in the compute table" if row is None else f"unknown ({row.note or row.source})")
    ev = f"training compute {_fmt(row)} ({row.source}{how})"
    if row.low > THRESHOLD_FLOP:
        return Condition("systemic_risk", "no", ev, "above 10^25 FLOP: presumed systemic risk (Art. 51(2))")
    if row.high <= THRESHOLD_FLOP:
        return Condition("systemic_risk", "yes", ev, "at most 10^25 FLOP: no presumption of systemic risk")
    return Condition("systemic_risk", "unknown", ev, "the estimate's range includes 10^25 FLOP")


def _fmt(row: ComputeRow) -> str:
    if row.low == row.high:
        return f"{row.training_flop:.3g} FLOP"
    hi = "inf" if math.isinf(row.high) else f"{row.high:.3g}"
    return f"{row.training_flop:.3g} FLOP, range {row.low:.3g}-{hi}"


def _class(ratings, dims: tuple[str, ...], ok: tuple[str, ...], name: str, what: str,
           partial_unknown: bool = False) -> Condition:
    vals = {d: ratings.get(d) for d in dims}
    got = [d for d, r in vals.items() if r in ok]
    if got:
        return Condition(name, "yes", f"{got[0]} = {vals[got[0]]}", what)
    if partial_unknown and any(r == "partial" for r in vals.values()):
        d = next(d for d, r in vals.items() if r == "partial")
        return Condition(name, "unknown", f"{d} = partial", f"partly or gated release: {what} not shown")
    if all(r is None for r in vals.values()):
        return Condition(name, "unknown", " / ".join(dims) + " not rated", f"{what}: not rated")
    shown = ", ".join(f"{d} = {r}" for d, r in vals.items() if r is not None)
    return Condition(name, "no", shown, f"{what}: not public")


def _licence_condition(text: str, lists, table, fallback: str | None, fallback_field: str,
                       evidence: str) -> tuple[Condition, bool]:
    v = resolve_licence(text, lists, table)
    if v.answer in ("yes", "no"):
        return Condition("licence", v.answer, f"{evidence} = {text.strip()!r}",
                         f"{v.licence}: {v.reason}"), v.monetised
    if v.answer == "not released":
        return Condition("licence", "no", f"{evidence} = {text.strip()!r}", v.reason), False
    if fallback is not None:
        ans = {"open": "yes", "closed": "no"}.get(fallback, "unknown")
        return Condition("licence", ans, f"{fallback_field} = {fallback}",
                         f"the licence string {text.strip()!r} names no licence the table knows; "
                         "the raters' licence class decides"), False
    return Condition("licence", "unknown", f"{evidence} = {text.strip()!r}", v.reason), False


def _mof_listed(m, comp: str, name: str, what: str, lists, table) -> Condition:
    c = m.component(comp)
    if c.status == "missing":
        return Condition(name, "unknown", f"{comp}: not listed in the file",
                         f"the MOF file does not list it: {what} neither shown nor denied")
    if c.license is not None and resolve_licence(c.license, lists, table).answer == "not released":
        return Condition(name, "no", f"{comp}: licence {c.license!r}", "the file says the component is not "
                         "included (not released)")
    return Condition(name, "yes", f"{comp}: listed", what)


def conditions(item, lists=None, compute=None, licence_table=None,
               identity: str | None = None) -> list[Condition]:
    """The six conditions of the rule for one profile (EOSAI current or archived, or MOF)."""
    from .eosai import EOSAIProject
    from .eosai_index import EOSAIModel
    from .mof import MOFResult

    comp = compute_table() if compute is None else (compute if isinstance(compute, dict)
                                                     else compute_table(compute))
    out: list[Condition] = []
    lic_monetised = False
    if isinstance(item, EOSAIModel):
        c, lic_monetised = _licence_condition(item.license_text, lists, licence_table,
                                              item.ratings.get("licenses"), "licenses", "endmodellicense")
        out.append(c)
        out.append(_class(item.ratings, ("weights_endmodel",), ("open",), "weights",
                          "end-model weights shared", partial_unknown=True))
        out.append(_class(item.ratings, ("modelcard", "hardware_architecture"), ("open", "partial"),
                          "architecture", "architecture documented"))
        out.append(_class(item.ratings, ("modelcard",), ("open", "partial"), "usage", "model card available"))
    elif isinstance(item, EOSAIProject):
        c, lic_monetised = _licence_condition(item.license_text, lists, licence_table,
                                              item.ratings.get("license"), "license", "project.license")
        out.append(c)
        out.append(_class(item.ratings, ("llmweights",), ("open",), "weights", "weights shared",
                          partial_unknown=True))
        out.append(_class(item.ratings, ("architecture",), ("open", "partial"), "architecture",
                          "architecture documented"))
        out.append(_class(item.ratings, ("modelcard",), ("open", "partial"), "usage", "model card available"))
    elif isinstance(item, MOFResult):
        w = item.component("Model parameters (Final)")
        if w.status == "missing":
            out.append(Condition("licence", "unknown", "Model parameters (Final): not listed in the file",
                                 "no licence of the weights is given"))
        elif w.license is None:
            out.append(Condition("licence", "no", "Model parameters (Final): unlicensed",
                                 "the weights carry no licence: no right to use, modify or distribute"))
        else:
            ev = f"Model parameters (Final) licence (from {w.license_source})"
            c, lic_monetised = _licence_condition(w.license, lists, licence_table, None, "", ev)
            out.append(c)
        out.append(_mof_listed(item, "Model parameters (Final)", "weights", "weights released", lists,
                               licence_table))
        out.append(_mof_listed(item, "Model architecture", "architecture", "architecture published", lists,
                               licence_table))
        out.append(_mof_listed(item, "Model card", "usage", "model card published", lists, licence_table))
    else:
        raise TypeError(f"the EU rule reads EOSAI and MOF profiles, not {type(item).__name__}")
    row, how = _lookup(comp, item, identity)
    out.append(systemic_risk(row, how))
    if lic_monetised:
        out.append(Condition("monetisation", "no", out[0].evidence,
                             "the licence makes some users pay or obtain a separate licence (recital 103)"))
    elif row is not None and row.monetised == "yes":
        out.append(Condition("monetisation", "no", f"compute table: monetised = yes ({row.source})",
                             "provided against a price or otherwise monetised (recital 103)"))
    elif row is not None and row.monetised == "no":
        out.append(Condition("monetisation", "yes", f"compute table: monetised = no ({row.source})",
                             "not monetised"))
    else:
        out.append(Condition("monetisation", "not shown", "no field", "the data does not say whether the "
                             "model is monetised (recital 103): not checked"))
    return out


def _lookup(table: dict[str, ComputeRow], item, identity: str | None) -> tuple[ComputeRow | None, str]:
    names = [item.name]
    for attr in ("end_model",):
        v = getattr(item, attr, "")
        if v:
            names.append(v)
    for n in names:
        r = table.get(_key(n))
        if r is not None:
            return r, ""
    if identity:
        r = table.get(_key(identity))
        if r is not None and r.high <= THRESHOLD_FLOP:
            return r, f"; of the family {identity!r}, whose largest model bounds it"
    return None, ""


def combine(conds: list[Condition]) -> tuple[str, str]:
    """(answer, reason) from the conditions: any no → does not; any unknown → cannot tell."""
    no = [c for c in conds if c.answer == "no"]
    unk = [c for c in conds if c.answer == "unknown"]
    if no:
        return "does not", "; ".join(f"{c.name}: {c.reason} [{c.evidence}]" for c in no)
    if unk:
        return "cannot tell", "; ".join(f"{c.name}: {c.reason} [{c.evidence}]" for c in unk)
    return "qualifies", "; ".join(f"{c.name}: {c.reason}" for c in conds if c.answer == "yes")


def compute_from_index(models) -> list[dict[str, str]]:
    """Rows of a compute table from the current EOSAI index files' "Training compute" comments.

    Cumulative compute = base model + end model. An end-model figure given as unknown counts as
    0 where the file says "likely negligible", else leaves the upper end open (inf); a base model
    given as ``-`` (no separate base) counts 0; an unknown base leaves the upper end open.
    """
    rows = []
    for m in models:
        base_t, end_t = m.compute.get("base"), m.compute.get("end")
        if base_t is None and end_t is None:
            continue
        b = parse_compute(base_t or "")
        e = parse_compute(end_t or "")
        base_none = (base_t or "").strip().startswith("-")
        end_negl = "negligible" in (end_t or "").lower()
        if base_none:
            b = (0.0, 0.0, 0.0)
        if math.isnan(e[0]):
            e = (0.0, 0.0, 0.0 if end_negl else math.inf)
        if math.isnan(b[0]):
            est, lo, hi = (math.nan, e[1], math.inf) if e[1] > 0 else (math.nan, math.nan, math.nan)
        else:
            est, lo, hi = b[0] + e[0], b[1] + e[1], b[2] + e[2]
        f = Path(m.source).name
        rows.append({"model": m.name, "training_flop": "" if math.isnan(est) else f"{est:.4g}",
                     "flop_low": "" if math.isnan(lo) else f"{lo:.4g}",
                     "flop_high": "" if math.isnan(hi) else ("inf" if math.isinf(hi) else f"{hi:.4g}"),
                     "monetised": "", "source": f"EOSAI index, {f}, comment",
                     "note": f"base: {base_t or 'not given'}; end: {end_t or 'not given'}"})
    return rows
