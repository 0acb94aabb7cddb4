"""A sweep specification (model + parameter space + design) and its chunked sample plan.

Designs
-------
``grid``
    Full factorial over every :class:`Grid` parameter (fixed ones held). Results keep one
    dimension per grid parameter; chunks are slabs along the first one.
``sobol`` / ``lhs`` / ``mc``
    ``samples`` rows of the unit hypercube (scrambled Sobol', Latin hypercube, plain Monte Carlo)
    mapped through each parameter's ``ppf``. Results have one dimension, ``sample``, with the
    parameter values as variables beside the outcomes (a table aligned with the results).

Row ``i`` of a design never depends on the chunk size: Sobol' fast-forwards to ``i``, the Latin
hypercube is drawn whole, Monte Carlo draws blocks of 65,536 rows from
``SeedSequence(seed, spawn_key=(0, block))``.

Chunks
------
A chunk never holds more than ``chunk_size`` points. Sampled designs are cut into row ranges.
A grid is cut into slabs along its first parameter when one slab (the product of the other axes)
fits; otherwise into blocks: single indices on the leading axes, a range on axis ``k`` and the
whole of the axes after it, with ``k`` the first axis after which the rest fits. A chunk is then
given by its lower and upper corners on axes ``0..k`` (``(start, stop)`` tuples; plain integers
for slabs). Sizes (points, chunks) are checked against the budgets of :mod:`moatlab._limits`.
"""

from __future__ import annotations

import functools
import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import _limits
from .._toml import load_toml
from ..errors import ScenarioError
from .models import make_model
from .space import Grid, ParameterSpace, SpecError, parse_parameter

DESIGNS = ("grid", "sobol", "lhs", "mc")
MC_BLOCK = 65_536
MAX_LHS = 10_000_000


@dataclass(frozen=True)
class SweepSpec:
    """What to sweep: a model, its parameter space, a design and how to chunk it.

    Parameters
    ----------
    model : str or model object
        ``"game"``, ``"market"`` or a model object (e.g. :class:`FunctionModel`).
    space : ParameterSpace
    design : {"grid", "sobol", "lhs", "mc"}
    samples : int
        Rows of a sampled design (ignored by ``grid``).
    seed : int
        Seeds the design and any stochastic model.
    chunk_size : int
        Points per chunk (the unit of work, of writing and of resuming).
    options : dict
        Model options (game: ``penalty_form``, ``method``; market: ``scenario``, ``start``).
    """

    model: Any
    space: ParameterSpace
    design: str = "sobol"
    samples: int = 1024
    seed: int = 0
    chunk_size: int = 100_000
    options: dict | None = None

    def __post_init__(self):
        if self.design not in DESIGNS:
            raise SpecError("design", self.design, "one of " + ", ".join(DESIGNS))
        for f, v, lo in (
            ("samples", self.samples, 1),
            ("chunk_size", self.chunk_size, 1),
            ("seed", self.seed, 0),
        ):
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo:
                raise SpecError(f, v, f"an integer >= {lo}")
        m = make_model(self.model, self.options) if isinstance(self.model, str) else self.model
        object.__setattr__(self, "model", m)
        m.check(self.space)
        known = m.outcomes
        for o in self.space.outcomes:
            if o not in known:
                raise SpecError("outcomes", o, "one of " + ", ".join(known))
        if self.design == "grid":
            bad = [p.name for p in self.space.parameters if p.uncertain and not isinstance(p, Grid)]
            if bad:
                raise SpecError(
                    f"parameters.{bad[0]}",
                    self.space[bad[0]].kind,
                    "a grid or a fixed value on design 'grid' (use sobol, lhs or mc to sample distributions)",
                )
            if not self.space.uncertain:
                raise SpecError("parameters", "no grid", "at least one grid parameter on design 'grid'")
        elif not self.space.uncertain:
            raise SpecError("parameters", "all fixed", "at least one grid or distribution")
        _limits.check("chunk_points", self.chunk_size, "chunk_size")
        if self.design == "lhs" and self.samples > MAX_LHS:
            raise SpecError("samples", self.samples, f"<= {MAX_LHS:,} for lhs (drawn whole; use sobol)")

    @property
    def outcomes(self) -> tuple[str, ...]:
        return self.space.outcomes or tuple(self.model.outcomes)

    @property
    def grid_dims(self) -> tuple[str, ...]:
        return self.space.uncertain if self.design == "grid" else ()

    @property
    def shape(self) -> tuple[int, ...]:
        if self.design == "grid":
            return tuple(len(self.space[n].values) for n in self.grid_dims)
        return (self.samples,)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def layout(self) -> tuple[int, int]:
        """``(k, per)``: chunks take single indices on axes ``< k``, ``per`` indices on axis ``k`` and
        the whole of the axes after it (``k == 0``: slabs along the first axis, or row ranges)."""
        shape = self.shape
        k = 0
        while k < len(shape) - 1 and math.prod(shape[k + 1 :]) > self.chunk_size:
            k += 1
        return k, max(1, self.chunk_size // math.prod(shape[k + 1 :]))

    def blocks(self) -> list[int]:
        """Number of chunks along each of the axes ``0..k`` (their product is the number of chunks)."""
        k, per = self.layout()
        return [*self.shape[:k], -(-self.shape[k] // per)]

    def chunks(self) -> list[tuple[Any, Any]]:
        """Chunks as ``(start, stop)``: integers along the first axis (rows, or slabs of the first grid
        parameter), or, for a grid whose slabs would exceed ``chunk_size``, corner tuples on axes
        ``0..k`` (see the module's docstring). Chunk ``i`` never depends on anything but the spec."""
        k, per = self.layout()
        _limits.check("sweep_chunks", math.prod(self.blocks()), f"{self.size:,} points cut by chunk_size")
        n_k = self.shape[k]
        if k == 0:
            return [(a, min(a + per, n_k)) for a in range(0, n_k, per)]
        return [
            ((*idx, a), (*(i + 1 for i in idx), min(a + per, n_k)))
            for idx in np.ndindex(*self.shape[:k])
            for a in range(0, n_k, per)
        ]

    def chunk_points(self, chunk: tuple[Any, Any]) -> int:
        """Number of points in chunk ``(start, stop)``."""
        lo, hi = _corners(chunk)
        return math.prod(b - a for a, b in zip(lo, hi, strict=True)) * math.prod(self.shape[len(lo) :])

    def to_dict(self) -> dict[str, Any]:
        """Plain data (TOML/JSON); the identity a resumed sweep must match."""
        return {
            "model": self.model.name,
            "options": self.model.options,
            "design": self.design,
            "samples": self.samples,
            "seed": self.seed,
            "chunk_size": self.chunk_size,
            "outcomes": list(self.outcomes),
            "parameters": self.space.to_dict(),
        }

    def fingerprint(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, default=float)


_TOP = {"model", "options", "design", "samples", "seed", "chunk_size", "outcomes", "parameters"}


def spec_from_dict(d: dict[str, Any]) -> SweepSpec:
    """Build a :class:`SweepSpec` from plain data (a parsed TOML file); errors name the field."""
    if not isinstance(d, dict):
        raise SpecError("spec", type(d).__name__, "a table")
    for k in d:
        if k not in _TOP and k != "policy":
            raise SpecError(k, d[k], "a known field: " + ", ".join(sorted(_TOP | {"policy"})))
    params = d.get("parameters")
    if not isinstance(params, dict) or not params:
        raise SpecError("parameters", params, "a table with at least one parameter")
    outcomes = d.get("outcomes", [])
    if isinstance(outcomes, str):
        outcomes = [outcomes]
    if not isinstance(outcomes, list) or not all(isinstance(o, str) for o in outcomes):
        raise SpecError("outcomes", outcomes, "a list of outcome names")
    options = d.get("options", {})
    if not isinstance(options, dict):
        raise SpecError("options", options, "a table")
    space = ParameterSpace(tuple(parse_parameter(k, v) for k, v in params.items()), tuple(outcomes))
    model = d.get("model", "game")
    if not isinstance(model, str):
        raise SpecError("model", model, "a model name")
    return SweepSpec(
        model=model,
        space=space,
        design=d.get("design", "sobol"),
        samples=d.get("samples", 1024),
        seed=d.get("seed", 0),
        chunk_size=d.get("chunk_size", 100_000),
        options=options,
    )


class SpecFileError(SpecError):
    """A specification file cannot be read: missing, a folder, not UTF-8, malformed TOML, too deep."""

    def __init__(self, message: str):
        self.field, self.value, self.allowed = "spec", None, message
        ScenarioError.__init__(self, message)


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; a missing, unreadable or malformed file raises :class:`SpecError` (one line)."""
    return load_toml(path, "TOML specification", error=SpecFileError)


def load_spec(path: str | Path) -> SweepSpec:
    """Read a sweep specification from a TOML file (see docs/sweeps.md for the format).

    Errors in the file's fields are one line starting with the file's name.
    """
    return in_file(path, spec_from_dict, read_toml(path))


def in_file(path: str | Path, build, *args, **kw):
    """``build(*args, **kw)``, with a :class:`SpecError` or ``LimitError`` re-raised naming ``path``."""
    from ..errors import LimitError

    try:
        return build(*args, **kw)
    except SpecFileError:
        raise
    except SpecError as e:
        err = SpecError(e.field, e.value, e.allowed)
        err.args = (f"{path}: {e}",)
        raise err from None
    except LimitError as e:
        raise LimitError(f"{path}: {e}") from None


@functools.lru_cache(maxsize=4)
def _lhs(d: int, n: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc  # lazy: scipy.stats takes seconds to import

    return qmc.LatinHypercube(d, rng=np.random.default_rng(seed)).random(n)


def unit_rows(design: str, d: int, seed: int, start: int, stop: int, total: int) -> np.ndarray:
    """Rows ``start:stop`` of a sampled design in the unit hypercube (independent of chunking)."""
    from scipy.stats import qmc  # lazy: scipy.stats takes seconds to import

    n = stop - start
    if design == "sobol":
        eng = qmc.Sobol(d, scramble=True, rng=np.random.default_rng(seed))
        if start:
            eng.fast_forward(start)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # balance warning for sizes that are not powers of 2
            return eng.random(n)
    if design == "lhs":
        return _lhs(d, total, seed)[start:stop]
    out = np.empty((n, d))
    b0, b1 = start // MC_BLOCK, (stop - 1) // MC_BLOCK
    for b in range(b0, b1 + 1):
        g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0, b))))
        block = g.random((MC_BLOCK, d))
        lo, hi = max(start, b * MC_BLOCK), min(stop, (b + 1) * MC_BLOCK)
        out[lo - start : hi - start] = block[lo - b * MC_BLOCK : hi - b * MC_BLOCK]
    return out


def _corners(chunk: tuple[Any, Any]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    start, stop = chunk
    if isinstance(start, int | np.integer):
        return (int(start),), (int(stop),)
    return tuple(int(a) for a in start), tuple(int(b) for b in stop)


def grid_slices(spec: SweepSpec, start: Any, stop: Any) -> list[slice]:
    """One slice per grid axis selecting chunk ``(start, stop)``."""
    lo, hi = _corners((start, stop))
    return [slice(lo[i], hi[i]) if i < len(lo) else slice(None) for i in range(len(spec.shape))]


def chunk_values(spec: SweepSpec, start: Any, stop: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Parameter arrays (flat) and global row indices of chunk ``(start, stop)`` (see ``chunks``)."""
    sp = spec.space
    if spec.design == "grid":
        shape = spec.shape
        cut = grid_slices(spec, start, stop)
        axes = [np.asarray(sp[n].values)[s] for n, s in zip(spec.grid_dims, cut, strict=True)]
        mesh = np.meshgrid(*axes, indexing="ij")
        vals = {n: m.ravel() for n, m in zip(spec.grid_dims, mesh, strict=True)}
        if isinstance(start, int | np.integer):  # a slab: its rows are one range
            rows = np.arange(start * math.prod(shape[1:]), stop * math.prod(shape[1:]))
        else:
            index = np.meshgrid(*(np.arange(n)[s] for n, s in zip(shape, cut, strict=True)), indexing="ij")
            rows = np.ravel_multi_index(index, shape).ravel()
        vals.update({k: np.full(rows.size, v) for k, v in sp.fixed.items()})
        return vals, rows
    u = unit_rows(spec.design, len(sp.uncertain), spec.seed, start, stop, spec.samples)
    return sp.values(u), np.arange(start, stop)
