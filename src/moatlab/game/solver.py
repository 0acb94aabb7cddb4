r"""The openness-regulation game: subgame-perfect equilibrium by backward induction.

.. math::

    U_D(\alpha_1;\omega) &= (1-\delta(\omega))\,r(\alpha_1) - \varphi_D(\alpha_1-\alpha_0;\omega) - F_D \\
    U_G(\omega) &= \delta(\omega)\,r(\alpha_1^*(\omega)) + b(\omega) - \kappa(\omega)
                   - \varphi_G(\alpha_0) - \mathrm{pen}(\omega;\pi)

with penalty forms ``lump_sum`` :math:`p\,1[\omega<\theta]`, ``turnover``
:math:`p\,\delta r\,1[\omega<\theta]` and ``shortfall`` :math:`p\max(0,\theta-\omega)`.
D best-responds to ω (or abstains, then the revenue term is 0 for both); G picks ω ∈ [0, 1]
or exits (both get 0). Ties: an indifferent G prefers the more open action (comply over
defy, release over exit, the larger ω); an indifferent D participates.

G's action is ``exit`` when every release is worth less than 0; ``not_binding`` when its
unregulated choice ω_free already meets θ; ``comply`` when it raises openness to θ or above;
``defy`` when it stays below θ and pays.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import ParameterError, check_choice
from ..forms import GameForms
from .closed_form import ClosedFormKernel
from .kernel import TIE
from .numerical import NumericalKernel
from .params import NUMERIC, PARAMETERS, GameParams

if TYPE_CHECKING:
    import xarray as xr

ACTIONS = ("exit", "not_binding", "comply", "defy")
EXIT, NOT_BINDING, COMPLY, DEFY = range(4)
METHODS = ("auto", "closed_form", "numerical")
REFERENCES = ("no_regulation", "no_exemption")
CHUNK = 8192
#: Below this many points the numpy closed form is used even with numba installed: loading the
#: compiled kernels (numba itself, the cache) costs more than it saves for a handful of points.
FAST_MIN = 256

OUTPUTS: dict[str, tuple[str, str]] = {
    "action": ("", "G's action: 0 exit, 1 not_binding, 2 comply, 3 defy"),
    "omega": ("openness", "openness G releases (NaN on exit)"),
    "omega_free": ("openness", "G's choice without regulation (NaN if G would exit anyway)"),
    "alpha1": ("performance units", "fine-tuned performance (NaN if no product)"),
    "U_G": ("revenue units", "generalist's utility"),
    "U_D": ("revenue units", "specialist's utility"),
    "surplus": ("revenue units", "U_G + U_D"),
    "penalty_paid": ("revenue units", "regulatory cost G pays"),
    "participates": ("", "1 if the specialist fine-tunes, else 0"),
}


@dataclass(frozen=True)
class Equilibrium:
    """The subgame-perfect equilibrium at one parameter point.

    Attributes
    ----------
    action : {'exit', 'not_binding', 'comply', 'defy'}
        G's choice: leave the market; its own choice ω_free already meets θ; open up to θ;
        stay below θ and pay the penalty.
    omega : float
        Openness G releases, in [0, 1] (0 = API only, 1 = fully open); NaN when G exits.
    omega_free : float
        Openness G would choose without regulation.
    alpha1 : float
        Performance of the final, fine-tuned model (α0 plus D's investment).
    U_G, U_D : float
        Payoffs of the generalist G and the domain specialist D (revenue units).
    surplus : float
        U_G + U_D.
    penalty_paid : float
        Penalty G pays (0 unless it defies).
    participates : bool
        Whether D fine-tunes (it abstains when its payoff would not cover F_D).
    params : GameParams
        The parameters solved.
    method : {'closed_form', 'numerical'}
        The path that solved it.
    bargaining : str
        The bargaining solution of stage 1 (``fixed``: no bargaining, δ(ω) = δ0 (1 − ω)).
    share : float
        The share parameter s in force: δ0 when ``fixed``, else the agreed s of the schedule.
    schedule : str
        The share schedule bargained over (``scale``: δ = s (1 − ω); ``constant``: δ = s).
    pareto_shares : tuple of float
        The Pareto-efficient shares on the bargaining grid (empty when ``fixed``).
    """

    action: str
    omega: float
    omega_free: float
    alpha1: float
    U_G: float
    U_D: float
    surplus: float
    penalty_paid: float
    participates: bool
    params: GameParams
    method: str
    bargaining: str = "fixed"
    share: float = math.nan
    schedule: str = "scale"
    pareto_shares: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the outcome (NaN becomes None); parameters under ``params``."""
        clean = lambda x: None if isinstance(x, float) and math.isnan(x) else x  # noqa: E731
        out = {k: clean(getattr(self, k)) for k in ("action", "omega", "omega_free", "alpha1",
                                                     "U_G", "U_D", "surplus", "penalty_paid",
                                                     "participates", "bargaining", "share",
                                                     "schedule")}
        out["pareto_shares"] = list(self.pareto_shares)
        out["params"] = asdict(self.params)
        out["method"] = self.method
        return out


def make_kernel(p: dict[str, np.ndarray], forms: GameForms, method: str):
    if method == "closed_form":
        if not forms.is_default:
            raise ParameterError("method", method, "'numerical' or 'auto' when forms are replaced "
                                 f"({', '.join(forms.replaced)})")
        return ClosedFormKernel(p)
    if method == "numerical" or not forms.is_default:
        from ._fast_numerical import CompiledNumericalKernel
        from ._jit_forms import compile_forms  # numba loads here, on first use

        compiled = compile_forms(forms)  # None without numba or when a form does not compile
        if compiled is not None:
            return CompiledNumericalKernel(p, compiled, forms.omega_grid)
        return NumericalKernel(p, forms)
    return ClosedFormKernel(p)


def numerical_backend(forms: GameForms | None = None) -> str:
    """Which implementation the numerical path takes for these forms: ``"numba"`` or ``"numpy"``.

    With numba installed (``pip install moatlab[fast]``) and ``MOATLAB_NO_NUMBA`` unset, forms
    that numba can compile (plain arithmetic and numpy/math functions of their arguments, constants
    captured from the enclosing scope) run compiled, point by point; anything else, such as a form
    that reads a dict or calls a Python object, runs on the vectorised numpy path. Both solve the
    same equations to the same tolerances.
    """
    from ._jit_forms import compile_forms

    return "numba" if compile_forms(forms or GameForms()) is not None else "numpy"


def _solve_chunk(p: dict[str, np.ndarray], form: str, forms: GameForms, method: str,
                 kernel=None) -> dict:
    k = make_kernel(p, forms, method) if kernel is None else kernel(p)
    theta, pen = p["theta"], p["penalty"]
    g = k.regimes(theta, pen, form)
    tol_c = TIE * (1 + np.abs(np.nan_to_num(g.v_comply, neginf=0.0)))
    best = np.maximum(g.v_comply, g.v_defy)
    tol_b = TIE * (1 + np.abs(np.nan_to_num(best, neginf=0.0)))
    comply_side = g.v_comply >= g.v_defy - tol_c
    free_ok = g.v_free >= -TIE * (1 + np.abs(g.v_free))
    w_free = np.where(free_ok, g.w_free, np.nan)
    exits = best < -tol_b
    action = np.where(exits, EXIT, np.where(
        comply_side, np.where(free_ok & (w_free >= theta), NOT_BINDING, COMPLY), DEFY))
    omega = np.select([action == NOT_BINDING, action == COMPLY, action == DEFY],
                      [w_free, g.w_comply, g.w_defy], np.nan)
    a1, ud, part, rev, other = k.outcome(np.nan_to_num(omega)[:, None])[:5]
    a1, ud, part, rev, other = a1[:, 0], ud[:, 0], part[:, 0], rev[:, 0], other[:, 0]
    below = np.nan_to_num(omega, nan=1.0) < theta
    if form == "lump_sum":
        pen_paid = np.where(below, pen, 0.0)
    elif form == "turnover":
        pen_paid = np.where(below, pen * rev, 0.0)
    else:
        pen_paid = np.where(below, pen * (theta - np.nan_to_num(omega)), 0.0)
    released = action != EXIT
    part = part & released
    ug = np.where(released, rev + other - pen_paid, 0.0)
    ud = np.where(part, ud, 0.0)
    return {
        "action": action.astype(np.int8),
        "omega": omega,
        "omega_free": w_free,
        "alpha1": np.where(part, a1, np.nan),
        "U_G": ug,
        "U_D": ud,
        "surplus": ug + ud,
        "penalty_paid": np.where(released, pen_paid, 0.0),
        "participates": part.astype(np.int8),
    }


def _chunked(fn, p: dict[str, np.ndarray], chunk: int = CHUNK) -> dict[str, np.ndarray]:
    n = next(iter(p.values())).shape[0]
    if n <= chunk:
        return fn(p)
    parts = [fn({k: v[i:i + chunk] for k, v in p.items()}) for i in range(0, n, chunk)]
    return {k: np.concatenate([q[k] for q in parts]) for k in parts[0]}


def equilibrium_arrays(params: GameParams, forms: GameForms | None = None,
                       method: str = "auto") -> dict[str, np.ndarray]:
    """Equilibria for broadcast parameter arrays: a dict of arrays of ``params.shape``.

    This is the fast, low-level entry point (used by sweeps and benchmarks).
    """
    forms = forms or GameForms()
    check_choice("method", method, METHODS)
    shape = params.shape
    out = equilibria_flat(params.flat(), params.penalty_form, forms, method)
    return {k: v.reshape(shape) for k, v in out.items()}


def equilibria_flat(p: dict[str, np.ndarray], form: str, forms: GameForms, method: str,
                    kernel=None) -> dict[str, np.ndarray]:
    """Equilibria for flat, already validated parameter arrays (the stages' building block).

    ``kernel``, when given, maps the flat parameters to a kernel (a share schedule's kernel in
    :mod:`moatlab.game.openness_bargaining`); otherwise the kernel follows ``forms`` and ``method``.
    """
    fast = None
    if kernel is None and method != "numerical" and forms.is_default and p["theta"].size >= FAST_MIN:
        from . import _fast  # numba loads here, on first use

        fast = _fast if _fast.available() else None
    if fast is not None:
        return fast.solve_fast(p, form)  # compiled closed form (numba installed)
    return _chunked(lambda q: _solve_chunk(q, form, forms, method, kernel), p)


def reference_arrays(params: GameParams, reference: str, forms: GameForms | None = None,
                     method: str = "auto") -> dict[str, np.ndarray]:
    """Outcome under a welfare reference: ``no_regulation`` (p = 0) or ``no_exemption``.

    ``no_exemption``: every model is charged, whatever its openness (nobody qualifies):
    ``lump_sum`` charges p, ``turnover`` charges p·δ·r, ``shortfall`` charges p·θ (the
    shortfall of a model whose openness does not count). G then picks its best ω or exits.
    Returns ``omega``, ``alpha1``, ``U_G``, ``U_D`` and ``surplus`` arrays.
    """
    forms = forms or GameForms()
    check_choice("reference", reference, REFERENCES)
    check_choice("method", method, METHODS)
    shape = params.shape
    out = references_flat(params.flat(), reference, params.penalty_form, forms, method)
    return {k: v.reshape(shape) for k, v in out.items()}


def references_flat(p: dict[str, np.ndarray], reference: str, form: str, forms: GameForms, method: str,
                    kernel=None) -> dict[str, np.ndarray]:
    """:func:`reference_arrays` for flat, already validated parameter arrays."""

    def run(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        k = make_kernel(p, forms, method) if kernel is None else kernel(p)
        if not hasattr(k, "maximise"):  # the compiled numerical kernel solves regimes only
            k = NumericalKernel(p, forms)
        n = p["theta"].shape[0]
        one, zero, pen = np.ones(n), np.zeros(n), p["penalty"]
        if reference == "no_regulation":
            m, c0 = one, zero
        elif form == "turnover":
            m, c0 = 1 - pen, zero
        else:
            m, c0 = one, pen * (p["theta"] if form == "shortfall" else one)
        w, v = k.maximise(zero, one, m, c0, zero)
        exits = v < -TIE * (1 + np.abs(v))
        a1, ud, part = (x[:, 0] for x in k.outcome(np.nan_to_num(w)[:, None])[:3])
        part = part & ~exits
        ug = np.where(exits, 0.0, v)
        ud = np.where(part, ud, 0.0)
        return {"omega": np.where(exits, np.nan, w), "alpha1": np.where(part, a1, np.nan),
                "U_G": ug, "U_D": ud, "surplus": ug + ud}

    return _chunked(run, p)


def _split(kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    fixed, swept = {}, {}
    for name, value in kwargs.items():
        if name not in PARAMETERS and name != "penalty_form":
            raise ParameterError("parameter", name, "one of " + ", ".join((*NUMERIC, "penalty_form")))
        if name != "penalty_form" and np.ndim(value) > 0:
            arr = np.asarray(value, dtype=float)
            if arr.ndim != 1:
                raise ParameterError(name, f"an array of shape {arr.shape}",
                                     "a scalar or a 1-D array (use equilibrium_arrays to broadcast)")
            swept[name] = arr
        else:
            fixed[name] = value
    return fixed, swept


def grid_params(**kwargs: Any) -> tuple[GameParams, dict[str, np.ndarray]]:
    """GameParams whose 1-D array arguments span an outer-product grid (in argument order)."""
    fixed, swept = _split(kwargs)
    names = list(swept)
    grid = {}
    for i, n in enumerate(names):
        shape = [1] * len(names)
        shape[i] = swept[n].size
        grid[n] = swept[n].reshape(shape)
    return GameParams(**fixed, **grid), swept


def to_dataset(out: dict[str, np.ndarray], params: GameParams,
               swept: dict[str, np.ndarray], attrs: dict[str, Any] | None = None) -> xr.Dataset:
    """Wrap result arrays (shaped like the sweep grid) into a Dataset with units in attrs."""
    dims = list(swept)
    coords = {n: (n, v, {"units": PARAMETERS[n].units, "long_name": PARAMETERS[n].description})
              for n, v in swept.items()}
    data = {}
    for name, arr in out.items():
        units, desc = OUTPUTS.get(name, ("", name))
        data[name] = (dims, np.broadcast_to(arr, tuple(v.size for v in swept.values())),
                      {"units": units, "long_name": desc})
    import xarray as xr

    ds = xr.Dataset(data, coords=coords)
    if "action" in ds:
        ds["action"].attrs.update(flag_values=np.arange(4, dtype=np.int8),
                                  flag_meanings=" ".join(ACTIONS))
    for n in NUMERIC:
        if n not in swept:
            ds.attrs[n] = float(getattr(params, n))
    ds.attrs["penalty_form"] = params.penalty_form
    ds.attrs.update(attrs or {})
    return ds


def solve(*, forms: GameForms | None = None, method: str = "auto", bargaining: str = "fixed",
          schedule: Any = "scale", share_grid: int = 33,
          **params: Any) -> Equilibrium | xr.Dataset:
    """Solve the openness game.

    Parameters
    ----------
    forms : GameForms, optional
        Replacements for the default functional forms (numerical path).
    method : {"auto", "closed_form", "numerical"}
        ``auto`` takes the closed form for the default family and the numerical path otherwise.
    bargaining : str
        Stage 1, the bargaining over the share rule before G picks ω: ``fixed`` (default, no
        bargaining: δ(ω) = δ0 (1 − ω) as given), ``vertical_monopoly``, ``utilitarian``,
        ``nash``, ``egalitarian``, ``kalai_smorodinsky`` or ``max_performance``
        (:mod:`moatlab.game.bargaining`). When bargaining, ``delta0`` is not used with the
        default schedule: the players set it.
    schedule : {"scale", "constant"}, callable or QualitySchedule
        The share rule bargained over: ``scale`` δ = s (1 − ω) (s takes δ0's place), ``constant``
        δ = s, a callable ``f(omega, s)``, or ``QualitySchedule(f)`` with ``f(omega, alpha1, s)``,
        a share that moves with the quality D chooses (numerical path); s ∈ [0, 1].
    share_grid : int
        Grid points over s before the per-point refinement (the Pareto set is reported on it).
    **params
        Any of ``alpha0, theta, penalty, delta0, c_d, lam, epsilon, kappa0, c_g, f_d,
        penalty_form``; unset ones take their default values. A 1-D array sweeps that
        parameter; several arrays span an outer-product grid.

    Returns
    -------
    Equilibrium
        When every parameter is a scalar.
    xarray.Dataset
        Otherwise, with one dimension per swept parameter, in argument order. When bargaining,
        also ``share``, ``agreed``, ``pareto_lo``, ``pareto_hi`` and ``share_pareto`` (over an
        extra dimension ``share_grid``).

    Examples
    --------
    >>> from moatlab import solve
    >>> eq = solve(alpha0=0.05)
    >>> round(eq.omega_free, 3)
    0.431
    """
    gp, swept = grid_params(**params)
    forms = forms or GameForms()
    check_choice("method", method, METHODS)
    from .openness_bargaining import check_bargaining

    check_bargaining(bargaining, schedule, forms, method, share_grid)
    if bargaining != "fixed":
        if schedule == "scale" and "delta0" in swept:
            raise ParameterError("delta0", "an array", f"a scalar with bargaining={bargaining!r} "
                                 "(the players set δ0)")
        return _solve_bargained(gp, swept, forms, method, bargaining, schedule, share_grid)
    out = equilibrium_arrays(gp, forms, method)
    used = make_kernel({n: np.zeros(1) + 0.5 for n in NUMERIC}, forms, method).method
    if not swept:
        val = {k: v.reshape(()).item() for k, v in out.items()}
        return Equilibrium(
            action=ACTIONS[int(val["action"])], omega=val["omega"], omega_free=val["omega_free"],
            alpha1=val["alpha1"], U_G=val["U_G"], U_D=val["U_D"], surplus=val["surplus"],
            penalty_paid=val["penalty_paid"], participates=bool(val["participates"]),
            params=gp, method=used, share=float(gp.delta0))
    return to_dataset(out, gp, swept, {"method": used, "bargaining": "fixed"})


BARGAINED_OUTPUTS: dict[str, tuple[str, str]] = {
    "share": ("share parameter", "the agreed share parameter s of the schedule"),
    "agreed": ("", "1 if some share is individually rational for both (always, with exit and abstention)"),
    "pareto_lo": ("share parameter", "smallest Pareto-efficient share on the bargaining grid"),
    "pareto_hi": ("share parameter", "largest Pareto-efficient share on the bargaining grid"),
}


def _solve_bargained(gp: GameParams, swept: dict[str, np.ndarray], forms: GameForms, method: str,
                     bargaining: str, schedule: Any, share_grid: int) -> Equilibrium | xr.Dataset:
    from .openness_bargaining import bargained_flat, check_work, describe, schedule_name, share_grid_values

    shape = gp.shape
    check_work(float(np.prod(shape)), "solve: parameter points", bargaining, schedule, forms, method,
               share_grid)  # the work budget, before the block of shares is allocated
    out = bargained_flat(gp.flat(), gp.penalty_form, forms, method, bargaining, schedule, share_grid)
    mask = out.pop("share_pareto")
    out = {k: v.reshape(shape) for k, v in out.items()}
    grid = share_grid_values(share_grid)
    used = "numerical" if schedule != "scale" else make_kernel(
        {n: np.zeros(1) + 0.5 for n in NUMERIC}, forms, method).method
    sched = schedule_name(schedule)
    if not swept:
        val = {k: v.reshape(()).item() for k, v in out.items()}
        return Equilibrium(
            action=ACTIONS[int(val["action"])], omega=val["omega"], omega_free=val["omega_free"],
            alpha1=val["alpha1"], U_G=val["U_G"], U_D=val["U_D"], surplus=val["surplus"],
            penalty_paid=val["penalty_paid"], participates=bool(val["participates"]),
            params=gp, method=used, bargaining=bargaining, share=val["share"], schedule=sched,
            pareto_shares=tuple(float(x) for x in grid[mask.reshape(-1) == 1]))
    ds = to_dataset(out, gp, swept, {"method": used, "bargaining": bargaining, "schedule": sched,
                                     "stage_1": describe(bargaining, schedule)})
    for k, (units, desc) in BARGAINED_OUTPUTS.items():
        ds[k].attrs = {"units": units, "long_name": desc}
    ds.coords["share_grid"] = ("share_grid", grid, {"long_name": "bargaining grid of the share parameter s"})
    ds["share_pareto"] = ((*swept, "share_grid"), mask.reshape(*ds["share"].shape, share_grid),
                          {"long_name": "1 where the grid share is Pareto efficient"})
    if "delta0" not in swept and schedule == "scale":
        ds.attrs.pop("delta0", None)  # the players set it
    return ds


def action_names(action: Any) -> np.ndarray:
    """Map integer action codes (as in a result Dataset) to their names."""
    return np.asarray(ACTIONS, dtype=object)[np.asarray(action, dtype=int)]


def _solve_signature() -> inspect.Signature:
    """``solve``'s keywords as :func:`help` and tab completion show them (order is kept by **params)."""
    kw = inspect.Parameter.KEYWORD_ONLY
    ps = [inspect.Parameter(n, kw, default=PARAMETERS[n].default, annotation="float | ArrayLike")
          for n in NUMERIC]
    ps.append(inspect.Parameter("penalty_form", kw, default="lump_sum", annotation="str"))
    ps.append(inspect.Parameter("forms", kw, default=None, annotation="GameForms | None"))
    ps.append(inspect.Parameter("method", kw, default="auto", annotation="str"))
    ps.append(inspect.Parameter("bargaining", kw, default="fixed", annotation="str"))
    ps.append(inspect.Parameter("schedule", kw, default="scale", annotation="str | Callable"))
    ps.append(inspect.Parameter("share_grid", kw, default=33, annotation="int"))
    return inspect.Signature(ps, return_annotation="Equilibrium | xarray.Dataset")


solve.__signature__ = _solve_signature()  # type: ignore[attr-defined]
