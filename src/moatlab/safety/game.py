"""Public API of the safety-floor game: parameters, one point, arrays, grids, bargaining.

See :mod:`moatlab.safety` for the model's equations and :mod:`moatlab.safety.kernel` for the
method.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..errors import LimitError, ParameterError
from . import kernel
from .kernel import STRATEGIES

__all__ = ["DEFAULTS", "NAMES", "OUTPUTS", "SafetyResult", "grid", "solve", "solve_arrays"]

#: Parameter names of the flat API, in the order of a grid's dimensions.
NAMES = kernel._ARGS
#: Defaults: C0 = C1 = identity, r = (1, 1), δ = 0.5, no floors.
DEFAULTS = dict(theta_g=0.0, theta_d=0.0, c0_aa=1.0, c0_ab=0.0, c0_bb=1.0, c1_aa=1.0, c1_ab=0.0,
                c1_bb=1.0, r_a=1.0, r_b=1.0, delta=0.5)
#: Outputs per game (arrays of :func:`solve_arrays`, variables of :func:`grid`).
OUTPUTS = ("alpha0", "beta0", "alpha1", "beta1", "U_G", "U_D", "G_strategy", "D_strategy",
           "beta1_free", "U_G_free", "U_D_free", "d_beta1", "backfiring", "mutualism", "delta_used",
           "delta_pareto_lo", "delta_pareto_hi")
#: Largest number of games one call may solve (the outputs take ≈ 150 bytes per game).
MAX_POINTS = 4_000_000
#: Games solved together: bounds the candidate arrays' memory (≈ 15 kB per game, ≈ 120 MB a chunk).
CHUNK = 8_192
_UNITS = {"alpha0": "performance", "beta0": "safety", "alpha1": "performance", "beta1": "safety",
          "U_G": "revenue units", "U_D": "revenue units", "d_beta1": "safety"}


def _expand(params: dict[str, Any]) -> dict[str, Any]:
    """Accept ``c0=(aa, ab, bb)``, ``c1=…``, ``r=(ra, rb)`` as shorthands for the flat names."""
    out = dict(params)
    for key, names in (("c0", ("c0_aa", "c0_ab", "c0_bb")), ("c1", ("c1_aa", "c1_ab", "c1_bb")),
                       ("r", ("r_a", "r_b"))):
        if key in out:
            v = out.pop(key)
            if v is None:
                continue
            try:
                vals = list(v)
            except TypeError:
                raise ParameterError(key, v, f"{len(names)} numbers ({', '.join(names)})") from None
            if len(vals) != len(names):
                raise ParameterError(key, v, f"{len(names)} numbers ({', '.join(names)})")
            for n, x in zip(names, vals, strict=True):
                if n in params:
                    raise ParameterError(n, params[n], f"given once (not with {key}= as well)")
                out[n] = x
    for k in out:
        if k not in NAMES:
            raise ParameterError("parameter", k, "one of " + ", ".join(NAMES) + ", c0, c1, r")
    return out


def _first_bad(name: str, arr: np.ndarray, bad: np.ndarray) -> Any:
    return float(np.asarray(arr, float).ravel()[np.argmax(np.asarray(bad).ravel())])


def check(g: dict[str, np.ndarray]) -> None:
    """Raise :class:`ParameterError` (one line) unless every parameter array is allowed."""
    for k, v in g.items():
        bad = ~np.isfinite(v)
        if bad.any():
            raise ParameterError(k, _first_bad(k, v, bad), "a finite number")
    for k in ("theta_g", "theta_d", "r_a", "r_b"):
        bad = g[k] < 0
        if bad.any():
            raise ParameterError(k, _first_bad(k, g[k], bad), ">= 0")
    bad = (g["delta"] < 0) | (g["delta"] > 1)
    if bad.any():
        raise ParameterError("delta", _first_bad("delta", g["delta"], bad), "in [0, 1]")
    for m in ("c0", "c1"):
        aa, ab, bb = (np.broadcast_arrays(g[f"{m}_aa"], g[f"{m}_ab"], g[f"{m}_bb"]))
        bad = (aa <= 0) | (bb <= 0) | ~(np.abs(ab) < np.sqrt(np.maximum(aa * bb, 0.0)))
        if bad.any():
            i = int(np.argmax(bad.ravel()))
            val = f"{aa.ravel()[i]:g},{ab.ravel()[i]:g},{bb.ravel()[i]:g}"
            raise ParameterError(m, val, "CAA,CAB,CBB with CAA > 0, CBB > 0 and -sqrt(CAA*CBB) < CAB "
                                 "< sqrt(CAA*CBB) (a convex cost)")


def _arrays(params: dict[str, Any]) -> dict[str, np.ndarray]:
    p = {**DEFAULTS, **_expand(params)}
    g = {}
    for k in NAMES:
        try:
            g[k] = np.asarray(p[k], dtype=float)
        except (TypeError, ValueError):
            raise ParameterError(k, p[k], "a number or an array of numbers") from None
    return g


def _solve_flat_chunked(g: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    n = next(iter(g.values())).shape[0]
    parts = []
    for i in range(0, n, CHUNK):
        parts.append(kernel.solve_flat({k: v[i:i + CHUNK] for k, v in g.items()}))
    if not parts:
        return {k: np.empty(0) for k in ("alpha0", "beta0", "alpha1", "beta1", "U_G", "U_D",
                                         "G_strategy", "D_strategy")}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _equilibrium(g: dict[str, np.ndarray], shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Equilibrium (fixed δ) for arrays broadcast to ``shape``."""
    n = math.prod(shape)
    if n > MAX_POINTS:
        raise LimitError(f"the grid has {n} games; at most {MAX_POINTS} are allowed per call "
                         "(use fewer grid points)")
    flat = {k: np.ascontiguousarray(np.broadcast_to(v, shape)).reshape(-1) for k, v in g.items()}
    out = _solve_flat_chunked(flat)
    return {k: v.reshape(shape) for k, v in out.items()}


def _continuation(g: dict[str, np.ndarray], shape: tuple[int, ...]):
    def cont(s):
        gs = {k: (v[..., None] if k != "delta" else s) for k, v in
              ((k, np.broadcast_to(v, shape)) for k, v in g.items())}
        eq = _equilibrium(gs, s.shape)
        quality = np.where(np.isfinite(eq["alpha1"]), eq["alpha1"], 0.0)
        return eq["U_G"], eq["U_D"], quality
    return cont


def _with_bargaining(g, shape, bargaining):
    if bargaining is None or bargaining == "fixed":
        eq = _equilibrium(g, shape)
        eq["delta_used"] = np.broadcast_to(g["delta"], shape).astype(float).copy()
        eq["delta_pareto_lo"] = eq["delta_pareto_hi"] = np.full(shape, np.nan)
        return eq, None
    from ..game.bargaining import GRID_DEFAULT, bargain

    if math.prod(shape) * GRID_DEFAULT > MAX_POINTS:  # the share grid of every game is held at once
        raise LimitError(f"bargaining over {math.prod(shape)} games holds {GRID_DEFAULT} shares of each "
                         "at once; "
                         f"at most {MAX_POINTS // GRID_DEFAULT} games are allowed per call with --bargaining")
    res = bargain(_continuation(g, shape), 0.0, 1.0, bargaining, shape=shape, pareto=False)
    delta = np.where(res.agreed, res.share, np.broadcast_to(g["delta"], shape))
    eq = _equilibrium({**g, "delta": delta}, shape)
    eq["delta_used"] = delta
    eq["delta_pareto_lo"], eq["delta_pareto_hi"] = res.pareto_range()
    return eq, res


def solve_arrays(bargaining: str | None = None, **params: Any) -> dict[str, np.ndarray]:
    """Equilibria for parameter arrays that broadcast together (no Python loop per game).

    Parameters
    ----------
    bargaining : str, optional
        ``None`` or ``"fixed"`` (δ as given) or a bargaining solution of
        :mod:`moatlab.game.bargaining` (``nash``, ``utilitarian``, …): δ is then chosen in [0, 1]
        before G invests, at every game (``delta`` is only the fallback where no share is
        individually rational).
    **params
        Any of :data:`NAMES` (scalars or arrays), or ``c0=(aa, ab, bb)``, ``c1=…``, ``r=(ra, rb)``.
        Missing ones take :data:`DEFAULTS`.

    Returns
    -------
    dict of ndarray
        :data:`OUTPUTS`, each of the broadcast shape. ``G_strategy``/``D_strategy`` are codes into
        :data:`STRATEGIES`. ``delta_pareto_lo``/``_hi``: smallest and largest Pareto-efficient share
        on the bargaining grid (33 shares in [0, 1]; NaN without bargaining). ``*_free`` are the
        same game without floors (θ_G = θ_D = 0, same bargaining), ``d_beta1 = beta1 − beta1_free``;
        ``backfiring``: a product exists, a floor or D's participation binds and β1 < β1_free;
        ``mutualism``: a product exists and both players are strictly better off than without
        floors.
    """
    g = _arrays(params)
    check(g)
    shape = np.broadcast_shapes(*(v.shape for v in g.values()))
    # the same games without floors: solve once per combination of the other parameters
    g0 = {k: (np.zeros(()) if k in ("theta_g", "theta_d") else v) for k, v in g.items()}
    shape0 = np.broadcast_shapes(*(v.shape for v in g0.values()))
    if bargaining not in (None, "fixed"):  # the work budget: every game bargains over δ
        from .. import _limits

        shares = _limits.bargaining_shares(bargaining)
        _limits.check("game_solves", _limits.product(math.prod(shape) + math.prod(shape0), shares),
                      f"safety games (and the same games without floors) with {bargaining} bargaining "
                      f"({shares} shares a game)")
    eq, _ = _with_bargaining(g, shape, bargaining)
    free, _ = _with_bargaining(g0, shape0, bargaining)
    for k in ("beta1", "U_G", "U_D"):
        eq[f"{k}_free"] = np.broadcast_to(free[k], shape).copy()
    sc = kernel.scale_of({k: np.broadcast_to(v, shape) for k, v in g.items()})
    tol = kernel.TIE_RTOL * sc
    product = eq["G_strategy"] != kernel.ABSTAIN
    binds = (eq["G_strategy"] == kernel.FLOOR) | (eq["D_strategy"] == kernel.FLOOR) | \
            (eq["G_strategy"] == kernel.PARTICIPATION)
    with np.errstate(invalid="ignore"):
        eq["d_beta1"] = eq["beta1"] - eq["beta1_free"]
        eq["backfiring"] = product & binds & (eq["d_beta1"] < -kernel.BOUND_RTOL * (1 + eq["beta1_free"]))
        eq["mutualism"] = product & (eq["U_G"] > eq["U_G_free"] + tol) & (eq["U_D"] > eq["U_D_free"] + tol)
    return eq


@dataclass(frozen=True)
class SafetyResult:
    """The subgame-perfect equilibrium of one safety-floor game.

    Attributes
    ----------
    theta_g, theta_d : float
        The floors on G's safety β0 and on the final safety β1.
    c0, c1 : tuple of float
        Cost matrices (c_αα, c_αβ, c_ββ) of G and D; ``r`` the revenue weights (r_α, r_β).
    delta : float
        G's revenue share used (bargained when ``bargaining`` is not ``fixed``).
    bargaining : str
        ``fixed`` or the bargaining solution's name.
    alpha0, beta0, alpha1, beta1 : float
        G's release γ0 and the final product γ1 (NaN when there is no product).
    U_G, U_D : float
        Utilities (0 for a player when nobody releases).
    G_strategy, D_strategy : str
        One of ``unconstrained``, ``floor`` (on its own floor), ``participation`` (on D's
        participation boundary U_D = 0), ``abstain``.
    beta1_free, U_G_free, U_D_free : float
        The same game without floors.
    d_beta1 : float
        Change of final safety against no regulation (NaN when there is no product).
    backfiring, mutualism : bool
        See :func:`solve_arrays`.
    delta_pareto : tuple of float
        Smallest and largest Pareto-efficient share on the bargaining grid (NaN without bargaining).
    """

    theta_g: float
    theta_d: float
    c0: tuple[float, float, float]
    c1: tuple[float, float, float]
    r: tuple[float, float]
    delta: float
    bargaining: str
    alpha0: float
    beta0: float
    alpha1: float
    beta1: float
    U_G: float
    U_D: float
    G_strategy: str
    D_strategy: str
    beta1_free: float
    U_G_free: float
    U_D_free: float
    d_beta1: float
    backfiring: bool
    mutualism: bool
    delta_pareto: tuple[float, float] = (math.nan, math.nan)

    @property
    def product(self) -> bool:
        """Whether a product reaches the market (nobody abstains)."""
        return self.G_strategy != "abstain"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (NaN for absent numbers)."""
        return asdict(self)


def solve(theta_g: float = 0.0, theta_d: float = 0.0, *, c0=(1.0, 0.0, 1.0), c1=(1.0, 0.0, 1.0),
          r=(1.0, 1.0), delta: float = 0.5, bargaining: str | None = None) -> SafetyResult:
    """Solve one safety-floor game (see :func:`solve_arrays` for the arrays version).

    Examples
    --------
    >>> from moatlab.safety import solve
    >>> res = solve()  # no floors, identity costs, r = (1, 1), δ = 0.5
    >>> round(res.alpha1, 6), round(res.beta1, 6), round(res.U_G, 6), round(res.U_D, 6)
    (0.5, 0.5, 0.375, 0.375)
    >>> solve(theta_d=0.45).backfiring   # a weak floor on D alone: G stops investing in safety
    True
    """
    for name, v in (("theta_g", theta_g), ("theta_d", theta_d), ("delta", delta)):
        if isinstance(v, bool) or not isinstance(v, int | float | np.floating | np.integer):
            raise ParameterError(name, v, "a number")
    out = solve_arrays(bargaining=bargaining, theta_g=theta_g, theta_d=theta_d, c0=c0, c1=c1, r=r,
                       delta=delta)
    v = {k: np.asarray(x).item() for k, x in out.items()}
    return SafetyResult(
        theta_g=float(theta_g), theta_d=float(theta_d), c0=tuple(float(x) for x in c0),
        c1=tuple(float(x) for x in c1), r=tuple(float(x) for x in r), delta=float(v["delta_used"]),
        bargaining=bargaining or "fixed",
        alpha0=v["alpha0"], beta0=v["beta0"], alpha1=v["alpha1"], beta1=v["beta1"], U_G=v["U_G"],
        U_D=v["U_D"], G_strategy=STRATEGIES[v["G_strategy"]], D_strategy=STRATEGIES[v["D_strategy"]],
        beta1_free=v["beta1_free"], U_G_free=v["U_G_free"], U_D_free=v["U_D_free"],
        d_beta1=v["d_beta1"], backfiring=bool(v["backfiring"]), mutualism=bool(v["mutualism"]),
        delta_pareto=(v["delta_pareto_lo"], v["delta_pareto_hi"]))


def grid(bargaining: str | None = None, **params: Any):
    """Solve on the outer product of 1-D parameter arrays: an ``xarray.Dataset``.

    Parameters
    ----------
    bargaining : str, optional
        As in :func:`solve_arrays`.
    **params
        Each of :data:`NAMES` (or ``c0``, ``c1``, ``r``) as a scalar or a 1-D array; every 1-D array
        becomes a dimension, in the order of :data:`NAMES` (``theta_g``, ``theta_d``, …).

    Returns
    -------
    xarray.Dataset
        The variables :data:`OUTPUTS`; strategies as int8 codes into :data:`STRATEGIES` (CF attributes
        ``flag_values`` / ``flag_meanings``); scalar parameters in ``attrs``.
    """
    import xarray as xr

    g = _arrays(params)
    dims = []
    for k in NAMES:
        if g[k].ndim > 1:
            raise ParameterError(k, f"an array of shape {g[k].shape}", "a number or a 1-D array")
        if g[k].ndim == 1:
            dims.append(k)
    shape = tuple(g[k].shape[0] for k in dims)
    if math.prod(shape) > MAX_POINTS:
        raise LimitError(f"the grid has {math.prod(shape)} games; at most {MAX_POINTS} are allowed "
                         "(use fewer grid points)")
    bg = {}
    for k in NAMES:
        if g[k].ndim == 1:
            idx = [1] * len(dims)
            idx[dims.index(k)] = g[k].shape[0]
            bg[k] = g[k].reshape(idx)
        else:
            bg[k] = g[k]
    out = solve_arrays(bargaining=bargaining, **bg)
    data = {}
    for k in OUTPUTS:
        v = np.broadcast_to(out[k], shape)
        attrs = {}
        if k in _UNITS:
            attrs["units"] = _UNITS[k]
        if k.endswith("_strategy"):
            attrs["flag_values"] = np.arange(len(STRATEGIES), dtype=np.int8)
            attrs["flag_meanings"] = " ".join(STRATEGIES)
        data[k] = (dims, np.array(v), attrs)
    attrs = {k: float(g[k]) for k in NAMES if g[k].ndim == 0}
    attrs["bargaining"] = bargaining or "fixed"
    attrs["model"] = ("Laufer, Kleinberg, Heidari, 'The Backfiring Effect of Weak AI Safety Regulation' "
                      "(arXiv 2503.20848)")
    return xr.Dataset(data, coords={k: g[k] for k in dims}, attrs=attrs)
