"""The Model Openness Framework (MOF, LF AI & Data): classify a release by its components' licences.

Rules, as the MOF tool applies them (see ``docs/measures.md`` for the full statement):

* 17 components of three content types; cumulative classes III ⊂ II ⊂ I of 6, 10 and 14
  required components, plus one optional component per class that never counts.
* A component's licence: its own non-empty ``license``; present-but-empty or ``unlicensed`` means
  unlicensed; absent or null falls back to ``release.license.<type>.name``, then to
  ``release.license.distribution.name``, else unlicensed.
* Open: OSI-approved or FSF-libre in the licence lists (later entries replace earlier ones with
  the same id), one of the MOF tool's fixed list of open-data licences (:data:`OPEN_DATA`), or
  ``OpenMDW-1.0``. Matching is exact.
* Research-paper substitution: a Technical report that is not included is replaced, in Classes II
  and III, by a listed Research paper with its Class I status.
* Progress (%)::

      P3 = min(100, 100·inc3/6)
      P2 = 0 if inc3 < 6 else min(100, 100·inc2/10)
      P1 = 0 if inc3 < 6 or inc2 < 10 else min(100, 100·inc1/T),  T = 13 if RP replaces TR else 14

  and the class is the lowest k with P_k = 100 (1 is the most open), else 0 (Unclassified).
* Continuous score used by ``threshold(θ)``: ``mof_share = inc1 / T`` (no gating), in [0, 1].
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from ._io import DataFormatError, DataPathError, LoadReport, data_dir, data_root, files, read_yaml


@dataclass(frozen=True)
class ComponentSpec:
    name: str
    type: str  # code | data | document
    mof_class: int  # the class that first requires (or optionally lists) it
    optional: bool = False


COMPONENTS: tuple[ComponentSpec, ...] = (
    ComponentSpec("Model architecture", "code", 3),
    ComponentSpec("Model parameters (Final)", "data", 3),
    ComponentSpec("Evaluation results", "document", 3),
    ComponentSpec("Model card", "document", 3),
    ComponentSpec("Data card", "document", 3),
    ComponentSpec("Technical report", "document", 3),
    ComponentSpec("Sample model outputs", "document", 3, optional=True),
    ComponentSpec("Training code", "code", 2),
    ComponentSpec("Inference code", "code", 2),
    ComponentSpec("Evaluation code", "code", 2),
    ComponentSpec("Evaluation data", "data", 2),
    ComponentSpec("Supporting libraries and tools", "code", 2, optional=True),
    ComponentSpec("Datasets", "data", 1),
    ComponentSpec("Data preprocessing code", "code", 1),
    ComponentSpec("Model parameters (Intermediate)", "data", 1),
    ComponentSpec("Research paper", "document", 1),
    ComponentSpec("Model metadata", "data", 1, optional=True),
)
SPEC = {c.name: c for c in COMPONENTS}
TR, RP = "Technical report", "Research paper"
REQUIRED = {k: tuple(c.name for c in COMPONENTS if c.mof_class >= k and not c.optional) for k in (3, 2, 1)}
LABELS = {0: "Unclassified", 1: "Class I - Open Science Model", 2: "Class II - Open Tooling Model",
          3: "Class III - Open Model"}
STATUSES = ("included", "invalid", "unlicensed", "missing")
#: The open-data licences the MOF tool accepts besides OSI-approved and FSF-libre ones: its fixed
#: list (``OPEN_DATA_LICENSES`` in lfai/model_openness_tool,
#: ``Test_Data/Test_Scripts/update_license_yml_files.py``).
#: Exact ids, no patterns: e.g. ``OGL-UK-1.0``, ``CC-BY-SA-3.0-DE``, ``CDLA-Sharing-2.0`` are not on it.
OPEN_DATA: frozenset[str] = frozenset({
    "CC0-1.0", "CC-BY-1.0", "CC-BY-2.0", "CC-BY-2.5", "CC-BY-2.5-AU", "CC-BY-3.0", "CC-BY-3.0-AT",
    "CC-BY-3.0-AU", "CC-BY-3.0-DE", "CC-BY-3.0-IGO", "CC-BY-3.0-NL", "CC-BY-3.0-US", "CC-BY-4.0",
    "CC-BY-SA-1.0", "CC-BY-SA-2.0", "CC-BY-SA-2.0-UK", "CC-BY-SA-2.1-JP", "CC-BY-SA-2.5", "CC-BY-SA-3.0",
    "CC-BY-SA-3.0-AT", "CC-BY-SA-4.0", "CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "CDLA-Sharing-1.0",
    "ODC-PDDL-1.0", "ODC-By-1.0", "ODbL-1.0", "GFDL-1.3", "OGL-Canada-2.0", "OGL-UK-2.0", "OGL-UK-3.0",
})


@dataclass(frozen=True)
class ComponentStatus:
    """A component as classified: its licence as resolved and its status.

    ``status`` is ``included`` (listed, open licence), ``invalid`` (listed, licence not open or not
    recognised), ``unlicensed`` (listed without a licence) or ``missing`` (not listed).
    ``license_source`` says where the licence came from: component, release.<type>, distribution.
    """

    name: str
    type: str
    license: str | None
    status: str
    optional: bool
    license_source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "license": self.license, "status": self.status}


@dataclass(frozen=True)
class MOFResult:
    """The classification of one MOF file."""

    name: str
    mof_class: int
    progress: dict[str, float]
    components: tuple[ComponentStatus, ...]
    source: str = ""
    producer: str = ""
    share: float = 0.0
    substituted: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return LABELS[self.mof_class]

    def component(self, name: str) -> ComponentStatus:
        return next(c for c in self.components if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``moatlab measures classify --json``."""
        return {"name": self.name, "class": self.mof_class, "label": self.label,
                "progress": dict(self.progress), "components": [c.to_dict() for c in self.components]}


@dataclass(frozen=True)
class LicenseLists:
    """Licence ids → entries from the MOF licence lists (``licenses.json``, then ``mof-licenses.json``)."""

    entries: dict[str, dict[str, Any]]

    def is_open(self, license_id: str) -> bool:
        e = self.entries.get(license_id)
        if e is not None and (e.get("isOsiApproved") is True or e.get("isFsfLibre") is True):
            return True
        return license_id in OPEN_DATA or license_id == "OpenMDW-1.0"

    def content_types(self, license_id: str) -> tuple[str, ...]:
        """The content types the MOF list declares for a licence (empty: not declared)."""
        e = self.entries.get(license_id) or {}
        ct = e.get("ContentType") or ()
        return (ct,) if isinstance(ct, str) else tuple(ct)


def _find(start: Path, rel: str) -> Path | None:
    for base in (start, *start.parents[:3]):
        if (base / rel).exists():
            return base / rel
    return None


@lru_cache(maxsize=8)
def _read_lists(folder: str) -> LicenseLists:
    entries: dict[str, dict[str, Any]] = {}
    for fname in ("licenses.json", "mof-licenses.json"):
        f = Path(folder) / fname
        if not f.exists():
            raise DataPathError(f"MOF licence list '{f}' does not exist")
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
            items = doc["licenses"] if isinstance(doc, dict) else doc
            for e in items:
                entries[e["licenseId"]] = e
        except (ValueError, KeyError, TypeError) as e:
            raise DataFormatError(f, "licenses", f"not a licence list ({e})") from None
    return LicenseLists(entries)


def license_lists(path: str | os.PathLike | None = None) -> LicenseLists:
    """The merged licence lists in folder ``path`` (the MOF data's ``licenses/``).

    Without ``path``: those of ``$MOATLAB_DATA``, else of the packaged snapshot.
    """
    if path is None:
        path = data_dir("mof") / "licenses"
    return _read_lists(str(Path(path).resolve()))


@lru_cache(maxsize=8)
def _read_schema(path: str):
    import jsonschema

    try:  # a damaged schema is one line naming it, not a traceback
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except (OSError, ValueError, RecursionError, AttributeError, TypeError, jsonschema.SchemaError) as e:
        raise DataFormatError(path, "", f"not a JSON schema ({' '.join(str(e).split())[:100]})") from None
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _stringify_dates(x: Any) -> Any:
    if isinstance(x, _dt.date | _dt.datetime):
        return x.isoformat()
    if isinstance(x, dict):
        return {k: _stringify_dates(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_stringify_dates(v) for v in x]
    return x


def validate(doc: Any, path: str | os.PathLike, schema: str | os.PathLike) -> None:
    """Validate a parsed MOF file against the schema; raise :class:`DataFormatError` naming the field."""
    v = _read_schema(str(Path(schema).resolve()))
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path).lstrip(".")
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DataFormatError(path, where or "top level", e.message + more)


def _global(lic: Any, key: str) -> str | None:
    if isinstance(lic, dict) and isinstance(lic.get(key), dict):
        name = lic[key].get("name")
        if isinstance(name, str) and name.strip():
            return name
    return None


def resolve_license(comp: dict[str, Any], ctype: str, release_license: Any) -> tuple[str | None, str | None]:
    """(licence, where it came from) for one listed component; (None, …) means unlicensed."""
    if "license" in comp and comp["license"] is not None:
        val = str(comp["license"])
        if val == "" or val == "unlicensed":
            return None, "component"
        return val, "component"
    g = _global(release_license, ctype)
    if g is not None:
        return (None, f"release.{ctype}") if g == "unlicensed" else (g, f"release.{ctype}")
    g = _global(release_license, "distribution")
    if g is not None:
        return (None, "distribution") if g == "unlicensed" else (g, "distribution")
    return None, None


def classify(doc: dict[str, Any], lists: LicenseLists, *, source: str = "") -> MOFResult:
    """Classify a parsed (and validated) MOF document.

    Examples
    --------
    >>> lists = license_lists(DATA / "mof" / "licenses")
    >>> doc = {"release": {"name": "tiny", "license": {"distribution": {"name": "Apache-2.0"}},
    ...        "components": [{"name": n} for n in REQUIRED[3]]}}
    >>> r = classify(doc, lists)
    >>> r.mof_class, r.label, r.progress["3"], r.progress["2"]
    (3, 'Class III - Open Model', 100.0, 60.0)
    """
    rel = doc.get("release") or {}
    rl = rel.get("license")
    warnings: list[str] = []
    listed: dict[str, dict[str, Any]] = {}
    for c in rel.get("components") or []:
        n = c.get("name") if isinstance(c, dict) else None
        if n in SPEC:
            listed[n] = c  # the last one wins
        else:
            warnings.append(f"component {n!r} is not one of the 17 MOF components; ignored")
    status: dict[str, ComponentStatus] = {}
    for spec in COMPONENTS:
        if spec.name not in listed:
            status[spec.name] = ComponentStatus(spec.name, spec.type, None, "missing", spec.optional)
            continue
        lic, where = resolve_license(listed[spec.name], spec.type, rl)
        if lic is None:
            st = "unlicensed"
        else:
            st = "included" if lists.is_open(lic) else "invalid"
            ct = lists.content_types(lic)
            if ct and spec.type not in ct:
                warnings.append(f"{spec.name}: licence {lic} is meant for {' or '.join(ct)}, "
                                f"the component is {spec.type}")
        status[spec.name] = ComponentStatus(spec.name, spec.type, lic, st, spec.optional, where)

    inc = {n: status[n].status == "included" for n in status}
    substituted = not inc[TR] and RP in listed
    lists_k = {k: list(REQUIRED[k]) for k in (3, 2)}
    if substituted:
        for k in (3, 2):
            lists_k[k] = [RP if n == TR else n for n in lists_k[k]]
    inc3 = sum(inc[n] for n in lists_k[3])
    inc2 = sum(inc[n] for n in lists_k[2])
    inc1 = sum(inc[n] for n in REQUIRED[1])
    total1 = 13 if (inc[RP] and not inc[TR]) else 14
    p3 = min(100.0, inc3 / 6 * 100)
    p2 = 0.0 if inc3 < 6 else min(100.0, inc2 / 10 * 100)
    p1 = 0.0 if (inc3 < 6 or inc2 < 10) else min(100.0, inc1 / total1 * 100)
    progress = {"1": p1, "2": p2, "3": p3}
    klass = next((k for k in (1, 2, 3) if progress[str(k)] == 100.0), 0)
    return MOFResult(
        name=str(rel.get("name") or ""), mof_class=klass, progress=progress,
        components=tuple(status[c.name] for c in COMPONENTS), source=source,
        producer=str(rel.get("producer") or ""), share=min(1.0, inc1 / total1),
        substituted=substituted, warnings=tuple(warnings))


def _locate(kind: str, start: Path, given: str | os.PathLike | None, rel: str) -> Path:
    if given is not None:
        p = Path(given)
        if not p.exists():
            raise DataPathError(f"MOF {kind} '{p}' does not exist")
        if kind == "licence lists" and not p.is_dir():
            raise DataPathError(f"MOF licence lists '{p}' is a file, not the folder holding licenses.json "
                                "and mof-licenses.json")
        return p
    found = _find(start if start.is_dir() else start.parent, rel)
    if found is None:  # not beside the data: $MOATLAB_DATA's, else the packaged snapshot's
        root = data_root()
        found = (root / "mof" if (root / "mof").is_dir() else root) / rel
    if not found.exists():
        opt = "--schema / schema=" if kind == "schema" else "--licenses / licenses="
        raise DataPathError(f"MOF {kind} not found near '{start}' nor at '{found}'; give it with {opt}")
    return found


def classify_file(path: str | os.PathLike, *, licenses: str | os.PathLike | None = None,
                  schema: str | os.PathLike | None = None) -> MOFResult:
    """Read, validate and classify one MOF YAML file.

    The licence lists and the schema are looked up beside the file (``../licenses``,
    ``../schema/mof_schema.json``) unless given; failing that, in ``$MOATLAB_DATA/mof``, else
    in the snapshot packaged with moatlab, so a file anywhere can be classified.
    """
    path = Path(path)
    if path.is_dir():
        raise DataPathError(f"MOF file '{path}' is a folder, not a model file (.yml): "
                            "use measures mof for a folder")
    if not path.is_file():
        raise DataPathError(f"MOF file '{path}' does not exist")
    lists = license_lists(_locate("licence lists", path, licenses, "licenses"))
    schema_p = _locate("schema", path, schema, "schema/mof_schema.json")
    doc = _stringify_dates(read_yaml(path))
    validate(doc, path, schema_p)
    return classify(doc, lists, source=str(path))


def load_mof(path: str | os.PathLike | None = None, *, licenses: str | os.PathLike | None = None,
             schema: str | os.PathLike | None = None) -> LoadReport[MOFResult]:
    """Classify every ``*.yml``/``*.yaml`` under ``path`` (the MOF data set, its ``models/``, or one file)."""
    p = data_dir("mof", path)
    if p.is_dir() and (p / "models").is_dir():
        p = p / "models"
    eosai_like = (p / "_parameters.yml").is_file() or (p / "projects").is_dir() or p.name == "projects"
    if p.is_dir() and eosai_like:
        raise DataPathError(f"'{p}' holds EOSAI data, not MOF model files")
    paths = files(p, ["*.yml", "*.yaml"])
    if not paths:
        raise DataPathError(f"no MOF model files (*.yml) in '{p}'")
    lists = license_lists(_locate("licence lists", p, licenses, "licenses"))
    schema_p = _locate("schema", p, schema, "schema/mof_schema.json")
    _read_schema(str(Path(schema_p).resolve()))  # a damaged schema is one error, not one per file
    rep: LoadReport[MOFResult] = LoadReport()
    for f in paths:
        try:
            doc = _stringify_dates(read_yaml(f))
            validate(doc, f, schema_p)
            rep.items.append(classify(doc, lists, source=str(f)))
        except DataFormatError as e:
            rep.errors.append(e.error)
    return rep


def mof_table(results) -> pd.DataFrame:
    """One row per model: class, label, progress per class, share, status of each component."""
    rows = []
    for r in results:
        row = {"name": r.name, "producer": r.producer, "class": r.mof_class, "label": r.label,
               "progress_3": r.progress["3"], "progress_2": r.progress["2"], "progress_1": r.progress["1"],
               "share": r.share}
        row.update({c.name: c.status for c in r.components})
        rows.append(row)
    cols = ["name", "producer", "class", "label", "progress_3", "progress_2", "progress_1", "share",
            *SPEC]
    t = pd.DataFrame(rows, columns=cols)
    order = t["class"].replace(0, 4)
    return (t.assign(_o=order).sort_values(["_o", "share", "name"], ascending=[True, False, True],
                                           kind="stable").drop(columns="_o").reset_index(drop=True))
