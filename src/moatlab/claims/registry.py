"""The registry of claims: each finding of a model as data, written down before any run.

A :class:`Claim` names its model, says what it states in words and where it comes from, gives a
*plausible parameter space* (each parameter with a one-line reason) and decides, at a batch of
points of that space, whether the claim holds there:

    holds(x) ∈ {0, 1}    the claim's own test at point x (its threshold fixed here)
    margin(x) ∈ ℝ        a continuous distance to failing (e.g. HHI − 2,500), for sensitivity

A stochastic claim decides at each point from an ensemble of ``ensemble`` seeded runs with the
confidence-interval rule stated in ``rule``; point ``i`` of a check with seed ``s`` is given
``SeedSequence(s, spawn_key=(2, i))``, so a point's decision does not depend on how a check is
chunked or distributed.

Claims of a model live in ``moatlab/claims/<model>.py`` and call :func:`register` at import;
:func:`all_claims` imports every such module of this package (see docs/claims.md, "Adding a
claim").
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import MoatlabError
from ..sweep.space import Fixed, Parameter, Uniform

# modules of this package that are infrastructure, not a model's claims
_INFRA = {"registry", "check", "analysis", "results"}

Decide = Callable[[dict[str, np.ndarray], Sequence[np.random.SeedSequence], int], tuple[Any, Any]]


class ClaimError(MoatlabError, ValueError):
    """An unknown claim or an ill-formed one: one line."""


@dataclass(frozen=True)
class Axis:
    """One parameter of a claim's plausible space and why its range is plausible."""

    parameter: Parameter
    reason: str

    @property
    def name(self) -> str:
        return self.parameter.name


def uniform(name: str, low: float, high: float, reason: str) -> Axis:
    """A uniform range ``[low, high]`` with its one-line reason."""
    return Axis(Uniform(name, float(low), float(high)), reason)


@dataclass(frozen=True)
class Claim:
    """A finding of a model, its plausible space and its decision rule.

    Parameters
    ----------
    name : str
        Short identifier (``P1``, ``S4``, ``M1``…), unique in the registry.
    model : str
        The model it is about (``game``, ``race``, ``market``…).
    statement : str
        What it says, in words.
    source : str
        Where it comes from: a paper by name (see docs/references.md) or ``"moatlab's own"``.
    space : tuple of Axis
        The plausible parameter space; every parameter has a reason.
    defaults : dict
        The model's default point in that space (where the docs state the finding).
    decide : callable
        ``decide(points, seeds, ensemble) -> (holds, margin)``: ``points`` maps each parameter to
        a 1-D array (one entry per point), ``seeds`` holds one ``SeedSequence`` per point,
        ``ensemble`` is the number of seeded runs per point (0 for a deterministic claim).
    rule : str
        The decision in words, with its threshold and, for an ensemble, its confidence rule.
    margin : str
        What the margin measures (positive where the claim holds with room to spare).
    threshold : float
        The threshold the decision uses, fixed here before any run.
    ensemble : int
        Seeded runs per point for a stochastic claim (0: deterministic).
    chunk : int
        Points per chunk of a check (the unit of work and of resuming).
    requires : tuple of (module, extra)
        Optional libraries its decision needs (e.g. ``("mesa", "abm")``): a check without them stops
        at once with one line naming the extra to install.
    """

    name: str
    model: str
    statement: str
    source: str
    space: tuple[Axis, ...]
    defaults: dict[str, float]
    decide: Decide
    rule: str
    margin: str
    threshold: float = 0.0
    ensemble: int = 0
    chunk: int = 64
    requires: tuple[tuple[str, str], ...] = ()
    _names: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "space", tuple(self.space))
        object.__setattr__(self, "defaults", dict(self.defaults))
        names = tuple(a.name for a in self.space)
        object.__setattr__(self, "_names", names)
        problems = _problems(self)
        if problems:
            raise ClaimError(f"claim {self.name!r} is not well-formed: {problems[0]}")

    @property
    def parameters(self) -> tuple[str, ...]:
        return self._names

    @property
    def stochastic(self) -> bool:
        return self.ensemble > 0

    def evaluate(
        self, points: dict[str, Any], seeds: Sequence[np.random.SeedSequence] | None = None,
        ensemble: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Decide at a batch of points: ``(holds, margin)`` as a bool and a float array."""
        pts = {k: np.atleast_1d(np.asarray(points[k], float)) for k in self._names}
        n = next(iter(pts.values())).size
        if seeds is None:
            seeds = [np.random.SeedSequence(0, spawn_key=(2, i)) for i in range(n)]
        e = self.ensemble if ensemble is None else int(ensemble)
        holds, margin = self.decide(pts, seeds, e)
        return np.asarray(holds, bool).reshape(n), np.asarray(margin, float).reshape(n)

    def at_defaults(self, seed: int = 0, ensemble: int | None = None) -> tuple[bool, float]:
        """Decide at the default point (seeded with ``SeedSequence(seed, spawn_key=(3, 0))``)."""
        h, m = self.evaluate(self.defaults, [np.random.SeedSequence(seed, spawn_key=(3, 0))], ensemble)
        return bool(h[0]), float(m[0])

    def describe(self) -> dict[str, Any]:
        """Plain data for listings and result files."""
        return {
            "name": self.name,
            "model": self.model,
            "statement": self.statement,
            "source": self.source,
            "rule": self.rule,
            "margin": self.margin,
            "threshold": self.threshold,
            "ensemble": self.ensemble,
            "defaults": self.defaults,
            "space": [
                {"parameter": a.name, **a.parameter.to_dict(), "reason": a.reason} for a in self.space
            ],
        }


def _problems(c: Claim) -> list[str]:
    out = []
    for f in ("name", "model", "statement", "source", "rule", "margin"):
        if not isinstance(getattr(c, f), str) or not getattr(c, f).strip():
            out.append(f"{f} must be a non-empty string")
    if not c.space:
        out.append("space must hold at least one parameter")
    names = [a.name for a in c.space]
    if len(set(names)) != len(names):
        out.append("each parameter of the space must be named once")
    for a in c.space:
        if not isinstance(a, Axis) or not isinstance(a.reason, str) or not a.reason.strip():
            out.append(f"parameter {getattr(a, 'name', a)!r} needs a one-line reason")
        elif isinstance(a.parameter, Fixed):
            out.append(f"parameter {a.name!r} is fixed: a space varies every parameter it names")
        elif not all(math.isfinite(v) for v in a.parameter.support):
            out.append(f"parameter {a.name!r} needs a bounded range")
    if set(c.defaults) != set(names):
        out.append("defaults must give exactly the space's parameters")
    else:
        for a in c.space:
            lo, hi = a.parameter.support
            if not lo <= c.defaults[a.name] <= hi:
                out.append(f"default {a.name} = {c.defaults[a.name]:g} lies outside [{lo:g}, {hi:g}]")
    if not callable(c.decide):
        out.append("decide must be callable")
    if not (isinstance(c.threshold, int | float) and math.isfinite(c.threshold)):
        out.append("threshold must be a finite number")
    if isinstance(c.ensemble, bool) or not isinstance(c.ensemble, int) or c.ensemble < 0:
        out.append("ensemble must be an integer >= 0")
    if isinstance(c.chunk, bool) or not isinstance(c.chunk, int) or c.chunk < 1:
        out.append("chunk must be an integer >= 1")
    return out


_REGISTRY: dict[str, Claim] = {}
_loaded = False


def register(claim: Claim) -> Claim:
    """Add a claim to the registry (a second claim of the same name is an error); returns it."""
    if not isinstance(claim, Claim):
        raise ClaimError(f"register() takes a Claim, not {type(claim).__name__}")
    old = _REGISTRY.get(claim.name)
    if old is not None and old is not claim:
        raise ClaimError(f"claim {claim.name!r} is registered twice ({old.model} and {claim.model})")
    _REGISTRY[claim.name] = claim
    return claim


def _load() -> None:
    """Import every claims module of this package (each registers its claims)."""
    global _loaded
    if _loaded:
        return
    from .. import claims as pkg

    for m in pkgutil.iter_modules(pkg.__path__):
        if not m.name.startswith("_") and m.name not in _INFRA and not m.ispkg:
            importlib.import_module(f"{pkg.__name__}.{m.name}")
    _loaded = True


def all_claims(model: str | None = None) -> list[Claim]:
    """Every registered claim (of one model when ``model`` is given), in name order per model."""
    _load()
    out = [c for c in _REGISTRY.values() if model is None or c.model == model]
    return sorted(out, key=lambda c: (_MODEL_ORDER.get(c.model, 99), c.model, _natural(c.name)))


_MODEL_ORDER = {"game": 0, "game_family": 1, "safety": 2, "race": 3, "market": 4}


def _natural(name: str) -> tuple:
    head = name.rstrip("0123456789")
    tail = name[len(head):]
    return (head, int(tail) if tail else -1, name)


def get(name: str) -> Claim:
    """The claim called ``name``; an unknown name raises :class:`ClaimError` listing the known ones."""
    _load()
    if name not in _REGISTRY:
        known = ", ".join(c.name for c in all_claims())
        raise ClaimError(f"claim = {name!r} is not allowed: must be one of {known}")
    return _REGISTRY[name]


def names() -> list[str]:
    """Names of every registered claim."""
    return [c.name for c in all_claims()]
