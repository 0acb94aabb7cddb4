"""Claims and their robustness: each model's findings as data, and a check of where they hold.

>>> from moatlab.claims import all_claims, get
>>> get("P1").model
'game'
>>> "M1" in [c.name for c in all_claims()]
True

:func:`check_claim` / :func:`check_claims` sample a claim's plausible space and report the share
where it holds (with a 95 % interval), PRIM boxes where it fails, Sobol' indices of its margin and a verdict;
:func:`verdicts` reads the packaged results of the last full check (docs/claims.md).
"""

from __future__ import annotations

from typing import Any

from .registry import Axis, Claim, ClaimError, all_claims, get, names, register, uniform

__all__ = [
    "Axis",
    "Claim",
    "ClaimError",
    "ClaimResult",
    "all_claims",
    "check_claim",
    "check_claims",
    "get",
    "names",
    "register",
    "uniform",
    "verdicts",
    "wilson",
]


def __getattr__(name: str) -> Any:  # lazy: the check pulls in xarray, SALib, the EMA Workbench
    if name in ("check_claim", "check_claims", "ClaimResult", "verdicts", "wilson"):
        from . import check as _check

        return getattr(_check, name)
    raise AttributeError(f"module 'moatlab.claims' has no attribute {name!r}")
