"""Claims B2–B4 of the safety-floor game (Laufer, Kleinberg and Heidari, *The Backfiring Effect of
Weak AI Safety Regulation*, 2025).

Each decision repeats the corresponding property of ``tests/test_safety_findings.py`` at one point
of the same plausible space: cost diagonals in [0.5, 2], cross terms κ·sqrt(c_αα c_ββ) with
κ ∈ [−0.5, 0.5] (both signs), revenue weights in [0.5, 2], G's share δ in [0.3, 0.7].
Deterministic: the game has closed-form equilibria, so no ensemble is needed.
"""

from __future__ import annotations

import numpy as np

from .registry import Claim, register, uniform

SOURCE = ("Laufer, Kleinberg and Heidari, The Backfiring Effect of Weak AI Safety Regulation "
          "(arXiv 2503.20848, 2025)")


def _diag(name: str, who: str) -> object:
    return uniform(name, 0.5, 2.0, f"{who}'s cost of one attribute within a factor 2 of the unit default")


SPACE = (
    _diag("c0_aa", "G"), _diag("c0_bb", "G"), _diag("c1_aa", "D"), _diag("c1_bb", "D"),
    uniform("c0_k", -0.5, 0.5, "G's cross term as a share of the convexity bound: attributes that "
            "complement (< 0) or interfere (> 0)"),
    uniform("c1_k", -0.5, 0.5, "D's cross term, likewise"),
    uniform("r_a", 0.5, 2.0, "revenue per unit of performance within a factor 2 of the default"),
    uniform("r_b", 0.5, 2.0, "revenue per unit of safety within a factor 2 of the default"),
    uniform("delta", 0.3, 0.7, "G keeps between 30 % and 70 % of the revenue"),
)
DEFAULTS = {"c0_aa": 1.0, "c0_bb": 1.0, "c1_aa": 1.0, "c1_bb": 1.0, "c0_k": 0.0, "c1_k": 0.0,
            "r_a": 1.0, "r_b": 1.0, "delta": 0.5}


def _case(points: dict[str, np.ndarray], i: int) -> dict:
    p = {k: float(v[i]) for k, v in points.items()}

    def mat(w: str) -> tuple[float, float, float]:
        aa, bb = p[f"{w}_aa"], p[f"{w}_bb"]
        return aa, p[f"{w}_k"] * np.sqrt(aa * bb), bb

    return dict(c0=mat("c0"), c1=mat("c1"), r=(p["r_a"], p["r_b"]), delta=p["delta"])


def _loop(fn):
    def decide(points, seeds, ensemble):
        n = next(iter(points.values())).size
        out = [fn(_case(points, i)) for i in range(n)]
        return np.array([o[0] for o in out], bool), np.array([o[1] for o in out], float)

    decide.__name__ = fn.__name__
    return decide


@_loop
def _b2(case):
    from ..safety import grid, solve

    ref = solve(**case)
    td = np.linspace(0, 3 * max(ref.beta1, 1e-9), 301)[1:]
    ds = grid(theta_g=0.0, theta_d=td, **case)
    hit = ds["backfiring"].values & (ds["beta0"].values < ref.beta0 - 1e-9)
    drop = float(np.max(ref.beta1 - ds["beta1"].values[hit], initial=0.0))
    return bool(hit.sum() >= 2), drop if hit.sum() >= 2 else -1.0


register(Claim(
    name="B2",
    model="safety",
    statement="Backfiring: a weak safety floor on the specialists alone (θ_G = 0) makes the generalist "
              "cut its own safety investment, and the final product is less safe than without regulation, "
              "over an interval of floors θ_D > 0.",
    source=SOURCE,
    space=SPACE,
    defaults=DEFAULTS,
    decide=_b2,
    rule="on 300 floors θ_D in (0, 3·β1_free] with θ_G = 0, at least two are flagged backfiring (β1 below "
         "β1_free while a floor binds) with G's safety β0 below its unregulated value",
    margin="the largest drop of final safety β1 below β1_free on those floors (−1 when fewer than two)",
    threshold=0.0,
    chunk=8,
))


@_loop
def _b3(case):
    from ..safety import grid, solve

    ref = solve(**case)
    tg = np.linspace(0, 2 * ref.beta1, 61)[1:]
    td = np.linspace(0, 3 * ref.beta1, 61)[1:]
    ds = grid(theta_g=tg, theta_d=td, **case)
    m = ds["mutualism"].values
    gain = np.minimum(ds["U_G"].values - ref.U_G, ds["U_D"].values - ref.U_D)
    return bool(m.any()), float(gain.max())


register(Claim(
    name="B3",
    model="safety",
    statement="Mutualism: some pair of positive floors (θ_G, θ_D) makes both the generalist and the "
              "specialists strictly better off than without regulation.",
    source=SOURCE,
    space=SPACE,
    defaults=DEFAULTS,
    decide=_b3,
    rule="on a 60 × 60 grid of θ_G in (0, 2·β1_free], θ_D in (0, 3·β1_free] some point is flagged "
         "mutualism (U_G and U_D both strictly above their unregulated values)",
    margin="the largest min(U_G − U_G_free, U_D − U_D_free) over the grid",
    threshold=0.0,
    chunk=4,
))


@_loop
def _b4(case):
    from ..safety import grid
    from ..safety.kernel import ABSTAIN, PARTICIPATION

    cmin = min(case["c0"][0], case["c0"][2], case["c1"][0], case["c1"][2])
    td = np.linspace(0, 20 * sum(case["r"]) / cmin, 401)[1:]
    gs = grid(theta_g=0.0, theta_d=td, **case)["G_strategy"].values
    out = gs == ABSTAIN
    if not out.any():
        return False, -1.0
    first = int(np.argmax(out))
    ok = bool(out[first:].all() and (gs[:first] == PARTICIPATION).any())
    return ok, float(1.0 - td[first] / td[-1]) if ok else -1.0


register(Claim(
    name="B4",
    model="safety",
    statement="Raising the specialists' floor far enough first makes their participation bind (the "
              "generalist props them up) and then makes both abstain: no product at all.",
    source=SOURCE,
    space=SPACE,
    defaults=DEFAULTS,
    decide=_b4,
    rule="on 400 floors θ_D in (0, 20·(r_α + r_β)/min diagonal] with θ_G = 0, G abstains from some floor "
         "on for every larger one, and before it G is on D's participation boundary somewhere",
    margin="the share of the scanned range above the first floor where both abstain (−1 when the order "
           "fails)",
    threshold=0.0,
    chunk=8,
))
