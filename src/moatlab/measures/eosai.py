"""The European Open Source AI Index (EOSAI; Liesenfeld et al. 2023): per-project openness ratings.

Each project file rates up to 14 dimensions ``class: open | partial | closed`` (blank: not
rated), in three groups:

* availability: opencode, llmdata, llmweights, rldata, rlweights, license
* documentation: code, architecture, preprint, paper, modelcard, datasheet
* access: package, api

Score of a project over its *rated* dimensions R (weights w, default 1)::

    score = Σ_{d∈R} w_d v_d / Σ_{d∈R} w_d,    v(open) = 1, v(partial) = 0.5, v(closed) = 0,

and the same within each group. Unrated dimensions are listed in ``missing``, never counted as
closed; a project with no rated dimension has no score (NaN).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._validate import ParameterError
from ._io import DataFormatError, DataPathError, LoadError, LoadReport, data_dir, data_root, files, read_yaml

GROUPS: dict[str, tuple[str, ...]] = {
    "availability": ("opencode", "llmdata", "llmweights", "rldata", "rlweights", "license"),
    "documentation": ("code", "architecture", "preprint", "paper", "modelcard", "datasheet"),
    "access": ("package", "api"),
}
DIMENSIONS: tuple[str, ...] = tuple(d for g in GROUPS.values() for d in g)
VALUES = {"open": 1.0, "partial": 0.5, "closed": 0.0}


@dataclass(frozen=True)
class EOSAIProject:
    """One project's ratings: ``ratings[dim]`` is 'open', 'partial', 'closed' or None (not rated)."""

    name: str
    organisation: str
    source: str
    ratings: Mapping[str, str | None]
    license_text: str = ""
    notes: Mapping[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [d for d in DIMENSIONS if self.ratings.get(d) is None]

    def score(self, weights: Mapping[str, float] | None = None, group: str | None = None) -> float:
        """Weighted mean over rated dimensions (of ``group`` if given); NaN if none is rated."""
        dims = DIMENSIONS if group is None else GROUPS[group]
        w = _weights(weights)
        num = den = 0.0
        for d in dims:
            r = self.ratings.get(d)
            if r is not None:
                num += w[d] * VALUES[r]
                den += w[d]
        return num / den if den > 0 else float("nan")


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    w = dict.fromkeys(DIMENSIONS, 1.0)
    for k, v in (weights or {}).items():
        if k not in w:
            raise ParameterError("weights", k, "dimension names: " + ", ".join(DIMENSIONS))
        if not (isinstance(v, int | float) and np.isfinite(v) and v >= 0):
            raise ParameterError(f"weights[{k!r}]", v, "a finite number >= 0")
        w[k] = float(v)
    return w


def read_project(path: str | os.PathLike) -> EOSAIProject | None:
    """Read one project file; None for a blank template (no project name)."""
    path = Path(path)
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise DataFormatError(path, "top level", "expected a mapping of project fields")
    proj = doc.get("project")
    if not isinstance(proj, dict):
        raise DataFormatError(path, "project", "missing or not a mapping")
    name = proj.get("name")
    if name is None or str(name).strip() == "":
        return None
    org = doc.get("org") or {}
    ratings: dict[str, str | None] = {}
    notes: dict[str, str] = {}
    for d in DIMENSIONS:
        entry = doc.get(d)
        if entry is None:
            ratings[d] = None
            continue
        if not isinstance(entry, dict):
            raise DataFormatError(path, d, "expected a mapping with 'class', 'link', 'notes'")
        c = entry.get("class")
        if c is None or (isinstance(c, str) and c.strip() == ""):
            ratings[d] = None
        elif isinstance(c, str) and c.strip().lower() in VALUES:
            ratings[d] = c.strip().lower()
        else:
            raise DataFormatError(path, f"{d}.class", f"{c!r} is not one of open, partial, closed or blank")
        if entry.get("notes"):
            notes[d] = str(entry["notes"])
    return EOSAIProject(str(name).strip(), str((org or {}).get("name") or "").strip(), str(path),
                        ratings, str(proj.get("license") or ""), notes)


def _is_index(p: Path) -> bool:
    """Whether ``p`` (a folder or file) holds the current index's format rather than the archived one."""
    from .eosai_index import INDEX_DIR, is_index_folder

    if p.is_dir():
        if is_index_folder(p) or (p / INDEX_DIR).is_dir():
            return True
        if (p / "projects").is_dir() or p.name == "eosai":
            return False
        sample = next(iter(sorted(p.glob("*.yaml"))), None)
    else:
        sample = p
    if sample is None:
        return False
    try:
        doc = read_yaml(sample)
    except DataFormatError:
        return False
    return isinstance(doc, dict) and "system" in doc and "project" not in doc


def load_eosai(path: str | os.PathLike | None = None, *, format: str = "auto") -> LoadReport:
    """Load EOSAI data: the current index (default) or the archived project format.

    ``format``: ``'index'`` (the current index, :func:`~moatlab.measures.eosai_index.load_eosai_index`,
    items :class:`~moatlab.measures.eosai_index.EOSAIModel`), ``'archive'`` (the archived
    "Opening up ChatGPT" project files, items :class:`EOSAIProject`), or ``'auto'``: the current
    index when ``path`` (default ``$MOATLAB_DATA``, else the packaged snapshot) holds it
    (``eosai-index/`` or a folder with ``_parameters.yml``, or files with a ``system`` block), else
    the archived format (``eosai/projects/``).
    """
    if format not in ("auto", "index", "archive"):
        raise ParameterError("format", format, "one of auto, index, archive")
    if format == "auto":
        root = data_root(path)
        if not root.exists():
            raise DataPathError(f"eosai data path '{root}' does not exist")
        format = "index" if _is_index(root) else "archive"
    if format == "index":
        from .eosai_index import load_eosai_index

        return load_eosai_index(path)
    return load_eosai_archive(path)


def load_eosai_archive(path: str | os.PathLike | None = None) -> LoadReport[EOSAIProject]:
    """Load every archived-format project file (``*.yaml``) under ``path`` (the data set or its
    ``projects``)."""
    p = data_dir("eosai", path)
    if p.is_dir() and (p / "projects").is_dir():
        p = p / "projects"
    from .eosai_index import is_index_folder

    if is_index_folder(p) or (p.is_file() and _is_index(p)):
        raise DataPathError(f"'{p}' holds the current EOSAI index, not the archived format "
                            "(read it with load_eosai(format='index'))")
    paths = files(p, ["*.yaml", "*.yml"])
    if not paths:
        raise DataPathError(f"no EOSAI project files (*.yaml) in '{p}'")
    rep: LoadReport[EOSAIProject] = LoadReport()
    for f in paths:
        try:
            proj = read_project(f)
        except DataFormatError as e:
            rep.errors.append(e.error)
            continue
        if proj is None:
            rep.skipped.append(LoadError(str(f), "project.name", "blank (a template), not a project"))
        else:
            rep.items.append(proj)
    return rep


def eosai_scores(projects, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Table of projects: overall score, group scores, each dimension's value, missing dimensions."""
    _weights(weights)
    rows = []
    for p in projects:
        row = {"name": p.name, "organisation": p.organisation, "score": p.score(weights)}
        for g in GROUPS:
            row[g] = p.score(weights, g)
        for d in DIMENSIONS:
            r = p.ratings.get(d)
            row[d] = VALUES[r] if r is not None else np.nan
        row["rated"] = len(DIMENSIONS) - len(p.missing)
        row["missing"] = ",".join(p.missing)
        rows.append(row)
    cols = ["name", "organisation", "score", *GROUPS, *DIMENSIONS, "rated", "missing"]
    return (pd.DataFrame(rows, columns=cols).sort_values("score", ascending=False, kind="stable")
            .reset_index(drop=True))
