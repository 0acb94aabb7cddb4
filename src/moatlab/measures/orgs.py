"""Organisation names across the data sets: the organisation key and the alias table.

The data sets spell one organisation several ways ("Mistral AI", "Mistral"; "Facebook Research",
"Meta"). Two names are one organisation when their *organisation keys* are equal after the alias
table is applied:

* :func:`org_key`: lower-case tokens (split at anything but letters and digits) without a trailing
  ``ai``, ``labs`` or ``inc``, joined: ``Mistral AI`` → ``mistral``, ``AI21 Labs`` → ``ai21``;
* :func:`alias_table`: moatlab's own curation, the packaged ``data/org_aliases.csv`` (columns
  ``alias, organisation, reason``: a subsidiary, lab or other name of one organisation, each with
  its reason), updated by ``fmti/org_aliases.csv`` of the data folder when it has one (same columns;
  its rows win);
* :func:`org_canon`: the key of a name with its alias resolved, one step: ``Facebook Research`` →
  ``meta``, ``Google DeepMind`` → ``google``.

One alias maps to one organisation, and an organisation is not itself an alias of another (no
chains): a file that breaks either is refused with a :class:`DataFormatError` naming its line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ._io import PACKAGED_DATA, DataFormatError, DataPathError, csv_rows, data_dir

ORG_ALIASES = PACKAGED_DATA / "org_aliases.csv"
ALIAS_COLUMNS = ("alias", "organisation", "reason")

#: ``{alias key: (organisation, reason, file, line)}``
AliasRows = dict[str, tuple[str, str, Path, int]]


def org_key(name: str) -> str:
    """The organisation key of ``name`` (see the module docstring), without aliases."""
    toks = [t for t in re.split(r"[^0-9a-z]+", str(name).casefold()) if t]
    while len(toks) > 1 and toks[-1] in ("ai", "labs", "inc"):
        toks = toks[:-1]
    return "".join(toks)


def _read_aliases(path: Path) -> AliasRows:
    out: AliasRows = {}
    for i, r in csv_rows(path, ALIAS_COLUMNS):
        a, o, why = (r[c] for c in ALIAS_COLUMNS)
        if not (a and o and why):
            raise DataFormatError(path, f"line {i}", "alias, organisation and reason must not be empty")
        ka, ko = org_key(a), org_key(o)
        if not (ka and ko):
            raise DataFormatError(path, f"line {i}", f"{a!r} → {o!r}: a name needs letters or digits")
        if ka in out and org_key(out[ka][0]) != ko:
            raise DataFormatError(path, f"line {i}", f"alias {a!r} is mapped to {o!r} here and to "
                                  f"{out[ka][0]!r} on line {out[ka][3]}: one alias, one organisation")
        out[ka] = (o, why, path, i)
    return out


def _check_chains(rows: AliasRows) -> None:
    for ka, (o, _, path, line) in rows.items():
        ko = org_key(o)
        if ko != ka and ko in rows and org_key(rows[ko][0]) != ko:
            raise DataFormatError(path, f"line {line}", f"organisation {o!r} is itself an alias of "
                                  f"{rows[ko][0]!r} (line {rows[ko][3]} of {rows[ko][2]}): "
                                  "map the alias to the final organisation")


def alias_rows(path: str | os.PathLike | None = None) -> AliasRows:
    """The alias table with where each row comes from: ``{alias key: (organisation, reason, file,
    line)}``, the packaged ``org_aliases.csv`` updated by ``fmti/org_aliases.csv`` of the data
    folder ``path`` (default ``$MOATLAB_DATA``, else the packaged snapshot, which has none)."""
    rows = _read_aliases(ORG_ALIASES)
    try:
        extra = data_dir("fmti", path) / "org_aliases.csv"
    except DataPathError:
        extra = None
    if extra is not None and extra.is_file():
        rows.update(_read_aliases(extra))
    _check_chains(rows)
    return rows


def alias_table(path: str | os.PathLike | None = None) -> dict[str, str]:
    """Which organisation each alias names: ``{org_key(alias): organisation}`` (see :func:`alias_rows`).

    Parameters
    ----------
    path
        The data folder whose ``fmti/org_aliases.csv`` (if any) updates the packaged table.

    Returns
    -------
    dict
        Alias key → the organisation's name as the table writes it.
    """
    return {k: v[0] for k, v in alias_rows(path).items()}


def org_canon(name: str, aliases: dict[str, str]) -> str:
    """The organisation key of ``name`` with its alias resolved (one step) through ``aliases``."""
    k = org_key(name)
    return org_key(aliases[k]) if k in aliases else k
