"""Claims F2–F3 of the game family's bargaining stage (Qiu, Laufer, Kleinberg and Heidari,
*Modeling the Economic Impacts of AI Openness Regulation*, NeurIPS 2025, stage 1; Laufer,
Kleinberg and Heidari, *Fine-Tuning Games*, WWW 2024).

Each decision repeats the corresponding property of ``tests/test_family_findings.py`` at one
point of a plausible space (the tests draw c_D ∈ [0.5, 2], λ ∈ [0.2, 0.9], ε ∈ [0, 0.05] for F2).
Deterministic: no ensemble is needed.
"""

from __future__ import annotations

import numpy as np

from .registry import Claim, register, uniform

SOURCE = ("Qiu, Laufer, Kleinberg and Heidari, Modeling the Economic Impacts of AI Openness Regulation "
          "(NeurIPS 2025), with its bargaining stage")
F2_ALPHA0 = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)
TH = np.linspace(0, 1, 41)
PE = np.linspace(0, 0.5, 41)

C_D = uniform("c_d", 0.25, 4.0, "D's fine-tuning cost within a factor 4 of the unit default")
LAM = uniform("lam", 0.1, 0.9, "openness cuts D's fine-tuning cost a little (10 %) to a lot (90 %)")
EPS = uniform("epsilon", 0.0, 0.1, "a reputational benefit of openness up to a tenth of G's revenue")


def _f2(points, seeds, ensemble):
    from ..game.landscape import landscape

    n = points["c_d"].size
    holds, margin = np.zeros(n, bool), np.full(n, -1.0)
    for i in range(n):
        p = {k: float(points[k][i]) for k in ("c_d", "lam", "epsilon")}
        for a0 in F2_ALPHA0:
            ds = landscape(TH, PE, alpha0=a0, bargaining="nash", **p)
            strict = ds["pareto_strict_no_regulation"].values == 1
            if strict.any():
                holds[i] = bool(np.all(ds["action"].values[strict] == 2))
                margin[i] = float(strict.mean())
                break
    return holds, margin


register(Claim(
    name="F2",
    model="game_family",
    statement="With Nash bargaining over the revenue share, regulation can be a Pareto improvement: for "
              "some α0 there are (θ, p) at which G complies and both G and D are strictly better off "
              "than without regulation (bargaining at p = 0 too).",
    source=SOURCE,
    space=(C_D, LAM, EPS),
    defaults={"c_d": 1.0, "lam": 0.6, "epsilon": 0.0},
    decide=_f2,
    rule="for α0 = 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2 in turn, a 41 × 41 landscape (θ ∈ [0, 1], lump-sum "
         "p ∈ [0, 0.5]) under Nash bargaining has a strict Pareto improvement over no regulation, and "
         "every such point is a `comply` point",
    margin="the share of the first such landscape's points that are strict Pareto improvements "
           "(−1 when none at any α0)",
    threshold=0.0,
    chunk=4,
))


def _f3(points, seeds, ensemble):
    from ..game.landscape import landscape

    n = points["c_d"].size
    holds, margin = np.zeros(n, bool), np.zeros(n)
    for i in range(n):
        p = {k: float(points[k][i]) for k in ("alpha0", "delta0", "c_d", "lam", "epsilon")}
        ds = landscape(np.linspace(0, 1, 31), np.linspace(0, 0.5, 31), **p)
        weak = int(ds["pareto_weak_no_regulation"].sum())
        holds[i], margin[i] = weak == 0, -weak
    return holds, margin


register(Claim(
    name="F3",
    model="game_family",
    statement="Without a bargaining stage (a fixed share schedule) no (θ, p) is a Pareto improvement over "
              "no regulation: D's best response does not depend on the policy and a penalty is never "
              "negative.",
    source="moatlab's own (the measured reason the bargaining stage matters)",
    space=(uniform("alpha0", 0.01, 2.0, "from a weak model to one well past the closing point"),
           uniform("delta0", 0.2, 1.0, "G keeps a fifth to all of a closed model's revenue"), C_D, LAM, EPS),
    defaults={"alpha0": 0.2, "delta0": 0.7, "c_d": 1.0, "lam": 0.6, "epsilon": 0.0},
    decide=_f3,
    rule="on a 31 × 31 landscape (θ ∈ [0, 1], lump-sum p ∈ [0, 0.5]) with the fixed share, no point is a "
         "weak Pareto improvement over no regulation",
    margin="minus the number of weak Pareto improvements",
    threshold=0.0,
    chunk=16,
))
