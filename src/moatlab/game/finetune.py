r"""Fine-tuning games (Laufer, Kleinberg and Heidari, "Fine-Tuning Games: Bargaining and Adaptation
for General-Purpose Models", WWW 2024): G invests in a general model, specialists adapt it.

Stages: (1) G and the specialists bargain over the revenue share δ ∈ [0, 1]
(:mod:`moatlab.game.bargaining`); (2) G invests to performance α0 ≥ 0 at cost φ0(α0); (3) each
specialist D_i invests to α1_i ≥ α0 at cost φ_i(α1_i − α0) or abstains (then domain i earns
nothing; G keeps its cost). Domain i's revenue r_i(α1_i) is split δ_i / (1 − δ_i).

Default family (closed form, this module's fast path), for domain i with revenue r_i α,
cost :math:`\varphi_i(\Delta) = c_i\Delta^2 + k_i\Delta` (+ a fixed entry cost f_i when it
participates) and :math:`\varphi_0 = c_0\alpha_0^2`:

.. math::

    \Delta_i^* = \max\Big(0, \frac{(1-\delta_i) r_i - k_i}{2c_i}\Big), \qquad
    U_{D_i}(\alpha_0) = (1-\delta_i) r_i \alpha_0 + g_i - f_i,\quad
    g_i = (1-\delta_i) r_i\Delta_i^* - k_i\Delta_i^* - c_i\Delta_i^{*2}.

D_i's investment does not depend on α0; it participates when :math:`U_{D_i} \ge 0`, i.e. from the
threshold :math:`t_i = (f_i - g_i)/((1-\delta_i) r_i)` on. Its status is *contributes*
(participates, Δ* > 0), *free-rides* (participates with Δ* = 0: uses α0 as is) or *abstains*.
G maximises :math:`\sum_{i: \alpha_0 \ge t_i} \delta_i r_i (\alpha_0 + \Delta_i^*) - c_0\alpha_0^2`, a
concave quadratic between consecutive thresholds that jumps up at each; its optimum is at 0, a
threshold, or a stationary point :math:`\alpha_0 = \sum_{i \in S}\delta_i r_i / (2c_0)` of some
participation set S, and the kernel evaluates all of these candidates (exact, no iteration).
Ties: G prefers the larger α0; an indifferent specialist participates. With one specialist,
k = f = 0:

.. math::

    \alpha_0^* = \frac{\delta r}{2c_0},\quad \alpha_1^* = \alpha_0^* + \frac{(1-\delta) r}{2c_1},\quad
    U_G = \frac{\delta^2 r^2}{4c_0} + \frac{\delta(1-\delta) r^2}{2c_1},\quad
    U_D = \frac{\delta(1-\delta) r^2}{2c_0} + \frac{(1-\delta)^2 r^2}{4c_1}.

User forms (:class:`FinetuneForms`: r(α), φ0(α0), φ1(Δ), one specialist) take the numerical path:
D's first-order condition :math:`(1-\delta) r'(\alpha_1) = \varphi_1'(\alpha_1-\alpha_0)` by bisection
(the corner Δ = 0 when :math:`(1-\delta) r'(\alpha_0) \le \varphi_1'(0)`); G's α0 by a 129-point grid on
[0, A] (A doubled until D participates and then until G's objective falls), then, around the best
grid point, the stationary point of G's objective by bisection on its slope (from the
implicit-function theorem on D's condition: dα1/dα0 = φ1''/(φ1'' − (1 − δ) r'')) and by golden
section, and D's participation threshold by bisection where participation switches between grid
points; the best of these candidates wins. Derivatives the forms do not give are taken by
five-point finite differences (:mod:`moatlab.forms`).

Bargaining with several specialists: G bargains with the specialists as one side over a common δ
(every δ_i = δ); the specialists' side has utility Σ_i U_{D_i} and the quality is
Σ_i α1_i over participating domains (moatlab's convention; the papers' multi-specialist
bargaining may differ).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import check_choice, check_range
from ..errors import LimitError, ParameterError, ScenarioError
from ..forms import Form1, as_form1
from .bargaining import GRID_DEFAULT, SOLUTIONS, bargain

__all__ = ["FinetuneEquilibrium", "FinetuneForms", "STATUSES", "Specialist", "load_specialists",
           "solve_finetune", "finetune_arrays", "share_curve"]

STATUSES = ("abstains", "free_rides", "contributes")
ABSTAINS, FREE_RIDES, CONTRIBUTES = range(3)
MAX_SPECIALISTS = 1000
MAX_WORK = 2_000_000_000  # points × specialists × candidates accepted in one call (time budget)
BLOCK_WORK = 4_000_000  # … evaluated at most this many at a time (memory)
TIE = 1e-12

#: name: (default, lo, hi, lo_open, description)
FIELDS: dict[str, tuple[float, float, float, bool, str]] = {
    "r": (1.0, 0.0, math.inf, True, "revenue per unit of performance in the domain"),
    "c": (1.0, 0.0, math.inf, True, "scale of the specialist's quadratic fine-tuning cost"),
    "delta": (0.5, 0.0, 1.0, False, "G's share of the domain's revenue"),
    "k": (0.0, 0.0, math.inf, False, "the specialist's linear (marginal) fine-tuning cost"),
    "f": (0.0, 0.0, math.inf, False, "the specialist's fixed entry cost"),
}


def _allowed(lo: float, hi: float, lo_open: bool) -> str:
    h = "inf" if math.isinf(hi) else f"{hi:g}"
    return f"in {'(' if lo_open else '['}{lo:g}, {h}{')' if math.isinf(hi) else ']'}"


@dataclass(frozen=True)
class Specialist:
    """One domain: revenue r·α, cost c·Δ² + k·Δ, entry cost f, G's share δ."""

    name: str = "D"
    r: float = 1.0
    c: float = 1.0
    delta: float = 0.5
    k: float = 0.0
    f: float = 0.0

    def __post_init__(self) -> None:
        for name, (_, lo, hi, lo_open, _d) in FIELDS.items():
            check_range(name, getattr(self, name), lo, hi, lo_open=lo_open, hi_open=math.isinf(hi))


def load_specialists(path: Any) -> tuple[list[Specialist], dict[str, float]]:
    """Read specialists from a TOML file; any problem raises one line naming the file and field.

    Format::

        c0 = 1.0                 # optional: G's cost scale
        [[specialist]]
        name = "medicine"        # optional
        r = 1.2                  # revenue per unit of performance   (0, inf)
        c = 0.8                  # quadratic cost scale              (0, inf)
        delta = 0.4              # G's share                         [0, 1]
        k = 0.0                  # optional linear cost              [0, inf)
        f = 0.0                  # optional fixed entry cost         [0, inf)

    Returns the specialists and the top-level settings (``c0`` when given).
    """
    from .._toml import load_toml

    name = str(path)
    doc = load_toml(path, "specialists file")
    top_allowed = {"c0", "specialist"}
    for key in doc:
        if key not in top_allowed:
            raise ScenarioError(f"{name}: unknown field {key!r} (allowed: c0, [[specialist]])")
    settings: dict[str, float] = {}
    if "c0" in doc:
        settings["c0"] = _number(name, "c0", doc["c0"], 0.0, math.inf, True)
    rows = doc.get("specialist")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise ScenarioError(f"{name}: needs at least one [[specialist]] table")
    if len(rows) > MAX_SPECIALISTS:
        raise LimitError(f"{name}: {len(rows)} specialists: at most {MAX_SPECIALISTS} are allowed")
    out = []
    for i, row in enumerate(rows, start=1):
        where = f"specialist[{i}]"
        for key in row:
            if key not in FIELDS and key != "name":
                raise ScenarioError(f"{name}: {where}: unknown field {key!r} "
                                    f"(allowed: name, {', '.join(FIELDS)})")
        label = row.get("name", f"D{i}")
        if not isinstance(label, str) or not label.strip() or len(label) > 80:
            raise ScenarioError(f"{name}: {where}.name = {label!r} is not allowed: must be a text of 1-80 "
                                "characters")
        vals = {}
        for key, (default, lo, hi, lo_open, _d) in FIELDS.items():
            if key in ("r", "c", "delta") and key not in row:
                raise ScenarioError(f"{name}: {where}: missing field {key!r}")
            vals[key] = _number(name, f"{where}.{key}", row.get(key, default), lo, hi, lo_open)
        out.append(Specialist(name=label, **vals))
    names = [s.name for s in out]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise ScenarioError(f"{name}: specialist name {dup!r} is used twice: names must be unique")
    return out, settings


def _number(file: str, where: str, value: Any, lo: float, hi: float, lo_open: bool) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > lo if lo_open else value >= lo) and value <= hi
    if not ok:
        raise ScenarioError(f"{file}: {where} = {value!r} is not allowed: must be a number "
                            + _allowed(lo, hi, lo_open))
    return float(value)


@dataclass(frozen=True)
class FinetuneForms:
    """User forms of the one-specialist fine-tuning game (``None`` keeps the default).

    revenue ``r(alpha)`` (increasing, concave), G's cost ``phi0(alpha0)`` (convex), the
    specialist's cost ``phi1(delta_alpha)`` (convex, φ1(0) = 0). Plain callables or
    :class:`~moatlab.forms.Form1` with analytic derivatives; they replace r·α, c0·α0² and c1·Δ²
    (the parameters r, c0, c1 are then not used by the replaced form).
    """

    revenue: Callable | Form1 | None = None
    cost0: Callable | Form1 | None = None
    cost1: Callable | Form1 | None = None

    @property
    def is_default(self) -> bool:
        return self.revenue is None and self.cost0 is None and self.cost1 is None


# -- the closed-form kernel (default family, n specialists) --------------------------------------


def _closed_kernel(c0: np.ndarray, r: np.ndarray, c: np.ndarray, d: np.ndarray, k: np.ndarray,
                   f: np.ndarray) -> dict[str, np.ndarray]:
    """Equilibrium for flat points: c0 (N,), domain arrays (N, n)."""
    N, n = r.shape
    keep = (1 - d) * r
    dlt = np.maximum(0.0, (keep - k) / (2 * c))
    g = keep * dlt - k * dlt - c * dlt * dlt
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(keep > 0, (f - g) / keep, np.where(g - f >= -TIE, -np.inf, np.inf))
    tau = np.where(np.isfinite(t), np.maximum(t, 0.0), np.where(t < 0, 0.0, np.inf))
    gr = d * r  # G's revenue per unit of α0 from domain i
    order = np.argsort(tau, axis=1, kind="stable")
    tau_s = np.take_along_axis(tau, order, axis=1)
    cum = np.cumsum(np.take_along_axis(gr, order, axis=1), axis=1)
    stat = cum / (2 * c0[:, None])
    cand = np.concatenate([np.zeros((N, 1)), np.where(np.isfinite(tau_s), tau_s, 0.0), stat], axis=1)

    def value(a0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tol = TIE * (1 + np.abs(np.where(np.isfinite(t), t, 0.0)))
        part = a0[:, :, None] >= (t - tol)[:, None, :]
        rev = np.where(part, gr[:, None, :] * (a0[:, :, None] + dlt[:, None, :]), 0.0).sum(axis=2)
        return rev - c0[:, None] * a0 * a0, part

    val, _ = value(cand)
    best = val.max(axis=1)
    near = val >= (best - TIE * (1 + np.abs(best)))[:, None]
    a0 = np.where(near, cand, -np.inf).max(axis=1)
    ug, part = value(a0[:, None])
    part = part[:, 0, :]
    ud = np.where(part, keep * a0[:, None] + g - f, 0.0)
    status = np.where(part, np.where(dlt > 0, CONTRIBUTES, FREE_RIDES), ABSTAINS)
    a1 = np.where(part, a0[:, None] + dlt, np.nan)
    return {"alpha0": a0, "U_G": ug[:, 0], "alpha1": a1, "U_D": ud, "status": status.astype(np.int8)}


# -- the numerical kernel (user forms, one specialist) -------------------------------------------


def _numerical_kernel(c0, r, c1, d, k, f, forms: FinetuneForms) -> dict[str, np.ndarray]:
    """One specialist with user forms; flat (N,) parameters; k unused unless the cost is default."""
    rev = as_form1(forms.revenue, "revenue") if forms.revenue is not None else Form1(
        lambda a: r_col(a) * a, "linear", lambda a: r_col(a) + 0 * a, lambda a: 0 * a)
    cost0 = as_form1(forms.cost0, "cost0") if forms.cost0 is not None else Form1(
        lambda a: c0_col(a) * a * a, "quadratic", lambda a: 2 * c0_col(a) * a,
        lambda a: 2 * c0_col(a) + 0 * a)
    cost1 = as_form1(forms.cost1, "cost1") if forms.cost1 is not None else Form1(
        lambda x: c1_col(x) * x * x + k_col(x) * x, "quadratic", lambda x: 2 * c1_col(x) * x + k_col(x),
        lambda x: 2 * c1_col(x) + 0 * x)

    def col(v):
        return lambda a: v.reshape(v.shape + (1,) * (np.ndim(a) - 1)) if np.ndim(a) > 1 else v

    r_col, c0_col, c1_col, k_col = col(r), col(c0), col(c1), col(k)
    keep_all = 1 - d

    def response(a0: np.ndarray):
        """α1*(α0) and U_D for α0 of shape (N, K)."""
        keep = keep_all[:, None] + 0 * a0
        foc = lambda x: keep * rev.d1(x) - cost1.d1(x - a0)  # noqa: E731
        interior = foc(a0) > 0
        lo, step = a0.copy(), np.maximum(1.0, np.abs(a0))
        hi = a0 + step
        for _ in range(200):
            need = interior & (foc(hi) > 0)
            if not need.any():
                break
            lo, step = np.where(need, hi, lo), np.where(need, 2 * step, step)
            hi = np.where(need, a0 + step, hi)
        else:
            raise ParameterError("forms", "r and φ1", "a concave revenue and convex cost (the specialist's "
                                 "best response is unbounded)")
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            up = foc(mid) > 0
            lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
            if np.all(hi - lo <= 4e-16 * (1 + np.abs(hi))):
                break
        a1 = np.where(interior, 0.5 * (lo + hi), a0)
        ud = keep * rev(a1) - cost1(a1 - a0) - f[:, None]
        return a1, ud

    def g_value(a0: np.ndarray):
        a1, ud = response(a0)
        part = ud >= -TIE
        return np.where(part, d[:, None] * rev(a1), 0.0) - cost0(a0), a1, ud, part

    N = c0.shape[0]
    A = np.ones(N)
    # first reach an α0 at which the specialist participates (participation rises with α0) …
    for _ in range(60):
        need = ~g_value(A[:, None])[3][:, 0]
        if not need.any():
            break
        A = np.where(need, 2 * A, A)
    A = np.where(g_value(A[:, None])[3][:, 0], A, 1.0)  # never participates: G invests 0 anyway
    # … then go on while G's objective still rises
    for _ in range(80):
        v = g_value(np.stack([0.5 * A, A], axis=1))[0]
        grow = v[:, 1] > v[:, 0]
        if not grow.any():
            break
        A = np.where(grow, 2 * A, A)
    K = 129
    grid = A[:, None] * np.linspace(0, 1, K)[None, :]
    val, _, _, part = g_value(grid)
    j = np.argmax(val, axis=1)
    rows = np.arange(N)
    a = grid[rows, np.maximum(j - 1, 0)]
    b = grid[rows, np.minimum(j + 1, K - 1)]
    gold = (math.sqrt(5) - 1) / 2
    x1, x2 = b - gold * (b - a), a + gold * (b - a)
    f1, f2 = g_value(x1[:, None])[0][:, 0], g_value(x2[:, None])[0][:, 0]
    for _ in range(45):  # the bracket shrinks to 0.618**45 ≈ 4e-10 of two grid cells
        left = f1 >= f2
        b, a = np.where(left, x2, b), np.where(left, a, x1)
        new = np.where(left, b - gold * (b - a), a + gold * (b - a))
        fn = g_value(new[:, None])[0][:, 0]
        x1, x2 = np.where(left, new, x2), np.where(left, x1, new)
        f1, f2 = np.where(left, fn, f2), np.where(left, f1, fn)
    cands = [grid[rows, j], np.where(f1 >= f2, x1, x2), np.zeros(N)]
    # participation threshold where it switches on between grid points
    sw = (~part[:, :-1]) & part[:, 1:]
    thr = None
    if sw.any():
        i = np.argmax(sw, axis=1)
        plo, phi = grid[rows, i], grid[rows, i + 1]
        for _ in range(200):
            mid = 0.5 * (plo + phi)
            pm = g_value(mid[:, None])[3][:, 0]
            plo, phi = np.where(pm, plo, mid), np.where(pm, mid, phi)
            if np.all(phi - plo <= 4e-16 * (1 + phi)):
                break
        thr = np.where(sw.any(axis=1), phi, np.nan)
        cands.append(np.where(sw.any(axis=1), phi, grid[rows, j]))
    # the stationary point by bisection on G's slope (implicit-function theorem on D's condition):
    # golden section alone locates a flat maximum only to about √ε
    a = grid[rows, np.maximum(j - 1, 0)]
    b = grid[rows, np.minimum(j + 1, K - 1)]

    def slope(x: np.ndarray) -> np.ndarray:
        x = x[:, None]
        a1, ud = response(x)
        keep = keep_all[:, None]
        h = cost1.d2(a1 - x)
        da1 = np.where(a1 > x, h / (h - keep * rev.d2(a1)), 1.0)
        s = np.where(ud >= -TIE, d[:, None] * rev.d1(a1) * da1, 0.0) - cost0.d1(x)
        return s[:, 0]

    # G's slope jumps where D starts to participate: bracket from the threshold then
    pa = g_value(a[:, None])[3][:, 0]
    if thr is not None:
        a = np.where(~pa & (thr > a) & (thr < b), thr, a)
    sa, sb = slope(a), slope(b)
    ok = (sa > 0) & (sb < 0)
    if ok.any():
        lo, hi = a.copy(), b.copy()
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            up = slope(mid) > 0
            lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
            if np.all(hi - lo <= 4e-16 * (1 + hi)):
                break
        cands.append(np.where(ok, 0.5 * (lo + hi), grid[rows, j]))
    root = cands[-1] if ok.any() else None
    iroot = len(cands) - 1
    cand = np.stack(cands, axis=1)
    cv = g_value(cand)[0]
    best = cv.max(axis=1)
    near = cv >= (best - TIE * (1 + np.abs(best)))[:, None]
    a0 = np.where(near, cand, -np.inf).max(axis=1)
    if root is not None:
        # the refined stationary point wins its near-ties: next to a flat maximum the other
        # candidates tie with it only because the objective is flat there
        a0 = np.where(ok & near[:, iroot], root, a0)
    ug, a1, ud, part = (x[:, 0] for x in g_value(a0[:, None]))
    dlt = a1 - a0
    status = np.where(part, np.where(dlt > 0, CONTRIBUTES, FREE_RIDES), ABSTAINS)
    return {"alpha0": a0, "U_G": ug, "alpha1": np.where(part, a1, np.nan)[:, None],
            "U_D": np.where(part, ud, 0.0)[:, None], "status": status.astype(np.int8)[:, None]}


# -- the public API ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainOutcome:
    """One specialist's outcome."""

    name: str
    delta: float
    alpha1: float
    U_D: float
    status: str


@dataclass(frozen=True)
class FinetuneEquilibrium:
    """The fine-tuning game's subgame-perfect outcome at one point.

    Attributes
    ----------
    delta : float
        The share in force (common δ when bargained; NaN with several specialists at their own δ_i).
    alpha0 : float
        G's investment (general model's performance).
    alpha1 : float
        Performance of the fine-tuned model (one specialist; NaN if it abstains); with several,
        the sum over participating domains.
    U_G, U_D : float
        G's utility and the specialists' total utility.
    surplus : float
        U_G + U_D.
    bargaining : str
        The bargaining solution (``fixed``: δ as given).
    domains : tuple of DomainOutcome
        Per domain: share, α1, U_D and status (contributes / free_rides / abstains).
    pareto_deltas : tuple of float
        The Pareto-efficient common shares on the bargaining grid (empty when ``fixed``).
    method : {'closed_form', 'numerical'}
    """

    delta: float
    alpha0: float
    alpha1: float
    U_G: float
    U_D: float
    surplus: float
    bargaining: str
    domains: tuple[DomainOutcome, ...] = field(default_factory=tuple)
    pareto_deltas: tuple[float, ...] = ()
    method: str = "closed_form"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN becomes None)."""
        clean = lambda x: None if isinstance(x, float) and math.isnan(x) else x  # noqa: E731
        out = {k: clean(getattr(self, k)) for k in ("delta", "alpha0", "alpha1", "U_G", "U_D", "surplus",
                                                     "bargaining", "method")}
        out["pareto_deltas"] = list(self.pareto_deltas)
        out["domains"] = [{k: clean(v) for k, v in d.__dict__.items()} for d in self.domains]
        return out


def _domain_arrays(specialists: list[Specialist], shape_n: int, overrides: dict[str, np.ndarray]):
    """Domain parameters (N, n): the specialists' own, or the one-specialist arrays."""
    cols = {}
    for key in FIELDS:
        if key in overrides:
            cols[key] = np.broadcast_to(overrides[key][:, None], (shape_n, len(specialists)))
        else:
            cols[key] = np.broadcast_to(np.array([getattr(s, key) for s in specialists], float),
                                        (shape_n, len(specialists)))
    return cols


def finetune_arrays(c0: np.ndarray, specialists: list[Specialist], delta: np.ndarray | None = None,
                    forms: FinetuneForms | None = None, singles: dict[str, np.ndarray] | None = None
                    ) -> dict[str, np.ndarray]:
    """Outcomes for flat points (c0 of shape (N,)); ``delta`` (N,) overrides every δ_i; ``singles``
    gives one specialist's r, c, k, f as (N,) arrays. Returns alpha0, U_G (N,) and alpha1, U_D,
    status (N, n)."""
    forms = forms or FinetuneForms()
    N, n = c0.shape[0], len(specialists)
    if N * n * (2 * n + 1) > MAX_WORK:
        raise LimitError(f"{N} points × {n} specialists: more than {MAX_WORK:.0e} candidate evaluations "
                         "in one call (use fewer points or specialists)")
    over = dict(singles or {})
    if delta is not None:
        over["delta"] = delta
    p = _domain_arrays(specialists, N, over)
    if forms.is_default:
        step = max(1, BLOCK_WORK // (n * (2 * n + 1)))
        keys = ("r", "c", "delta", "k", "f")
        parts = [_closed_kernel(c0[i:i + step], *(p[key][i:i + step] for key in keys))
                 for i in range(0, N, step)]
        return parts[0] if len(parts) == 1 else {k: np.concatenate([q[k] for q in parts]) for k in parts[0]}
    if n != 1:
        raise ParameterError("forms", "user forms",
                             "one specialist (user forms with several are not supported)")
    return _numerical_kernel(c0, p["r"][:, 0], p["c"][:, 0], p["delta"][:, 0], p["k"][:, 0], p["f"][:, 0],
                             forms)


def solve_finetune(*, r: Any = 1.0, c0: Any = 1.0, c1: Any = 1.0, delta: Any = 0.5, k1: Any = 0.0,
                   f1: Any = 0.0, specialists: list[Specialist] | None = None, bargaining: str = "fixed",
                   forms: FinetuneForms | None = None, share_grid: int = GRID_DEFAULT
                   ) -> FinetuneEquilibrium | Any:
    """Solve the fine-tuning game (one specialist, or several with ``specialists``).

    Parameters
    ----------
    r, c1, k1, f1 : float or 1-D array
        The one specialist's revenue per unit of performance, quadratic and linear cost, entry cost
        (not used with ``specialists``).
    c0 : float or 1-D array
        G's cost scale: φ0(α0) = c0·α0².
    delta : float, 1-D array or None
        G's share with ``bargaining="fixed"``; with ``specialists``, ``None`` keeps each δ_i and a
        number sets all of them. Ignored when bargaining (the players set δ).
    specialists : list of Specialist, optional
        Several domains (see :func:`load_specialists`).
    bargaining : str
        One of :data:`moatlab.game.bargaining.SOLUTIONS`; bargaining is over a common δ ∈ [0, 1].
    forms : FinetuneForms, optional
        User forms (one specialist; numerical path).
    share_grid : int
        Grid points over δ before refinement (the Pareto set is reported on it).

    Returns
    -------
    FinetuneEquilibrium
        When every argument is a scalar.
    xarray.Dataset
        Otherwise: dims are the swept arguments (outer product, in the order r, c0, c1, delta, k1,
        f1) plus ``domain``.

    Examples
    --------
    >>> eq = solve_finetune(r=1.0, c0=1.0, c1=1.0, delta=0.5)
    >>> round(eq.alpha0, 6), round(eq.alpha1, 6), round(eq.U_G, 6)
    (0.25, 0.5, 0.1875)
    """
    check_choice("bargaining", bargaining, SOLUTIONS)
    forms = forms or FinetuneForms()
    if specialists is not None:
        if not specialists:
            raise ParameterError("specialists", "an empty list", "at least one specialist")
        if len(specialists) > MAX_SPECIALISTS:
            raise LimitError(f"{len(specialists)} specialists: at most {MAX_SPECIALISTS} are allowed")
        if not forms.is_default:
            raise ParameterError("forms", "user forms", "the default forms with several specialists")
    args = {"r": r, "c0": c0, "c1": c1, "delta": delta, "k1": k1, "f1": f1}
    if specialists is not None:
        for key in ("r", "c1", "k1", "f1"):
            if np.ndim(args[key]) > 0:
                raise ParameterError(key, "an array",
                                     "a scalar with specialists (their values come from the file)")
    ranges = {"r": FIELDS["r"], "c0": FIELDS["c"], "c1": FIELDS["c"], "delta": FIELDS["delta"],
              "k1": FIELDS["k"], "f1": FIELDS["f"]}
    swept: dict[str, np.ndarray] = {}
    for key, val in args.items():
        if val is None:
            if key != "delta" or specialists is None:
                raise ParameterError(key, None, "a number")
            continue
        _, lo, hi, lo_open, _d = ranges[key]
        arr = check_range(key, val, lo, hi, lo_open=lo_open, hi_open=math.isinf(hi))
        if arr.ndim > 1:
            raise ParameterError(key, f"an array of shape {arr.shape}", "a scalar or a 1-D array")
        if arr.ndim == 1:
            if arr.size == 0:
                raise ParameterError(key, "an empty array", "at least one value")
            swept[key] = arr
    if bargaining != "fixed" and "delta" in swept:
        raise ParameterError("delta", "an array", "a scalar when bargaining (the players set δ)")
    shape = tuple(v.size for v in swept.values())
    N = int(np.prod(shape)) if shape else 1
    mesh = np.meshgrid(*swept.values(), indexing="ij") if swept else []
    flat = {k: np.asarray(args[k], float) * np.ones(N) for k in args
            if args[k] is not None and k not in swept}
    flat.update({k: m.reshape(-1) for k, m in zip(swept, mesh, strict=True)})
    specs = specialists if specialists is not None else [Specialist("D")]
    singles = None if specialists is not None else {"r": flat["r"], "c": flat["c1"], "k": flat["k1"],
                                                     "f": flat["f1"]}
    c0f = flat["c0"]
    n = len(specs)
    pareto = None

    if bargaining == "fixed":
        res = finetune_arrays(c0f, specs, flat.get("delta"), forms, singles)
        share = flat["delta"] if "delta" in flat else np.full(N, np.nan)
    else:
        def cont(s: np.ndarray):
            k = s.shape[-1]
            rep = lambda v: np.repeat(v, k)  # noqa: E731
            sg = None if singles is None else {key: rep(v) for key, v in singles.items()}
            o = finetune_arrays(rep(c0f), specs, s.reshape(-1), forms, sg)
            q = np.nansum(np.where(o["status"] > 0, o["alpha1"], np.nan), axis=1)
            q = np.where((o["status"] > 0).any(axis=1), q, np.nan)
            return o["U_G"].reshape(N, k), o["U_D"].sum(axis=1).reshape(N, k), q.reshape(N, k)

        b = bargain(cont, 0.0, 1.0, bargaining, shape=(N,), grid=share_grid)
        share = np.where(b.agreed, b.share, np.nan)
        res = finetune_arrays(c0f, specs, np.nan_to_num(share), forms, singles)
        pareto = b
    ud_tot = res["U_D"].sum(axis=1)
    part = res["status"] > 0
    a1_tot = np.where(part.any(axis=1), np.nansum(np.where(part, res["alpha1"], np.nan), axis=1), np.nan)
    method = "closed_form" if forms.is_default else "numerical"
    grid_s = np.linspace(0.0, 1.0, share_grid)
    if not swept:
        doms = tuple(DomainOutcome(s.name, float(share[0]) if np.isfinite(share[0]) else s.delta,
                                   float(res["alpha1"][0, i]), float(res["U_D"][0, i]),
                                   STATUSES[int(res["status"][0, i])]) for i, s in enumerate(specs))
        return FinetuneEquilibrium(
            delta=float(share[0]), alpha0=float(res["alpha0"][0]), alpha1=float(a1_tot[0]),
            U_G=float(res["U_G"][0]), U_D=float(ud_tot[0]), surplus=float(res["U_G"][0] + ud_tot[0]),
            bargaining=bargaining, domains=doms,
            pareto_deltas=() if pareto is None else tuple(float(x) for x in grid_s[pareto.pareto[0]]),
            method=method)
    import xarray as xr

    dims = list(swept)
    coords = {k: (k, v) for k, v in swept.items()}
    coords["domain"] = ("domain", [s.name for s in specs])
    data = {
        "share": (dims, share.reshape(shape), {"long_name": "G's share δ in force (common to all domains)"}),
        "alpha0": (dims, res["alpha0"].reshape(shape), {"long_name": "G's investment α0"}),
        "alpha1": (dims, a1_tot.reshape(shape), {"long_name": "fine-tuned performance (sum over domains)"}),
        "U_G": (dims, res["U_G"].reshape(shape), {"long_name": "G's utility"}),
        "U_D": (dims, ud_tot.reshape(shape), {"long_name": "specialists' total utility"}),
        "surplus": (dims, (res["U_G"] + ud_tot).reshape(shape), {"long_name": "U_G + U_D"}),
        "alpha1_domain": ([*dims, "domain"], res["alpha1"].reshape(*shape, n),
                          {"long_name": "α1 per domain"}),
        "U_D_domain": ([*dims, "domain"], res["U_D"].reshape(*shape, n), {"long_name": "U_D per domain"}),
        "status": ([*dims, "domain"], res["status"].reshape(*shape, n),
                   {"flag_values": np.arange(3, dtype=np.int8), "flag_meanings": " ".join(STATUSES)}),
    }
    if pareto is not None:
        coords["share_grid"] = ("share_grid", grid_s)
        data["share_pareto"] = ([*dims, "share_grid"],
                                pareto.pareto.reshape(*shape, share_grid).astype(np.int8),
                                {"long_name": "1 where the grid share is Pareto efficient"})
    keep = [k for k, v in args.items() if v is not None and k not in swept
            and (specialists is None or k in ("c0", "delta"))
            and not (k == "delta" and bargaining != "fixed")]
    attrs = {"bargaining": bargaining, "method": method, **{k: float(args[k]) for k in keep}}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def share_curve(delta: Any = None, *, c0: float = 1.0, specialists: list[Specialist] | None = None,
                forms: FinetuneForms | None = None, solutions: tuple[str, ...] = SOLUTIONS[1:],
                share_grid: int = GRID_DEFAULT, **single: float
                ) -> tuple[Any, dict[str, FinetuneEquilibrium]]:
    """(U_G, U_D) over a grid of common shares δ, and each bargaining solution's outcome.

    Returns the Dataset of :func:`solve_finetune` over ``delta`` (default 101 points on [0, 1])
    and a dict mapping each solution in ``solutions`` to its :class:`FinetuneEquilibrium`.
    """
    delta = np.linspace(0, 1, 101) if delta is None else np.atleast_1d(np.asarray(delta, float))
    ds = solve_finetune(delta=delta, c0=c0, specialists=specialists, forms=forms, **single)
    marks = {s: solve_finetune(c0=c0, specialists=specialists, forms=forms, bargaining=s,
                               share_grid=share_grid, **single) for s in solutions}
    return ds, marks
