r"""The regulatory landscape of the openness game over a (θ, p) grid.

At fixed model parameters, each policy (θ, p) is classified by G's action and scored
against two welfare references:

* ``no_regulation`` (p = 0): compliance transfers utility from G to D; defiance is a
  deadweight loss; exit loses both.
* ``no_exemption`` (every model is charged, nobody qualifies): a calibrated threshold can be
  Pareto improving.

Two curves over θ summarise the map:

.. math::

    p^*(\theta) = \inf\{p : \max_{\omega\ge\theta} U_G(\omega) \ge V_{\mathrm{defy}}(\theta, p)\}
    \quad (\theta > \omega_{\mathrm{free}}),

the **indifference curve** (for the lump-sum form :math:`p^* = U_G(\omega_{\mathrm{free}}) -
\max_{\omega\ge\theta}U_G`): above it G complies, below it G defies; and the **exit boundary**
:math:`p_{\mathrm{exit}}(\theta)`, the penalty above which both options are worth less than 0
(defined where complying is worth less than exiting). Both are found by bisection on p
(to 1e-12) for the turnover and shortfall forms, in closed form for the lump sum.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .._validate import ParameterError
from ..forms import GameForms
from .kernel import TIE
from .params import PARAMETERS, GameParams
from .solver import (
    REFERENCES,
    equilibrium_arrays,
    grid_params,
    make_kernel,
    reference_arrays,
    to_dataset,
)

DEFAULT_THETA = np.linspace(0.0, 1.0, 201)
DEFAULT_PENALTY = np.linspace(0.0, 0.5, 201)
TOL_WELFARE = 1e-12
#: With bargaining, the agreed share maximises a criterion that is flat at its optimum, so it is
#: located to about √ε (1e-8) and each player's utility there to about 1e-8: welfare changes
#: smaller than this count as zero.
TOL_WELFARE_BARGAINED = 1e-7


def _regime_values(gp: GameParams, theta: np.ndarray, pen: np.ndarray, forms: GameForms, method: str):
    flat = gp.replace(theta=0.0, penalty=0.0).flat()
    n = theta.size
    p = {k: np.broadcast_to(v, n).copy() for k, v in flat.items()}
    p["theta"], p["penalty"] = theta, pen
    return make_kernel(p, forms, method).regimes(theta, pen, gp.penalty_form)


def policy_curves(theta: Any = None, *, forms: GameForms | None = None, method: str = "auto",
                  **params: Any) -> pd.DataFrame:
    """Indifference curve p*(θ) and exit boundary p_exit(θ) at fixed model parameters.

    Returns a DataFrame indexed by ``theta`` with columns ``p_star`` (NaN where the threshold
    does not bind or complying is worse than exiting) and ``p_exit`` (NaN where G never exits).
    """
    forms = forms or GameForms()
    theta = np.atleast_1d(np.asarray(DEFAULT_THETA if theta is None else theta, dtype=float))
    gp = GameParams(**{**params, "theta": 0.0, "penalty": 0.0})
    GameParams(theta=theta)  # validates θ
    if gp.shape != ():
        raise ParameterError("model parameters", "arrays", "scalars for a landscape (sweep θ and p only)")
    zero = np.zeros_like(theta)
    g0 = _regime_values(gp, theta, zero, forms, method)
    v_free, w_free, v_c = g0.v_free, g0.w_free, g0.v_comply
    binding = (w_free < theta) & (v_free >= 0)
    form = gp.penalty_form

    if form == "lump_sum":
        p_star = np.where(binding & (v_c >= 0), np.maximum(v_free - v_c, 0.0), np.nan)
        p_exit = np.where((v_c < 0) & (v_free >= 0), v_free, np.nan)
    else:
        def defy_value(pen: np.ndarray) -> np.ndarray:
            return _regime_values(gp, theta, pen, forms, method).v_defy

        p_star = _bisect(defy_value, v_c, binding & (v_c >= 0), form)
        p_exit = _bisect(defy_value, np.zeros_like(theta), (v_c < 0) & (v_free >= 0), form)
    return pd.DataFrame({"p_star": p_star, "p_exit": p_exit},
                        index=pd.Index(theta, name="theta"))


def _bisect(defy_value, target: np.ndarray, active: np.ndarray, form: str) -> np.ndarray:
    """Smallest p with defy_value(p) <= target, per θ (defy_value non-increasing in p)."""
    lo = np.zeros_like(target)
    hi = np.ones_like(target)
    if form == "shortfall":
        for _ in range(60):
            grow = active & (defy_value(hi) > target + TIE * (1 + np.abs(target)))
            if not grow.any():
                break
            lo, hi = np.where(grow, hi, lo), np.where(grow, 2 * hi, hi)
    reachable = active & (defy_value(hi) <= target + TIE * (1 + np.abs(target)))
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        above = defy_value(mid) <= target + TIE * (1 + np.abs(target))
        lo, hi = np.where(above, lo, mid), np.where(above, mid, hi)
        if np.all(hi - lo <= 1e-12):
            break
    return np.where(reachable, hi, np.nan)


def landscape(theta: Any = None, penalty: Any = None, *, forms: GameForms | None = None,
              method: str = "auto", bargaining: str = "fixed", schedule: Any = "scale",
              share_grid: int = 33, **params: Any) -> xr.Dataset:
    """G's action, outcomes and welfare over a (θ, p) grid at fixed model parameters.

    Parameters
    ----------
    theta, penalty : array_like, optional
        Grid values (default 201 points on [0, 1] and on [0, 0.5]).
    forms, method
        As in :func:`moatlab.game.solve`.
    bargaining, schedule, share_grid
        Stage 1, as in :func:`moatlab.game.solve`: the players bargain over the share rule at
        every (θ, p), and each welfare reference is scored *under the same bargaining solution*
        (at ``no_regulation`` they bargain at p = 0; at ``no_exemption`` with everyone charged).
        ``fixed`` (default) is the game without stage 1, unchanged.
    **params
        Scalar model parameters (``alpha0``, ``delta0``, ...; ``penalty_form``).

    Returns
    -------
    xarray.Dataset
        Dims ``(theta, penalty)``: ``action`` (0 exit, 1 not_binding, 2 comply, 3 defy),
        ``omega``, ``omega_free``, ``alpha1``, ``U_G``, ``U_D``, ``surplus``,
        ``penalty_paid``, ``participates``; per reference R in {no_regulation, no_exemption}:
        ``dU_G_R``, ``dU_D_R``, ``dsurplus_R``, ``pareto_weak_R``, ``pareto_strict_R``.
        Dim ``theta`` only: ``p_star`` (indifference curve) and ``p_exit`` (exit boundary).
        ``no_exemption`` (every model pays p, none qualifies) is a reference of moatlab's own, not
        one of Qiu et al. (2025). When bargaining, also ``share`` (the agreed s), ``agreed``,
        ``pareto_lo``/``pareto_hi`` (range of Pareto-efficient shares), ``share_no_regulation``
        and ``share_no_exemption`` (the shares agreed under each reference); ``p_star`` and
        ``p_exit`` are then read off the grid (the least grid penalty at which G complies, or
        exits), since the share itself moves with p. The agreed share is located to about 1e-8,
        so with bargaining welfare changes below 1e-7 count as zero in the Pareto flags
        (attribute ``welfare_tolerance``).

    Examples
    --------
    >>> from moatlab.game.landscape import landscape
    >>> ds = landscape(alpha0=0.05)
    >>> dict(ds.sizes)
    {'theta': 201, 'penalty': 201}
    """
    from .._limits import check_sizes  # the work budget, checked before anything is allocated
    check_sizes("landscape_points", "landscape theta × penalty grid", theta, penalty)
    forms = forms or GameForms()
    theta = np.asarray(DEFAULT_THETA if theta is None else theta, dtype=float)
    penalty = np.asarray(DEFAULT_PENALTY if penalty is None else penalty, dtype=float)
    for name in ("theta", "penalty"):
        if name in params:
            raise ParameterError(name, params[name], f"passed as the grid argument {name}=")
    gp, swept = grid_params(theta=theta, penalty=penalty, **params)
    if set(swept) != {"theta", "penalty"}:
        extra = sorted(set(swept) - {"theta", "penalty"})
        raise ParameterError(extra[0], "an array", "a scalar in a landscape (only θ and p are swept)")
    if bargaining != "fixed":
        from .openness_bargaining import check_bargaining, check_work

        check_bargaining(bargaining, schedule, forms, method, share_grid)
        # the work budget: every point, and each reference's points, bargains over the share
        n_th, n_pen = theta.size, penalty.size
        refs_points = 1 + (n_th * n_pen if gp.penalty_form == "shortfall" else n_pen)
        check_work(n_th * n_pen + refs_points, "landscape theta × penalty grid (and its references)",
                   bargaining, schedule, forms, method, share_grid)
        out, refs = _bargained(gp, forms, method, bargaining, schedule, share_grid)
    else:
        _check_fixed_work(theta.size, penalty.size, gp.penalty_form, forms, method)
        out = equilibrium_arrays(gp, forms, method)
        refs = {ref: reference_arrays(gp, ref, forms, method) for ref in REFERENCES}
    tol = TOL_WELFARE if bargaining == "fixed" else TOL_WELFARE_BARGAINED
    for ref in REFERENCES:
        r = refs[ref]
        dg, dd = out["U_G"] - r["U_G"], out["U_D"] - r["U_D"]
        out[f"dU_G_{ref}"] = dg
        out[f"dU_D_{ref}"] = dd
        out[f"dsurplus_{ref}"] = dg + dd
        out[f"pareto_weak_{ref}"] = ((dg >= -tol) & (dd >= -tol) & ((dg > tol) | (dd > tol))).astype(np.int8)
        out[f"pareto_strict_{ref}"] = ((dg > tol) & (dd > tol)).astype(np.int8)
    attrs = {"method": make_kernel(gp.flat(), forms, method).method, "bargaining": bargaining}
    if bargaining != "fixed":
        from .openness_bargaining import describe, schedule_name

        name = schedule_name(schedule)
        attrs.update(schedule=name, stage_1=describe(bargaining, schedule), welfare_tolerance=tol,
                     share_no_regulation=float(refs["no_regulation"]["share"].reshape(-1)[0]))
        if schedule != "scale":
            attrs["method"] = "numerical"
        out["share_no_exemption"] = refs["no_exemption"]["share"]
    ds = to_dataset(out, gp, swept, attrs)
    if bargaining != "fixed":
        from .solver import BARGAINED_OUTPUTS

        for k, (units, desc) in BARGAINED_OUTPUTS.items():
            ds[k].attrs = {"units": units, "long_name": desc}
        ds["share_no_exemption"].attrs = {"units": "share parameter",
                                          "long_name": "share agreed under no_exemption (our reference)"}
        if schedule == "scale":
            ds.attrs.pop("delta0", None)  # the players set it
    for ref in REFERENCES:
        for kind, text in (("dU_G", "change in U_G"), ("dU_D", "change in U_D"),
                           ("dsurplus", "change in total surplus")):
            ds[f"{kind}_{ref}"].attrs = {"units": "revenue units", "long_name": f"{text} vs {ref}"}
        ds[f"pareto_weak_{ref}"].attrs = {"long_name": f"weak Pareto improvement vs {ref} "
                                          "(nobody worse off, someone better off)"}
        ds[f"pareto_strict_{ref}"].attrs = {"long_name": f"strict Pareto improvement vs {ref} "
                                            "(both strictly better off)"}
    if bargaining != "fixed":
        act = ds["action"].values
        ds["p_star"] = ("theta", _first_penalty(act == 2, penalty),
                        {"units": PARAMETERS["penalty"].units,
                         "long_name": "least grid penalty at which G complies (bargained share)"})
        ds["p_exit"] = ("theta", _first_penalty(act == 0, penalty),
                        {"units": PARAMETERS["penalty"].units,
                         "long_name": "least grid penalty at which G exits (bargained share)"})
        return ds
    curves = policy_curves(theta, forms=forms, method=method, **params)
    ds["p_star"] = ("theta", curves["p_star"].to_numpy(),
                    {"units": PARAMETERS["penalty"].units,
                     "long_name": "indifference curve: least penalty at which G complies"})
    ds["p_exit"] = ("theta", curves["p_exit"].to_numpy(),
                    {"units": PARAMETERS["penalty"].units,
                     "long_name": "exit boundary: penalty above which G exits"})
    return ds


def _check_fixed_work(n_theta: int, n_pen: int, form: str, forms: GameForms, method: str) -> None:
    """The ``game_solves`` budget of a landscape without bargaining: the equilibrium and the two
    references at every point, and the curves' regime evaluations per θ (one, plus up to 121 per
    bisected curve under the turnover and shortfall forms); a numerical solve counts ``omega_grid``."""
    from .._limits import check, product, solve_cost

    numerical = method == "numerical" or not forms.is_default
    per_theta = 1 if form == "lump_sum" else 1 + 2 * 121
    path = f", numerical path × omega_grid {forms.omega_grid}" if numerical else ""
    solves = 3 * n_theta * n_pen + per_theta * n_theta
    check("game_solves", product(solves, solve_cost(numerical, forms.omega_grid)),
          f"landscape theta × penalty grid (3 solves a point and the curves{path})")


def _first_penalty(mask: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """Per θ (rows), the least grid penalty where ``mask`` holds; NaN where it never does."""
    pen = np.broadcast_to(np.asarray(penalty, float), mask.shape)
    return np.where(mask.any(axis=1), np.where(mask, pen, np.inf).min(axis=1), np.nan)


def _bargained(gp: GameParams, forms: GameForms, method: str, bargaining: str, schedule: Any,
               share_grid: int) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """The bargained landscape and both references under the same bargaining solution."""
    from .openness_bargaining import bargained_flat

    shape, form = gp.shape, gp.penalty_form
    out = bargained_flat(gp.flat(), form, forms, method, bargaining, schedule, share_grid, keep_pareto=False)
    out = {k: v.reshape(shape) for k, v in out.items()}
    # no regulation: p = 0, so θ does not matter: one bargaining problem
    one = gp.replace(theta=0.0, penalty=0.0)
    r = bargained_flat(one.flat(), form, forms, method, bargaining, schedule, share_grid,
                       reference="no_regulation", keep_pareto=False)
    refs = {"no_regulation": {k: np.broadcast_to(v.reshape(()), shape) for k, v in r.items()}}
    # no exemption: depends on p only, except under the shortfall form (p·θ)
    sub = gp if form == "shortfall" else gp.replace(theta=0.0)
    r = bargained_flat(sub.flat(), form, forms, method, bargaining, schedule, share_grid,
                       reference="no_exemption", keep_pareto=False)
    refs["no_exemption"] = {k: np.broadcast_to(v.reshape(sub.shape), shape) for k, v in r.items()}
    return out, refs


def compliance_penalty(alpha0: Any, theta: float, *, forms: GameForms | None = None,
                       method: str = "auto", **params: Any) -> xr.Dataset:
    """Least penalty that makes G comply with ``theta``, for each baseline performance α0.

    Returns a Dataset over ``alpha0`` with ``p_star`` (NaN where θ does not bind or
    complying is worse than exiting) and ``omega_free``.
    """
    alpha0 = np.atleast_1d(np.asarray(alpha0, dtype=float))
    GameParams(alpha0=alpha0, theta=theta)
    rows = [policy_curves([theta], forms=forms, method=method, alpha0=a, **params) for a in alpha0]
    p_star = np.array([r["p_star"].iloc[0] for r in rows])
    free = equilibrium_arrays(GameParams(alpha0=alpha0, **params), forms or GameForms(), method)
    return xr.Dataset(
        {"p_star": ("alpha0", p_star, {"units": PARAMETERS["penalty"].units,
                                        "long_name": f"least penalty for compliance at θ={theta:g}"}),
         "omega_free": ("alpha0", free["omega_free"], {"units": "openness"})},
        coords={"alpha0": ("alpha0", alpha0, {"units": PARAMETERS["alpha0"].units})},
        attrs={"theta": theta, **{k: v for k, v in params.items() if np.ndim(v) == 0}},
    )
