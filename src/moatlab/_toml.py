"""One safe TOML reader for every scenario and specification file moatlab reads.

Whatever is wrong with the file (missing, a folder, unreadable, too large, not UTF-8, malformed,
nested absurdly deep), the caller gets one exception whose message is one line naming the file:
never a ``UnicodeDecodeError``, ``RecursionError`` or ``IsADirectoryError`` traceback.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ScenarioError

__all__ = ["MAX_TOML_BYTES", "MAX_TOML_DEPTH", "load_toml", "loads_toml"]

#: Largest scenario/specification file read, in bytes (real ones are a few KB).
MAX_TOML_BYTES = 1024 * 1024
#: Deepest nesting of tables and arrays accepted (real files nest at most 3 deep).
MAX_TOML_DEPTH = 32

ErrorFactory = Callable[[str], Exception]


def load_toml(
    path: str | os.PathLike,
    what: str = "TOML file",
    *,
    error: ErrorFactory = ScenarioError,
    missing: str = "",
) -> dict[str, Any]:
    """Read and parse the TOML file ``path``; any problem raises ``error(<one line naming the file>)``.

    ``what`` names the kind of file in messages ("scenario file", "sweep specification");
    ``missing`` is appended to the message for a file that does not exist (e.g. the packaged
    names that could have been meant).
    """
    name = str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_TOML_BYTES + 1)
    except FileNotFoundError:
        raise error(f"{name}: no such file{missing}") from None
    except IsADirectoryError:
        raise error(f"{name}: is a folder, not a {what}") from None
    except OSError as e:
        raise error(f"{name}: cannot be read ({e.strerror or type(e).__name__})") from None
    if Path(path).is_dir():  # pragma: no cover - platforms where open() accepts a folder
        raise error(f"{name}: is a folder, not a {what}")
    return loads_toml(raw, name, what, error=error)


def loads_toml(
    raw: bytes | str, name: str, what: str = "TOML file", *, error: ErrorFactory = ScenarioError
) -> dict[str, Any]:
    """Parse TOML ``raw`` read from ``name``; problems raise ``error`` with one line naming ``name``."""
    if len(raw) > MAX_TOML_BYTES:
        raise error(f"{name}: larger than {MAX_TOML_BYTES // 1024} KB: not a {what}")
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise error(f"{name}: byte {e.start}: not UTF-8 text, not a {what}") from None
    else:
        text = raw
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise error(f"{name}: malformed TOML ({' '.join(str(e).split())})") from None
    except RecursionError:
        raise error(f"{name}: nested more than {MAX_TOML_DEPTH} levels deep") from None
    _check_depth(doc, name, error)
    return doc


def _check_depth(doc: Any, name: str, error: ErrorFactory) -> None:
    """Refuse deeply nested documents (iteratively: the check itself cannot overflow the stack)."""
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TOML_DEPTH:
            raise error(f"{name}: nested more than {MAX_TOML_DEPTH} levels deep")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
