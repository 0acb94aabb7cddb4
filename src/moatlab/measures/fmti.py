"""The Foundation Model Transparency Index (FMTI): every release, its indicators and scores.

Data: one CSV of scores per release (``October2023_scores.csv``, ``May2024_scores.csv``,
``Dec2025_scores.csv``…) and indicator tables mapping each indicator to a domain and a subdomain.
The formats differ by release and are detected, not assumed:

* *wide with domains*: columns ``Domain, Subdomain, Indicator, <developer>…[, Total]``;
* *wide*: columns ``Indicator, <developer>…``, domains taken from the indicator table (or from
  another release's file) whose indicator names match best; indicators renamed between releases
  are matched by position only where every name-matched indicator sits at the same position.

A final row whose indicator is ``Total`` holds published totals; it is kept aside and checked.

Score of developer d in a release (overall, or within a domain or subdomain)::

    share_d = satisfied_d / scored_d,

satisfied = indicators with a 1, scored = indicators with a 0 or a 1 (blank cells are not scored).
The FMTI measures *transparency* of a developer's flagship model, not its openness: a closed model
with thorough documentation can score high.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._io import DataFormatError, DataPathError, LoadError, LoadReport, data_dir, files

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


@dataclass(frozen=True)
class FMTIRelease:
    """One release of the index.

    Attributes
    ----------
    version : str
        ``YYYY-MM`` when the file name carries a month and a year, else the file's stem.
    source : str
        The file read.
    scores : pandas.DataFrame
        Long table: ``indicator, domain, subdomain, developer, value`` (1, 0 or NaN if unscored),
        in the file's indicator order.
    published_totals : pandas.Series or None
        The file's ``Total`` row by developer, if it has one.
    """

    version: str
    source: str
    scores: pd.DataFrame
    published_totals: pd.Series | None

    @property
    def developers(self) -> list[str]:
        return list(dict.fromkeys(self.scores["developer"]))

    @property
    def indicators(self) -> list[str]:
        return list(dict.fromkeys(self.scores["indicator"]))

    @property
    def year(self) -> int | None:
        m = re.match(r"(\d{4})-\d{2}$", self.version)
        return int(m.group(1)) if m else None

    def totals(self) -> pd.DataFrame:
        """Recomputed totals beside the published ones (``published`` is NaN where absent)."""
        rec = self.scores.groupby("developer", sort=False)["value"].sum(min_count=1)
        pub = (self.published_totals.reindex(rec.index) if self.published_totals is not None
               else pd.Series(np.nan, index=rec.index))
        return pd.DataFrame({"recomputed": rec, "published": pub}).rename_axis("developer")


def _norm(name: str) -> str:
    return re.sub(r"[\s\-_]+", " ", str(name)).strip().casefold()


def _version(stem: str) -> str:
    m = re.search(r"([A-Za-z]{3})[A-Za-z]*[\s_\-]*(\d{4})", stem)
    if m and m.group(1).lower() in MONTHS:
        return f"{m.group(2)}-{MONTHS[m.group(1).lower()]:02d}"
    return stem


def _read_csv(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataFormatError(path, f"byte {e.start}", "not UTF-8 text") from None
    try:
        rows = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as e:
        raise DataFormatError(path, "", f"malformed CSV ({e})") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise DataFormatError(path, "line 1", "empty file")
    return rows


def _kind(header: list[str]) -> str:
    h = [c.strip() for c in header]
    if h[:3] == ["Domain", "Subdomain", "Indicator"]:
        return "indicators" if "Definition" in h else "wide_domains"
    if h and h[0] == "Indicator":
        return "wide"
    return "unknown"


def _indicator_map(path: Path, rows: list[list[str]]) -> list[tuple[str, str, str]]:
    """(indicator, domain, subdomain) in file order from an indicator table or a wide-domains file."""
    out = []
    for r in rows[1:]:
        if len(r) < 3:
            continue
        if r[2].strip() == "Total" and not r[0].strip():
            continue
        out.append((r[2].strip(), r[0].strip(), r[1].strip()))
    return out


def _values(path: Path, rows: list[list[str]], first: int, devs: list[str]) -> np.ndarray:
    vals = np.full((len(rows), len(devs)), np.nan)
    for i, r in enumerate(rows):
        if len(r) < first + len(devs):
            raise DataFormatError(path, f"line {i + 2}",
                                  f"{len(r)} fields, expected at least {first + len(devs)}")
        for j, d in enumerate(devs):
            cell = r[first + j].strip()
            if cell == "":
                continue
            try:
                v = float(cell)
            except ValueError:
                raise DataFormatError(path, f"line {i + 2}, column {d!r}",
                                      f"value {cell!r} is not 0, 1 or blank") from None
            if v not in (0.0, 1.0):
                raise DataFormatError(path, f"line {i + 2}, column {d!r}",
                                      f"value {cell!r} is not 0, 1 or blank")
            vals[i, j] = v
    return vals


def _totals(path: Path, row: list[str], first: int, devs: list[str]) -> pd.Series:
    out = {}
    for j, d in enumerate(devs):
        cell = row[first + j].strip() if first + j < len(row) else ""
        try:
            out[d] = float(cell) if cell else np.nan
        except ValueError:
            raise DataFormatError(path, f"Total row, column {d!r}",
                                  f"value {cell!r} is not a number") from None
    return pd.Series(out, name="published")


def _match_domains(names: list[str], maps: list[list[tuple[str, str, str]]]
                   ) -> tuple[list[tuple[str, str]], int]:
    """Domains for ``names`` from the best-matching map; returns them and the number unresolved."""
    best: tuple[int, list[tuple[str, str]] | None, int] = (-1, None, len(names))
    for m in maps:
        lookup = {_norm(i): (d, s) for i, d, s in m}
        pos = {_norm(i): k for k, (i, _, _) in enumerate(m)}
        got: list[tuple[str, str] | None] = [lookup.get(_norm(n)) for n in names]
        hits = sum(g is not None for g in got)
        aligned = len(m) == len(names) and all(
            pos[_norm(n)] == k for k, n in enumerate(names) if _norm(n) in pos)
        if aligned:  # renamed indicators sit where the map has them
            got = [g if g is not None else (m[k][1], m[k][2]) for k, g in enumerate(got)]
        missing = sum(g is None for g in got)
        if (hits, -missing) > (best[0], -best[2]):
            best = (hits, [g if g is not None else ("", "") for g in got], missing)
    if best[1] is None:
        return [("", "")] * len(names), len(names)
    return best[1], best[2]


def read_release(path: str | os.PathLike, maps: list[list[tuple[str, str, str]]] | None = None
                 ) -> FMTIRelease:
    """Read one FMTI scores file; ``maps`` are indicator→domain tables used for the wide format."""
    path = Path(path)
    rows = _read_csv(path)
    header = [c.strip() for c in rows[0]]
    kind = _kind(header)
    if kind not in ("wide", "wide_domains"):
        raise DataFormatError(path, "line 1", "header is neither 'Domain,Subdomain,Indicator,…' "
                              "nor 'Indicator,…': not an FMTI scores file")
    first = 3 if kind == "wide_domains" else 1
    devs = [h for h in header[first:] if h and h != "Total"]
    if len(set(devs)) != len(devs):
        raise DataFormatError(path, "line 1", "a developer column appears twice")
    body = rows[1:]
    total_row = None
    ind_col = 2 if kind == "wide_domains" else 0
    if body and body[-1][ind_col].strip() == "Total":
        total_row, body = body[-1], body[:-1]
    names = [r[ind_col].strip() for r in body]
    for i, n in enumerate(names):
        if not n:
            raise DataFormatError(path, f"line {i + 2}, column 'Indicator'", "empty indicator name")
    if kind == "wide_domains":
        dom = [(r[0].strip(), r[1].strip()) for r in body]
    else:
        dom, _ = _match_domains(names, maps or [])
    vals = _values(path, body, first, devs)
    n, k = vals.shape
    scores = pd.DataFrame({
        "indicator": np.repeat(names, k),
        "domain": np.repeat([d for d, _ in dom], k),
        "subdomain": np.repeat([s for _, s in dom], k),
        "developer": np.tile(devs, n),
        "value": vals.ravel(),
    })
    totals = _totals(path, total_row, first, devs) if total_row is not None else None
    return FMTIRelease(_version(path.stem), str(path), scores, totals)


def load_fmti(path: str | os.PathLike | None = None) -> LoadReport[FMTIRelease]:
    """Load every FMTI release found at ``path`` (a folder, or one scores file).

    Indicator tables (``*indicators*.csv``) and releases that carry domains are used to give the
    other releases their domains. A malformed file is reported in ``errors`` and the rest still load.

    Examples
    --------
    >>> rep = load_fmti(DATA / "fmti")
    >>> [r.version for r in rep.items]
    ['2023-10', '2024-05', '2025-12']
    """
    p = data_dir("fmti", path)
    candidates = files(p, ["*.csv"])
    rep: LoadReport[FMTIRelease] = LoadReport()
    maps: list[list[tuple[str, str, str]]] = []
    score_files = []
    for f in candidates:
        try:
            rows = _read_csv(f)
        except DataFormatError as e:
            rep.errors.append(e.error)
            continue
        kind = _kind(rows[0])
        if kind in ("indicators", "wide_domains"):
            maps.append(_indicator_map(f, rows))
        if kind in ("wide", "wide_domains"):
            score_files.append(f)
        elif kind == "unknown":
            rep.skipped.append(LoadError(str(f), "line 1", "not an FMTI scores or indicators file"))
    if p.is_file():  # a single file: also use the indicator tables beside it
        for f in files(p.parent, ["*indicators*.csv"]):
            try:
                maps.append(_indicator_map(f, _read_csv(f)))
            except DataFormatError:
                pass
    if not score_files and not rep.errors:
        raise DataPathError(f"no FMTI scores file (CSV with an 'Indicator' column) in '{p}'")
    for f in score_files:
        try:
            rep.items.append(read_release(f, maps))
        except DataFormatError as e:
            rep.errors.append(e.error)
    rep.items.sort(key=lambda r: r.version)
    return rep


def fmti_scores(releases: FMTIRelease | list[FMTIRelease] | LoadReport[FMTIRelease],
                by: str | None = None) -> pd.DataFrame:
    """Transparency shares per developer (and per ``by`` = 'domain' or 'subdomain').

    Returns
    -------
    pandas.DataFrame
        Columns ``version, developer[, domain[, subdomain]], satisfied, scored, share``; sorted by
        version, then by share (descending).
    """
    if isinstance(releases, FMTIRelease):
        releases = [releases]
    keys = {None: [], "domain": ["domain"], "subdomain": ["domain", "subdomain"]}
    if by not in keys:
        from .._validate import ParameterError
        raise ParameterError("by", by, "one of None, 'domain', 'subdomain'")
    frames = []
    for r in releases:
        g = r.scores.groupby(["developer", *keys[by]], sort=False)["value"]
        t = pd.DataFrame({"satisfied": g.sum().astype(int), "scored": g.count()}).reset_index()
        t.insert(0, "version", r.version)
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    out["share"] = out["satisfied"] / out["scored"].where(out["scored"] > 0)
    return out.sort_values(["version", *keys[by], "share"], ascending=[True] * (1 + len(keys[by])) + [False],
                           kind="stable").reset_index(drop=True)


def summary(release: FMTIRelease) -> dict[str, float | str | list[str]]:
    """Top, median and mean share of a release, and who is on top (ties included)."""
    s = fmti_scores(release)
    top = s["share"].max()
    return {"version": release.version, "developers": len(s), "top": float(top),
            "top_developers": s.loc[np.isclose(s["share"], top), "developer"].tolist(),
            "median": float(s["share"].median()), "mean": float(s["share"].mean())}
