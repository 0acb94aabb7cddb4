"""Claims P1–P5 of the openness game (Qiu, Laufer, Kleinberg and Heidari, *Modeling the Economic
Impacts of AI Openness Regulation*, NeurIPS 2025).

Each decision repeats the corresponding property of ``tests/test_findings.py`` at one point of a
plausible space wider than the one the tests draw from (δ0 ∈ [0.6, 1], c_D ∈ [0.5, 2],
λ ∈ [0.3, 0.9] there), so the check says how far beyond the paper's part of the space a finding
carries. Deterministic: the game has closed-form equilibria, so no ensemble is needed.
"""

from __future__ import annotations

import numpy as np

from .registry import Claim, register, uniform

SOURCE = ("Qiu, Laufer, Kleinberg and Heidari, Modeling the Economic Impacts of AI Openness Regulation "
          "(NeurIPS 2025)")
TOL = 1e-12
ALPHA = np.geomspace(0.005, 20, 120)  # baseline performance: a weak to a dominant model

DELTA0 = uniform("delta0", 0.3, 1.0, "G keeps between a third and all of a closed model's revenue")
C_D = uniform("c_d", 0.25, 4.0, "D's fine-tuning cost within a factor 4 of the unit default")
LAM = uniform("lam", 0.1, 0.9, "openness cuts D's fine-tuning cost a little (10 %) to a lot (90 %)")
CORE = {"delta0": 0.7, "c_d": 1.0, "lam": 0.6}


def _model(points: dict[str, np.ndarray], i: int) -> dict[str, float]:
    return {k: float(points[k][i]) for k in ("delta0", "c_d", "lam")}


def _p1(points, seeds, ensemble):
    from ..game.params import GameParams
    from ..game.solver import equilibrium_arrays

    col = {k: points[k][:, None] for k in ("delta0", "c_d", "lam", "epsilon")}
    w = equilibrium_arrays(GameParams(alpha0=ALPHA[None, :], **col))["omega_free"]
    rise = np.max(np.diff(w, axis=1), axis=1)
    low, high = w[:, 0], w[:, -1]
    shape_ok = (rise <= TOL) & (high == 0.0)
    holds = shape_ok & (low > 0) & (low < 1)
    margin = np.where(shape_ok, np.minimum(low, 1 - low), -(np.maximum(rise, 0) + high))
    return holds, margin


register(Claim(
    name="P1",
    model="game",
    statement="Without regulation G's openness falls with its baseline performance α0: a weak model "
              "(α0 = 0.005) is released partly open (0 < ω < 1), a dominant one (α0 = 20) fully closed.",
    source=SOURCE,
    space=(DELTA0, C_D, LAM,
           uniform("epsilon", 0.0, 0.3, "a reputational benefit of openness from none to a third of "
                   "G's default revenue")),
    defaults={**CORE, "epsilon": 0.0},
    decide=_p1,
    rule="ω_free on 120 log-spaced α0 in [0.005, 20] never rises (by more than 1e-12), is 0 at "
         "α0 = 20 and strictly inside (0, 1) at α0 = 0.005",
    margin="min(ω_free, 1 − ω_free) at α0 = 0.005 when the shape holds, "
           "else −(largest rise + ω_free at α0 = 20)",
    threshold=TOL,
    chunk=128,
))

TH = np.linspace(0, 1, 41)
PE = np.linspace(0, 0.6, 61)


def _p2(points, seeds, ensemble):
    from ..game.landscape import landscape

    n = points["delta0"].size
    holds, margin = np.zeros(n, bool), np.zeros(n)
    for i in range(n):
        ds = landscape(TH, PE, alpha0=float(points["alpha0"][i]), c_g=float(points["c_g"][i]),
                       **_model(points, i))
        act, pstar = ds["action"].values, ds["p_star"].values
        wfree = np.broadcast_to(ds["omega_free"].values[:, :1], act.shape)
        bad = np.zeros(act.shape, bool)
        for j in range(TH.size):
            if np.isfinite(pstar[j]):
                bad[j] |= (PE > pstar[j] + 1e-9) & (act[j] != 2)
                bad[j] |= (PE < pstar[j] - 1e-9) & (act[j] != 3)
        defy = act == 3
        bad |= defy & ~np.isclose(ds["omega"].values, wfree)
        bad |= defy & (ds["dU_G_no_regulation"].values > TOL)
        bad |= defy & (ds["dU_D_no_regulation"].values > TOL)
        holds[i] = not bad.any()
        margin[i] = -bad.mean()
    return holds, margin


register(Claim(
    name="P2",
    model="game",
    statement="The indifference curve p*(θ) separates compliance (above) from defiance (below); "
              "defiance leaves openness at G's free choice and makes G and D no better off than "
              "without regulation (a deadweight loss).",
    source=SOURCE,
    space=(DELTA0, C_D, LAM,
           uniform("alpha0", 0.01, 2.0, "from a weak model to one well past the closing point"),
           uniform("c_g", 0.05, 0.5, "G's production cost from small to half of its default revenue")),
    defaults={**CORE, "alpha0": 0.2, "c_g": 0.1},
    decide=_p2,
    rule="on a 41 × 61 grid of θ ∈ [0, 1], p ∈ [0, 0.6] no cell contradicts the separation (beyond "
         "1e-9 of p*) and no defiance cell has ω ≠ ω_free or a gain for G or D above 1e-12 (the lump-sum "
         "penalty, the default form; under turnover and shortfall penalties a defying G can open further)",
    margin="minus the share of (θ, p) cells that contradict the statement",
    threshold=TOL,
    chunk=32,
))


def _p3(points, seeds, ensemble):
    from ..game.landscape import landscape

    n = points["delta0"].size
    holds, margin = np.zeros(n, bool), np.zeros(n)
    for i in range(n):
        ds = landscape(np.linspace(0, 1, 101), np.linspace(0, 0.5, 51), alpha0=float(points["alpha0"][i]),
                       **_model(points, i))
        w, wfree = ds["omega"].values, ds["omega_free"].values
        raised = (ds["action"].values == 2) & (w > wfree + 1e-6) & (w < 1)
        gain = np.minimum(ds["dU_G_no_exemption"].values, ds["dU_D_no_exemption"].values)
        holds[i] = bool((raised & (ds["pareto_strict_no_exemption"].values == 1)).any())
        margin[i] = float(gain[raised].max()) if raised.any() else -1.0
    return holds, margin


register(Claim(
    name="P3",
    model="game",
    statement="For a weak model (low α0) a calibrated threshold is Pareto improving: some (θ, p) makes G "
              "comply with more openness than it would choose (short of full openness) while both G and "
              "D are strictly better off than if every model were charged.",
    source=SOURCE,
    space=(DELTA0, C_D, LAM,
           uniform("alpha0", 0.005, 0.1, "the weak-model range the statement is about")),
    defaults={**CORE, "alpha0": 0.05},
    decide=_p3,
    rule="on a 101 × 51 grid of θ ∈ [0, 1], p ∈ [0, 0.5] at least one cell has G complying with "
         "ω_free + 1e-6 < ω < 1 and a strict gain for both G and D against no exemption (the lump-sum "
         "penalty, the default form)",
    margin="the largest min(ΔU_G, ΔU_D) against no exemption over cells where G complies with more "
           "openness (−1 when there is none)",
    threshold=1e-6,
    chunk=32,
))

TH4 = np.linspace(0, 1, 201)


def _p4(points, seeds, ensemble):
    from ..game.params import GameParams
    from ..game.solver import equilibrium_arrays

    col = {k: points[k][:, None] for k in ("delta0", "c_d", "lam", "alpha0", "penalty")}
    out = equilibrium_arrays(GameParams(theta=TH4[None, :], **col))
    comply = out["action"] == 2
    pair = comply[:, 1:] & comply[:, :-1]
    d_g, d_d, d_a = (np.diff(out[k], axis=1) for k in ("U_G", "U_D", "alpha1"))
    step = np.where(pair, np.minimum(np.minimum(-d_g, d_d), d_a), np.inf)
    worst = step.min(axis=1) / (TH4[1] - TH4[0])
    exists = pair.any(axis=1)
    holds = exists & (worst > 0)
    margin = np.where(exists, worst, -1.0)
    return holds, margin


register(Claim(
    name="P4",
    model="game",
    statement="Where G complies, raising the threshold θ moves utility from G to D: U_G falls, U_D and "
              "the fine-tuned performance α1 rise (and a compliance region exists).",
    source=SOURCE,
    space=(DELTA0, C_D, LAM,
           uniform("alpha0", 0.005, 3.0, "from a weak model to a dominant one"),
           uniform("penalty", 0.05, 2.0,
                   "a lump-sum penalty from small to several times G's default revenue")),
    defaults={**CORE, "alpha0": 0.2, "penalty": 0.5},
    decide=_p4,
    rule="on 201 θ in [0, 1] at least two neighbouring θ have G complying, and between every such pair "
         "U_G strictly falls while U_D and α1 strictly rise (the lump-sum penalty, the default form)",
    margin="the smallest of −dU_G/dθ, dU_D/dθ, dα1/dθ over the compliance region (−1 when there is none)",
    threshold=0.0,
    chunk=128,
))


def _p5(points, seeds, ensemble):
    from ..game.landscape import compliance_penalty

    n = points["delta0"].size
    holds, margin = np.zeros(n, bool), np.zeros(n)
    for i in range(n):
        ps = compliance_penalty(ALPHA, float(points["theta"][i]), **_model(points, i))["p_star"].values
        ok = np.isfinite(ps)
        if ok.sum() < 2:
            holds[i], margin[i] = False, -1.0
            continue
        p = ps[ok]
        bind = p > 0
        d_all = np.diff(p).min()
        d_bind = np.diff(p[bind]).min() if bind.sum() >= 2 else np.inf
        first = int(np.argmax(ok))
        contiguous = bool(ok[first:].all())
        holds[i] = d_all >= -TOL and d_bind > 0 and contiguous
        scale = max(float(p.max()), 1e-12)
        margin[i] = min(d_all, d_bind if np.isfinite(d_bind) else d_all) / scale - (0 if contiguous else 1)
    return holds, margin


register(Claim(
    name="P5",
    model="game",
    statement="The penalty needed to make G comply with a threshold rises with G's baseline performance "
              "α0, and once the threshold binds it keeps binding for stronger models.",
    source=SOURCE,
    space=(DELTA0, C_D, LAM, uniform("theta", 0.05, 1.0, "any threshold short of none")),
    defaults={**CORE, "theta": 0.5},
    decide=_p5,
    rule="on 120 log-spaced α0 in [0.005, 20], p*(θ) is finite at two or more α0, never falls (by more "
         "than 1e-12), strictly rises where positive, and is finite on one contiguous run up to α0 = 20 (the "
         "lump-sum penalty, the default form)",
    margin="the smallest step of p* along α0 relative to its largest value (−1 added when the finite run "
           "breaks)",
    threshold=TOL,
    chunk=16,
))
