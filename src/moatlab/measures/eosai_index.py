"""The current European Open Source AI Index (osai-index.eu; Liesenfeld & Dingemanse 2024).

One YAML file per model family (``system``, ``org`` and 14 parameters, each ``class: open |
partial | closed``, empty = not applicable), the parameters listed in the data's own
``_parameters.yml`` in three categories:

* availability: datasources_basemodel, datasources_endmodel, weights_basemodel, weights_endmodel,
  trainingcode
* documentation: code, hardware_architecture, preprint, paper, modelcard, datasheet
* access: licenses

Each parameter lists the model types it applies to (``types``). Two scores, v(open) = 1,
v(partial) = 0.5, v(closed) = 0:

* **the index's own** (as the osai-index.eu site computes it): over the parameters P that apply to
  the model's type, an empty class counting 0::

      index_score = Σ_{p∈P} v_p / |P|,   category score = Σ_{p∈P∩c} v_p / |c|

* **ours** (:meth:`EOSAIModel.score`), the same as for the archived format: mean over the *rated*
  parameters R ⊆ P only (an empty class is "not applicable", not closed); NaN if none is rated::

      score = Σ_{p∈R} v_p / |R|   >=   index_score.

The two differ exactly when a parameter is left empty. A type list such as ``text,code`` is split
at commas (the site compares the whole string and so finds no parameter for it).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._io import DataFormatError, DataPathError, LoadError, LoadReport, data_root, files, read_yaml

#: The index's parameters as of the packaged snapshot (commit 5a388e8); a data folder's own
#: ``_parameters.yml`` replaces them when present.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "availability": ("datasources_basemodel", "datasources_endmodel", "weights_basemodel",
                     "weights_endmodel", "trainingcode"),
    "documentation": ("code", "hardware_architecture", "preprint", "paper", "modelcard", "datasheet"),
    "access": ("licenses",),
}
PARAMETERS: tuple[str, ...] = tuple(p for c in CATEGORIES.values() for p in c)
TYPES = ("text", "image", "code", "video", "audio")
VALUES = {"open": 1.0, "partial": 0.5, "closed": 0.0}
INDEX_DIR = "eosai-index"


@dataclass(frozen=True)
class Parameters:
    """The parameter set of an index snapshot: categories → parameters, and the types each applies to."""

    categories: Mapping[str, tuple[str, ...]]
    types: Mapping[str, tuple[str, ...]]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p for c in self.categories.values() for p in c)

    def applicable(self, model_types: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(p for p in self.names if any(t in self.types[p] for t in model_types))


DEFAULT_PARAMETERS = Parameters(CATEGORIES, dict.fromkeys(PARAMETERS, TYPES))


@dataclass(frozen=True)
class EOSAIModel:
    """One model (family) of the current index.

    ``ratings[p]`` is 'open', 'partial', 'closed' or None (empty: not applicable).
    ``compute`` holds the file's "Training compute" comment lines (``base``, ``end``), verbatim.
    """

    name: str
    organisation: str
    source: str
    ratings: Mapping[str, str | None]
    types: tuple[str, ...]
    license_text: str = ""
    base_model: str = ""
    end_model: str = ""
    release_date: str = ""
    performance_class: str = ""
    compute: Mapping[str, str] = field(default_factory=dict)
    parameters: Parameters = field(default=DEFAULT_PARAMETERS, repr=False)

    @property
    def applicable(self) -> tuple[str, ...]:
        return self.parameters.applicable(self.types)

    @property
    def missing(self) -> list[str]:
        """Applicable parameters left empty (not applicable, in the index's words)."""
        return [p for p in self.applicable if self.ratings.get(p) is None]

    def score(self, group: str | None = None) -> float:
        """Ours: mean over rated parameters (of category ``group`` if given); NaN if none is rated."""
        dims = self.applicable if group is None else [p for p in self.parameters.categories[group]
                                                      if p in self.applicable]
        vals = [VALUES[r] for p in dims if (r := self.ratings.get(p)) is not None]
        return sum(vals) / len(vals) if vals else math.nan

    def index_score(self, group: str | None = None) -> float:
        """The index's own: empty counts 0; overall over applicable parameters, a category over all of it."""
        app = self.applicable
        if group is None:
            if not app:
                return math.nan
            return sum(VALUES.get(self.ratings.get(p) or "", 0.0) for p in app) / len(app)
        cat = self.parameters.categories[group]
        return sum(VALUES.get(self.ratings.get(p) or "", 0.0) for p in cat if p in app) / len(cat)


def read_parameters(path: str | os.PathLike) -> Parameters:
    """Read an index's ``_parameters.yml`` (categories with ``ref`` and ``params`` of ``ref``/``types``)."""
    path = Path(path)
    doc = read_yaml(path)
    if not isinstance(doc, list) or not doc:
        raise DataFormatError(path, "top level", "expected a list of categories")
    cats: dict[str, tuple[str, ...]] = {}
    types: dict[str, tuple[str, ...]] = {}
    for i, c in enumerate(doc):
        if not (isinstance(c, dict) and isinstance(c.get("ref"), str) and isinstance(c.get("params"), list)):
            raise DataFormatError(path, f"[{i}]", "expected a mapping with 'ref' and a list 'params'")
        refs = []
        for j, p in enumerate(c["params"]):
            if not isinstance(p, dict) or not isinstance(p.get("ref"), str):
                raise DataFormatError(path, f"[{i}].params[{j}]", "expected a mapping with 'ref'")
            t = p.get("types") or TYPES
            if not isinstance(t, list | tuple) or not all(isinstance(x, str) for x in t):
                raise DataFormatError(path, f"[{i}].params[{j}].types", f"{t!r} is not a list of type names")
            refs.append(p["ref"])
            types[p["ref"]] = tuple(x.strip() for x in t)
        cats[c["ref"]] = tuple(refs)
    return Parameters(cats, types)


_COMPUTE = re.compile(r"^#\s*-\s*(Base|End) model training compute:\s*(.*?)\s*$", re.IGNORECASE)


def _compute_comments(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for i, line in enumerate(fh):
                if i > 60:
                    break
                m = _COMPUTE.match(line)
                if m:
                    out[m.group(1).lower()] = m.group(2)
    except OSError:
        pass
    return out


def read_model(path: str | os.PathLike, parameters: Parameters = DEFAULT_PARAMETERS) -> EOSAIModel | None:
    """Read one model file of the current index; None for a blank template (no system name)."""
    path = Path(path)
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise DataFormatError(path, "top level", "expected a mapping with 'system', 'org' and the parameters")
    sysm = doc.get("system")
    if not isinstance(sysm, dict):
        raise DataFormatError(path, "system", "missing or not a mapping (not a current-index file)")
    name = sysm.get("name")
    if name is None or str(name).strip() == "":
        return None
    org = doc.get("org")
    if org is not None and not isinstance(org, dict):
        raise DataFormatError(path, "org", "expected a mapping with 'name'")
    ratings: dict[str, str | None] = {}
    for p in parameters.names:
        entry = doc.get(p)
        if entry is None:
            ratings[p] = None
            continue
        if not isinstance(entry, dict):
            raise DataFormatError(path, p, "expected a mapping with 'class', 'link', 'notes'")
        c = entry.get("class")
        if c is None or (isinstance(c, str) and c.strip() == ""):
            ratings[p] = None
        elif isinstance(c, str) and c.strip().lower() in VALUES:
            ratings[p] = c.strip().lower()
        else:
            raise DataFormatError(path, f"{p}.class",
                                  f"{c!r} is not allowed: one of open, partial, closed or empty")
    raw_t = sysm.get("type")
    types = tuple(t.strip().lower() for t in str(raw_t or "").split(",") if t.strip())

    def s(key: str, d: dict | None = sysm) -> str:
        v = (d or {}).get(key)
        return "" if v is None else str(v).strip()

    return EOSAIModel(str(name).strip(), s("name", org), str(path), ratings, types, s("endmodellicense"),
                      s("basemodelname"), s("endmodelname"), s("releasedate"), s("performanceclass"),
                      _compute_comments(path), parameters)


def is_index_folder(p: Path) -> bool:
    """Whether folder ``p`` holds the current index (its ``_parameters.yml``)."""
    return p.is_dir() and (p / "_parameters.yml").is_file()


def index_dir(path: str | os.PathLike | None = None) -> Path:
    """The current index's folder: ``path`` itself, its ``eosai-index/``, or that of the data root."""
    p = data_root(path)
    if not p.exists():
        raise DataPathError(f"EOSAI index data path '{p}' does not exist")
    if p.is_dir() and (p / INDEX_DIR).is_dir():
        p = p / INDEX_DIR
    return p


def load_eosai_index(path: str | os.PathLike | None = None) -> LoadReport[EOSAIModel]:
    """Load every model file (``*.yaml``) of the current index under ``path``.

    ``path``: the index folder, a folder holding ``eosai-index/``, or one file; default
    ``$MOATLAB_DATA``, else the packaged snapshot. The folder's ``_parameters.yml`` gives the
    parameters (else :data:`CATEGORIES`). A malformed file is reported in ``errors`` (file, field,
    value, what is allowed) and skipped; the others load. The template is skipped on purpose.
    """
    from .eosai import _is_index

    p = index_dir(path)
    if p.exists() and not _is_index(p) and any(p.glob("*.yaml") if p.is_dir() else [p]):
        raise DataPathError(f"'{p}' holds the archived EOSAI format, not the current index "
                            "(read it with load_eosai(format='archive'))")
    folder = p if p.is_dir() else p.parent
    params = DEFAULT_PARAMETERS
    rep: LoadReport[EOSAIModel] = LoadReport()
    if (folder / "_parameters.yml").is_file():
        try:
            params = read_parameters(folder / "_parameters.yml")
        except DataFormatError as e:
            rep.errors.append(e.error)
    paths = [f for f in files(p, ["*.yaml", "*.yml"]) if not f.name.startswith("_")]
    if not paths:
        raise DataPathError(f"no EOSAI index model files (*.yaml) in '{p}'")
    for f in paths:
        try:
            m = read_model(f, params)
        except DataFormatError as e:
            rep.errors.append(e.error)
            continue
        if m is None:
            rep.skipped.append(LoadError(str(f), "system.name", "blank (a template), not a model"))
        else:
            rep.items.append(m)
    return rep


def eosai_index_scores(models) -> pd.DataFrame:
    """One row per model: the index's own score and ours, per category, each parameter's value."""
    rows = []
    for m in models:
        cats = list(m.parameters.categories)
        row = {"name": m.name, "organisation": m.organisation, "type": ",".join(m.types),
               "index_score": m.index_score(), "score": m.score()}
        for c in cats:
            row[f"index_{c}"] = m.index_score(c)
        for p in m.parameters.names:
            r = m.ratings.get(p)
            row[p] = VALUES[r] if r is not None else np.nan
        row["rated"] = len(m.applicable) - len(m.missing)
        row["missing"] = ",".join(m.missing)
        row["license"] = m.license_text
        rows.append(row)
    t = pd.DataFrame(rows)
    if t.empty:
        return pd.DataFrame(columns=["name", "organisation", "type", "index_score", "score", "rated",
                                     "missing"])
    t = t.sort_values(["index_score", "name"], ascending=[False, True], kind="stable")
    return t.reset_index(drop=True)
