"""A module that loads on first use, so that ``moatlab --help`` does not import numpy."""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands in for a module; the first attribute read imports it (later reads are plain lookups)."""

    def __init__(self, name: str) -> None:
        self._lazy_name = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr == "_lazy_name":  # copy/pickle probes, or before __init__
            raise AttributeError(attr)
        return getattr(importlib.import_module(self._lazy_name), attr)

    def __reduce__(self) -> tuple:
        return (LazyModule, (self._lazy_name,))

    def __repr__(self) -> str:
        return f"<lazy module {self._lazy_name!r}>"


numpy = LazyModule("numpy")
