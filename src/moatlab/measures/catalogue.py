"""All three data sets together: one table of real models, their scores and verdicts, and the
bridge to the openness game (which models a threshold θ would exempt).

A model is exempt at threshold θ when its score is at least θ: the count of exempt models is a
non-increasing step function of θ. Scores of different data sets measure different things
(EOSAI: openness of a release; MOF: share of required components under open licences; FMTI:
transparency of a developer), so the bridge always keeps the data set beside the score.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .._validate import ParameterError
from ._io import DataPathError, LoadError, LoadReport, data_dir
from .definitions import DEFINITIONS, FMTIDeveloper, check, dataset_of, get_definition, score_of
from .eosai import EOSAIProject, load_eosai_archive
from .eosai_index import EOSAIModel, load_eosai_index
from .fmti import FMTIRelease, fmti_scores, load_fmti
from .mof import LicenseLists, MOFResult, license_lists, load_mof


@dataclass
class Catalogue:
    """Profiles read from the data sets (any may be absent) and the MOF licence lists.

    ``eosai`` holds the current EOSAI index, ``eosai_archive`` the archived format.
    """

    eosai: list[EOSAIModel] = field(default_factory=list)
    eosai_archive: list[EOSAIProject] = field(default_factory=list)
    mof: list[MOFResult] = field(default_factory=list)
    fmti: list[FMTIRelease] = field(default_factory=list)
    lists: LicenseLists | None = None
    errors: list[LoadError] = field(default_factory=list)

    def fmti_developers(self, version: str | None = "latest") -> list[FMTIDeveloper]:
        """FMTI profiles of one release (``'latest'``, a version such as ``'2023-10'``) or all (None)."""
        rel = self.fmti
        if version == "latest" and rel:
            rel = [max(rel, key=lambda r: r.version)]
        elif version is not None:
            rel = [r for r in rel if r.version == version]
        s = fmti_scores(rel) if rel else pd.DataFrame(columns=["developer", "version", "satisfied", "scored"])
        return [FMTIDeveloper(r.developer, r.version, int(r.satisfied), int(r.scored))
                for r in s.itertuples()]

    def profiles(self, datasets: Sequence[str] = ("eosai", "mof", "fmti"),
                 fmti_version: str | None = "latest") -> list:
        """The profiles of ``datasets`` ('eosai', 'eosai-archive', 'mof', 'fmti'), in that order."""
        out: list = []
        if "eosai" in datasets:
            out += self.eosai
        if "eosai-archive" in datasets:
            out += self.eosai_archive
        if "mof" in datasets:
            out += self.mof
        if "fmti" in datasets:
            out += self.fmti_developers(fmti_version)
        return out


def load_catalogue(path: str | os.PathLike | None = None,
                   datasets: Sequence[str] = ("eosai", "eosai-archive", "mof", "fmti")) -> Catalogue:
    """Load the data sets found under ``path`` (the folder holding eosai-index/, eosai/, mof/, fmti/).

    ``path`` defaults to ``$MOATLAB_DATA``, else the packaged snapshot. A data set whose folder is
    absent is left empty; each malformed file is reported in ``errors`` (file, field, value, what
    is allowed) and skipped, the other files still load.
    """
    known = ("eosai", "eosai-archive", "mof", "fmti")
    for d in datasets:
        if d not in known:
            raise ParameterError("datasets", d, "any of " + ", ".join(known))
    only = _single(path)
    if only is not None:
        datasets = [d for d in datasets if d == only]
    cat = Catalogue()
    found = False
    for name, loader in (("eosai", load_eosai_index), ("eosai-archive", load_eosai_archive),
                         ("mof", load_mof), ("fmti", load_fmti)):
        if name not in datasets:
            continue
        try:
            rep: LoadReport = loader(path)
        except DataPathError:
            continue
        found = True
        setattr(cat, name.replace("-", "_"), rep.items)
        cat.errors += rep.errors
        if name == "mof":
            cat.lists = license_lists(data_dir("mof", path) / "licenses")
    if not found:
        raise DataPathError(f"none of the data sets {', '.join(datasets)} found under '{path}'")
    return cat


def _single(path) -> str | None:
    """The one data set a folder holds when it is a data set's own folder (not a root), else None."""
    from .eosai_index import INDEX_DIR, is_index_folder

    if path is None:
        return None
    p = Path(path).expanduser()
    if not p.is_dir() or any((p / n).is_dir() for n in ("fmti", "mof", "eosai", INDEX_DIR)):
        return None
    if is_index_folder(p) or p.name == INDEX_DIR:
        return "eosai"
    if p.name in ("eosai", "projects") or (p / "projects").is_dir():
        return "eosai-archive"
    if p.name in ("mof", "models") or (p / "models").is_dir():
        return "mof"
    if p.name == "fmti" or any(p.glob("*.csv")):
        return "fmti"
    return None


def openness_table(profiles: Sequence, definitions: Sequence[str] = tuple(DEFINITIONS),
                   lists: LicenseLists | None = None, compute=None) -> pd.DataFrame:
    """One row per model: data set, organisation, score, and the answer of each definition."""
    rows = []
    for it in profiles:
        ds = dataset_of(it)
        org = getattr(it, {"eosai": "organisation", "eosai-archive": "organisation", "mof": "producer",
                           "fmti": "developer"}[ds])
        rows.append({"model": it.name, "dataset": ds, "organisation": org, "score": score_of(it)})
    t = pd.DataFrame(rows, columns=["model", "dataset", "organisation", "score"])
    for d in definitions:
        t[get_definition(d).name] = (check(d, profiles, lists, compute=compute)["answer"].to_numpy()
                                     if len(t) else [])
    return t


def exemptions(table: pd.DataFrame, theta: np.ndarray | Sequence[float] | None = None) -> xr.Dataset:
    """Models exempt at each threshold θ, per data set.

    Returns
    -------
    xarray.Dataset
        dims ``(theta, dataset)``: ``exempt`` (count with score >= θ), ``share`` (of scored
        models), ``scored``.
    """
    theta = np.linspace(0.0, 1.0, 101) if theta is None else np.asarray(theta, dtype=float)
    names = sorted(table["dataset"].unique())
    cnt = np.zeros((theta.size, len(names)), dtype=int)
    scored = np.zeros(len(names), dtype=int)
    for j, n in enumerate(names):
        s = np.sort(table.loc[table["dataset"] == n, "score"].dropna().to_numpy())
        scored[j] = s.size
        cnt[:, j] = s.size - np.searchsorted(s, theta, side="left")
    share = cnt / np.where(scored > 0, scored, 1)
    ds = xr.Dataset(
        {"exempt": (("theta", "dataset"), cnt, {"description": "models with score >= θ"}),
         "share": (("theta", "dataset"), share, {"description": "share of scored models with score >= θ"}),
         "scored": (("dataset",), scored, {"description": "models with a score"})},
        coords={"theta": ("theta", theta, {"description": "exemption threshold θ"}), "dataset": names})
    return ds


def exempt_at(table: pd.DataFrame, theta: float) -> pd.DataFrame:
    """The models a threshold θ would exempt (score >= θ), best first."""
    return (table[table["score"] >= theta].sort_values(["dataset", "score"], ascending=[True, False])
            .reset_index(drop=True))
