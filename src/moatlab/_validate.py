"""Input checks at the door: one clear line naming the parameter, the value and what is allowed."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .errors import ParameterError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ParameterError", "check_range"]


def _fmt(value: Any) -> str:
    import numpy as np

    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return repr(value) if isinstance(value, str) else str(value)


def check_range(
    name: str,
    value: Any,
    lo: float = -math.inf,
    hi: float = math.inf,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
) -> np.ndarray:
    """Return ``value`` as a float array, raising :class:`ParameterError` on the first bad element."""
    import numpy as np  # loaded on first use: ``moatlab --help`` does not need it

    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a number") from None
    lb = "(" if lo_open else "["
    rb = ")" if hi_open else "]"
    allowed = f"in {lb}{_bound(lo)}, {_bound(hi)}{rb}"
    ok = np.isfinite(arr)
    ok &= (arr > lo) if lo_open else (arr >= lo)
    ok &= (arr < hi) if hi_open else (arr <= hi)
    if not ok.all():
        bad = arr[~ok].flat[0] if arr.ndim else arr.item()
        raise ParameterError(name, bad, allowed)
    return arr


def _bound(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ParameterError(name, value, "one of " + ", ".join(choices))
    return value
