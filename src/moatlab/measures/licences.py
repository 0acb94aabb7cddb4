"""Licence strings as the data sets spell them → is it a free and open-source licence (EU AI Act)?

The data sets name licences freely ("MIT license", "Apache 2.0", "Llama 2 Community License",
"gemma", "OpenRAIL", "Component not included"). :func:`resolve_licence` answers, with the row that
decided it:

1. A string on the MOF licence lists that the lists mark OSI-approved or FSF-libre, or on the MOF
   tool's open-data list, is free and open source (the lists are the MOF tool's own).
2. Else the first row of the licence table (packaged ``data/eu/licences.csv``, or another given
   with ``table=``) whose ``pattern`` matches the whole normalised string (lower case, spaces
   collapsed) decides: ``yes``, ``no``, ``unknown`` or ``not released``, with its ``reason``.
3. Else a string joining several licences ("Apache 2.0 and RAIL", "A, B") is split at ``and``,
   ``,``, ``;``, `` + `` and ``&`` (parenthesised remarks dropped): every part must be free and
   open source; any ``no`` part makes it ``no``.
4. Else a string the MOF lists know (recognised, but neither OSI, FSF nor open data) is ``no``;
   anything else is ``unknown``. A string with a ``?`` is ``unknown``.

Free and open source, after recital 102 of Regulation (EU) 2024/1689: the licence lets anyone
access, use, study, modify and distribute the model; crediting the provider and keeping identical
or comparable terms (copyleft) are allowed; use-based restrictions (RAIL family, acceptable-use
policies), non-commercial or research-only terms, and user-count thresholds are not. The table's
``monetised`` column marks licences that make some users pay (recital 103).
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ._io import PACKAGED_DATA, DataFormatError, DataPathError

ANSWERS = ("yes", "no", "unknown", "not released")
COLUMNS = ("pattern", "licence", "free_open_source", "monetised", "reason")
DEFAULT_TABLE = PACKAGED_DATA / "eu" / "licences.csv"
_SPLIT = re.compile(r"\s+and\s+|\s*[,;&]\s*|\s+\+\s+")


@dataclass(frozen=True)
class LicenceRow:
    pattern: re.Pattern
    licence: str
    free_open_source: str
    monetised: bool
    reason: str


@dataclass(frozen=True)
class LicenceVerdict:
    """How a licence string was read: ``answer`` (yes / no / unknown / not released) and why."""

    text: str
    answer: str
    licence: str
    reason: str
    monetised: bool = False

    def __str__(self) -> str:
        head = f"{self.text!r}: {self.licence}" if self.licence else f"{self.text!r}"
        return f"{head}: {self.reason}"


@lru_cache(maxsize=8)
def _read_table(path: str) -> tuple[LicenceRow, ...]:
    p = Path(path)
    if not p.is_file():
        raise DataPathError(f"licence table '{p}' does not exist")
    from .eu import read_table_text

    text = read_table_text(p)
    rows = list(csv.DictReader(text.splitlines()))
    if rows and set(COLUMNS) - set(rows[0]):
        raise DataFormatError(p, "line 1", "columns must include " + ", ".join(COLUMNS))
    out = []
    for i, r in enumerate(rows, start=2):
        try:
            pat = re.compile(r["pattern"].strip())
        except re.error as e:
            raise DataFormatError(p, f"line {i}, pattern",
                                  f"{r['pattern']!r} is not a regular expression ({e})") from None
        ans = r["free_open_source"].strip()
        if ans not in ANSWERS:
            raise DataFormatError(p, f"line {i}, free_open_source", f"{ans!r} is not allowed: one of "
                                  + ", ".join(ANSWERS))
        mon = (r.get("monetised") or "").strip().lower()
        if mon not in ("", "yes", "no"):
            raise DataFormatError(p, f"line {i}, monetised", f"{mon!r} is not allowed: yes, no or empty")
        out.append(LicenceRow(pat, r["licence"].strip(), ans, mon == "yes", r["reason"].strip()))
    return tuple(out)


def licence_table(table: str | os.PathLike | None = None) -> tuple[LicenceRow, ...]:
    """The rows of the licence table (default: the packaged ``data/eu/licences.csv``)."""
    return _read_table(str(Path(table or DEFAULT_TABLE).resolve()))


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).replace("_", " ")).strip().rstrip(".").strip().casefold()


def _match(norm: str, rows) -> LicenceRow | None:
    return next((r for r in rows if r.pattern.fullmatch(norm)), None)


def resolve_licence(text: str | None, lists=None, table: str | os.PathLike | None = None) -> LicenceVerdict:
    """Is licence string ``text`` a free and open-source licence? See the module docstring for the rules.

    Examples
    --------
    >>> resolve_licence("MIT license").answer, resolve_licence("Llama 2 Community License").answer
    ('yes', 'no')
    >>> v = resolve_licence("Apache 2.0 and RAIL (responsible AI license)")
    >>> v.answer, v.licence
    ('no', 'RAIL family')
    """
    raw = "" if text is None else str(text)
    norm = normalise(raw)
    rows = licence_table(table)
    if not norm:
        return LicenceVerdict(raw, "unknown", "", "no licence given")
    if "?" in norm:
        return LicenceVerdict(raw, "unknown", "", "the licence is given with a question mark: uncertain")
    if lists is not None and raw.strip() in lists.entries and lists.is_open(raw.strip()):
        return LicenceVerdict(raw, "yes", raw.strip(), "OSI-approved, FSF-libre or open data on the MOF "
                              "licence lists")
    row = _match(norm, rows)
    if row is not None:
        return LicenceVerdict(raw, row.free_open_source, row.licence, row.reason, row.monetised)
    parts = [p for p in (re.sub(r"\([^)]*\)", "", x).strip() for x in _SPLIT.split(norm)) if p]
    if len(parts) > 1 or (parts and parts[0] != norm):
        subs = [resolve_licence(p, lists, table) for p in parts]
        for ans in ("no", "not released", "unknown"):
            hit = [s for s in subs if s.answer == ans]
            if hit:
                return LicenceVerdict(raw, ans, " + ".join(s.licence or s.text for s in hit),
                                      "; ".join(s.reason for s in hit), any(s.monetised for s in subs))
        return LicenceVerdict(raw, "yes", " + ".join(s.licence for s in subs),
                              "every part is free and open source", any(s.monetised for s in subs))
    if lists is not None and raw.strip() in lists.entries:
        return LicenceVerdict(raw, "no", raw.strip(), "on the MOF licence lists, but neither OSI-approved, "
                              "FSF-libre nor an open-data licence")
    return LicenceVerdict(raw, "unknown", "", "not a licence the licence table or the MOF lists know")
