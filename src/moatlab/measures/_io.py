"""Loading helpers shared by the data sets: located errors, reports, YAML with line numbers."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from ..errors import DataFormatError, InputFileError

T = TypeVar("T")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~5x faster

DATA_ENV = "MOATLAB_DATA"
#: The pinned snapshot shipped with moatlab (see ``data/SNAPSHOT.md``): used when no path is given
#: and ``MOATLAB_DATA`` is unset.
PACKAGED_DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class LoadError:
    """A file that could not be read: which file, where in it, and what is wrong."""

    path: str
    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.where}: {self.problem}" if self.where else f"{self.path}: {self.problem}"


@dataclass
class LoadReport(Generic[T]):
    """What a loader read: the items, the files that failed, and files skipped on purpose."""

    items: list[T] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    skipped: list[LoadError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class DataPathError(InputFileError):
    """The data folder or file does not exist or holds nothing this loader reads."""


def data_root(path: str | os.PathLike | None = None) -> Path:
    """The data folder to read: ``path`` if given, else ``$MOATLAB_DATA``, else the packaged snapshot."""
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser() if env else PACKAGED_DATA


def data_dir(name: str, path: str | os.PathLike | None = None) -> Path:
    """Resolve the folder of data set ``name`` ('fmti', 'mof', 'eosai').

    ``path`` may be that folder itself or a folder containing it; without ``path`` the
    environment variable ``MOATLAB_DATA`` names the parent folder, and without it the snapshot
    packaged with moatlab (:data:`PACKAGED_DATA`) is read. moatlab never downloads data.
    """
    path = data_root(path)
    p = Path(path).expanduser()
    if not p.exists():
        raise DataPathError(f"{name} data path '{p}' does not exist")
    if p.is_dir() and (p / name).is_dir() and p.name != name:
        p = p / name
    return p


def files(path: Path, patterns: Iterable[str]) -> list[Path]:
    """The files under ``path`` (a file, or a folder searched non-recursively) matching patterns."""
    if path.is_file():
        return [path]
    out: list[Path] = []
    for pat in patterns:
        out.extend(sorted(path.glob(pat)))
    return out


#: Largest YAML data file read, in bytes (the largest MOF/EOSAI file is ~5 KB).
MAX_YAML_BYTES = 2 * 1024 * 1024
#: Deepest nesting of mappings and sequences accepted (the data sets nest at most 4 deep).
MAX_YAML_DEPTH = 64


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _check_events(path: Path, text: str) -> None:
    """Refuse anchors/aliases and deep nesting from the event stream, before anything is built.

    Aliases are what make a "billion laughs" file blow up once expanded; the data sets use
    none, so any anchor or alias is refused outright (the scan itself never expands one).
    """
    depth = 0
    for ev in yaml.parse(text, Loader=_Loader):
        if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None) is not None:
            raise DataFormatError(
                path, _where(ev.start_mark), "YAML anchors and aliases (&name, *name) are not allowed"
            )
        if isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise DataFormatError(
                    path, _where(ev.start_mark), f"nested more than {MAX_YAML_DEPTH} levels deep"
                )
        elif isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def read_yaml(path: Path) -> Any:
    """Parse a YAML data file safely; every problem becomes a :class:`DataFormatError` with its place.

    Only plain data is built (no ``!!python/...`` tags); files over :data:`MAX_YAML_BYTES`,
    nested deeper than :data:`MAX_YAML_DEPTH`, or using anchors/aliases are refused.
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_YAML_BYTES + 1)
    except OSError as e:
        raise DataFormatError(path, "", e.strerror or str(e)) from None
    if len(raw) > MAX_YAML_BYTES:
        raise DataFormatError(path, "", f"larger than {MAX_YAML_BYTES // (1024 * 1024)} MB: not a data file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataFormatError(path, f"byte {e.start}", "not UTF-8 text") from None
    try:
        _check_events(path, text)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = " ".join(str(x) for x in (e.context, e.problem) if x) or "malformed YAML"
        raise DataFormatError(path, _where(mark), f"malformed YAML ({problem})") from None
    except yaml.YAMLError as e:
        raise DataFormatError(path, "", f"malformed YAML ({e})") from None
    except RecursionError:
        raise DataFormatError(path, "", f"nested more than {MAX_YAML_DEPTH} levels deep") from None


def csv_rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` of a small curated CSV table, each field stripped; the header must hold
    ``columns``. An unreadable file, one that is not UTF-8, a malformed CSV or a missing column
    raises :class:`DataFormatError` naming the file (and the line)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rd = csv.DictReader(fh)
            missing = [c for c in columns if c not in (rd.fieldnames or [])]
            if missing:
                raise DataFormatError(path, "header", f"columns {', '.join(missing)} missing: allowed is a "
                                      f"CSV with columns {', '.join(columns)}")
            for i, r in enumerate(rd, start=2):
                yield i, {c: str(r[c] or "").strip() for c in columns}
    except (OSError, UnicodeDecodeError) as e:
        raise DataFormatError(path, "", f"not a readable UTF-8 CSV file ({e})") from None
    except csv.Error as e:
        raise DataFormatError(path, "", f"malformed CSV ({e})") from None
