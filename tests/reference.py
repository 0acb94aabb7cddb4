"""An independent, deliberately plain implementation of the default game for checking the solver.

It shares no code with moatlab: utilities written out from the spec's table, D's best response
from the spec's stated formula α1* = α0 + (1 − δ)/(2 c_D (1 − λω)) (its optimality is checked
separately, by a grid over α1), everything vectorised over ω.
"""

import numpy as np


def u_d(a1, w, p):
    share = p["delta0"] * (1 - w)
    return (1 - share) * a1 - p["c_d"] * (1 - p["lam"] * w) * (a1 - p["alpha0"]) ** 2 - p["f_d"]


def best_a1(w, p):
    return p["alpha0"] + (1 - p["delta0"] * (1 - w)) / (2 * p["c_d"] * (1 - p["lam"] * w))


def u_g(w, p):
    """G's utility at openness w (array) under p's policy, with D's response."""
    w = np.asarray(w, dtype=float)
    a1 = best_a1(w, p)
    part = u_d(a1, w, p) >= -1e-12
    share = p["delta0"] * (1 - w)
    rev = np.where(part, share * a1, 0.0)
    other = p["epsilon"] * w - p["kappa0"] * (1 - w) - p["c_g"] * p["alpha0"] ** 2
    below = w < p["theta"]
    form = p.get("penalty_form", "lump_sum")
    if form == "lump_sum":
        pen = p["penalty"] * below
    elif form == "turnover":
        pen = p["penalty"] * rev * below
    else:
        pen = p["penalty"] * (p["theta"] - w) * below
    return rev + other - pen


DEFAULTS = dict(alpha0=0.2, theta=0.0, penalty=0.0, delta0=0.7, c_d=1.0, lam=0.6, epsilon=0.0,
                kappa0=0.0, c_g=0.0, f_d=0.0, penalty_form="lump_sum")


def params(**kw):
    return {**DEFAULTS, **kw}
