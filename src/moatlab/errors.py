"""One error hierarchy for every layer of moatlab.

Models, loaders and runners raise these; each interface (the CLI, the explorer) maps them to a
message in exactly one place. ``str(error)`` is always one line that names the parameter, file
or option, the value, and what is allowed.

=====================  ===========================================================  =========
class                  raised when                                                  CLI exit
=====================  ===========================================================  =========
``MoatlabError``       base class of everything below                               2
``ParameterError``     a value is outside what a model allows                       2
``InputFileError``     a file or folder the user named is missing or unreadable     2
``DataFormatError``    a data or scenario file is malformed                         2
``ScenarioError``      a scenario or specification is invalid                       2
``LimitError``         a request exceeds a documented work or size budget           2
``MissingExtraError``  a command needs an optional extra that is not installed      2
``SolverError``        a solver could not solve a well-posed subproblem             1
=====================  ===========================================================  =========

All but :class:`SolverError` also derive from :class:`ValueError` (and
:class:`InputFileError` from :class:`FileNotFoundError`), so code written against the built-in
exceptions keeps working.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "DataFormatError",
    "InputFileError",
    "LimitError",
    "MissingExtraError",
    "MoatlabError",
    "ParameterError",
    "ScenarioError",
    "SolverError",
    "fmt_value",
    "require_extra",
]

#: Longest echo of a user value inside an error line; longer values are shortened with "…".
MAX_ECHO = 80


class MoatlabError(Exception):
    """Base class of every error moatlab raises on purpose. ``exit_code`` is the CLI's."""

    exit_code = 2


class ParameterError(MoatlabError, ValueError):
    """A user-supplied value is outside what the model allows.

    The message is always one line: ``<name> = <value> is not allowed: must be <allowed>``.
    """

    def __init__(self, name: str, value: Any, allowed: str):
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"{name} = {fmt_value(value)} is not allowed: must be {allowed}")

    def __reduce__(self):  # picklable, so that an error in a worker process reaches the caller intact
        return (type(self), (self.name, self.value, self.allowed))


class InputFileError(MoatlabError, FileNotFoundError):
    """A file or folder named by the user is missing, is the wrong kind, or cannot be read."""


class DataFormatError(MoatlabError, ValueError):
    """A data file is malformed. ``str()`` is one line naming the file, the place and the problem."""

    def __init__(self, path: Any, where: str, problem: str):
        from .measures._io import LoadError  # the record type the data loaders report

        self.error = LoadError(str(path), where, problem)
        self._args = (path, where, problem)
        super().__init__(str(self.error))

    def __reduce__(self):
        return (type(self), self._args)


class ScenarioError(MoatlabError, ValueError):
    """A scenario or specification is invalid: one line naming the file, the field and the problem."""


class LimitError(MoatlabError, ValueError):
    """A request exceeds a documented budget (points, memory, draws): names the option and the limit."""


class MissingExtraError(MoatlabError, ImportError):
    """A feature needs an optional dependency: names the extra to install."""

    def __init__(self, extra: str, feature: str, module: str | None = None):
        self.extra = extra
        self.feature = feature
        what = f" ({module} is not installed)" if module else ""
        super().__init__(
            f"{feature} needs the optional extra [{extra}]{what}: pip install 'moatlab[{extra}]'")


class SolverError(MoatlabError, RuntimeError):
    """A solver could not solve a subproblem (e.g. D's problem is unbounded)."""

    exit_code = 1


def require_extra(module: str, extra: str, feature: str) -> None:
    """Raise :class:`MissingExtraError` unless ``module`` can be imported (it is not imported)."""
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise MissingExtraError(extra, feature, module)


def fmt_value(value: Any) -> str:
    """Format a user value for an error line: numbers with %g, strings quoted, long echoes cut."""
    import numpy as np  # loaded by then (errors come from validated values); not at import

    if isinstance(value, float | np.floating):
        text = "nan" if math.isnan(value) else f"{float(value):g}"
    elif isinstance(value, str):
        text = repr(value if len(value) <= MAX_ECHO else value[:MAX_ECHO] + "…")
    else:
        text = str(value)
    if len(text) > MAX_ECHO + 2:
        text = text[:MAX_ECHO] + "…"
    return " ".join(text.split())  # one line, whatever the value held
