"""Claims S1–S4 of the race model (Jessica Taylor, *How do open AI models affect incentive to
race?*, essay, 2024).

The tests (``tests/test_race.py``) check S1–S4 in the essay's core model over random value curves;
here each is decided in the essay's worked example (f = log(1 + x), open model x = 1, closed y = 4)
with the extensions a referee would switch on first — discounting, demand growth, customers who
value the gap differently and face one price, a price below the gap — and, for S4, the two
components that can reverse it (prestige of the frontier, a training spill-over; see docs/race.md).
Deterministic: no component with random releases is in these spaces.
"""

from __future__ import annotations

import numpy as np

from .registry import Claim, register, uniform

SOURCE = "Jessica Taylor, How do open AI models affect incentive to race? (essay, 2024)"
X, Y = 1.0, 4.0  # the essay's worked example: open model x = 1, closed model y = 4

COMMON = (
    uniform("n", 20.0, 1000.0, "customers from a niche service to a large one (the model scales with n)"),
    uniform("m", 90.0, 730.0, "a product life of a quarter to two years (days)"),
    uniform("discount", 0.99, 1.0, "no discounting to a steep 1 % a day (the range of the race tests)"),
    uniform("demand_growth", -0.002, 0.005,
            "daily demand growth from a slow decline to doubling in ~5 months"),
    uniform("sigma", 0.0, 1.5, "customers' valuations from identical to lognormal with σ = 1.5, one price"),
    uniform("price_margin", 0.0, 0.3, "the lab prices from the whole gap to 30 % below it"),
)
COMMON_DEFAULTS = {"n": 100.0, "m": 365.0, "discount": 1.0, "demand_growth": 0.0, "sigma": 0.0,
                   "price_margin": 0.0}


def _model(points: dict[str, np.ndarray], i: int, **kw):
    from ..race import Customers, RaceModel

    g = lambda k: float(points[k][i])  # noqa: E731
    sigma = g("sigma")
    return RaceModel(
        n=g("n"),
        m=int(round(g("m"))),
        open=kw.pop("open", X),
        closed=kw.pop("closed", Y),
        discount=None if g("discount") >= 1.0 else g("discount"),
        demand_growth=None if g("demand_growth") == 0.0 else g("demand_growth"),
        customers=Customers("lognormal", "uniform", sigma=sigma, points=501) if sigma > 0 else None,
        margin=g("price_margin"),
        **kw,
    )


def _s1(points, seeds, ensemble):
    from ..race import revenue

    n = points["n"].size
    holds, margin = np.zeros(n, bool), np.zeros(n)
    xs = np.linspace(X, 0.99 * Y, 8)
    for i in range(n):
        r = np.array([revenue(_model(points, i, open=float(x))).revenue for x in xs])
        rise = np.diff(r).max() / max(r[0], 1e-300)
        holds[i] = bool(r[0] > 0 and rise <= 1e-12)
        margin[i] = (r[0] - r[-1]) / max(r[0], 1e-300) if holds[i] else -max(rise, 0.0) - (r[0] <= 0)
    return holds, margin


register(Claim(
    name="S1",
    model="race",
    statement="A better open model lowers the closed lab's revenue: with the open model constant at x "
              "below the closed model y, revenue is positive and falls as x rises towards y.",
    source=SOURCE,
    space=COMMON,
    defaults=COMMON_DEFAULTS,
    decide=_s1,
    rule="revenue at 8 open models x from 1 to 0.99·y (y = 4) is positive at x = 1 and never rises "
         "(by more than 1e-12 relative)",
    margin="the relative fall of revenue from x = 1 to x = 0.99·y (negative: the largest relative rise)",
    threshold=1e-12,
    chunk=32,
))


def _s2(points, seeds, ensemble):
    from ..race import revenue

    n = points["n"].size
    holds, margin = np.zeros(n, bool), np.zeros(n)
    for i in range(n):
        z = Y * float(points["z_ratio"][i])
        gains = []
        for x in (0.25, X, 3.5):
            r = [revenue(_model(points, i, open=x, closed=c)).revenue for c in (Y, z)]
            gains.append(r[1] - r[0])
        g = np.array(gains)
        dev = float(np.ptp(g) / max(abs(g).max(), 1e-300))
        holds[i] = dev <= 1e-8
        margin[i] = -dev
    return holds, margin


register(Claim(
    name="S2",
    model="race",
    statement="The extra revenue from a bigger closed model z instead of y does not depend on the open "
              "model x (for x below y): the open model sets the price floor, not the gain from upgrading.",
    source=SOURCE,
    space=(*COMMON, uniform("z_ratio", 1.5, 20.0, "upgrades from half again to twenty times the compute")),
    defaults={**COMMON_DEFAULTS, "z_ratio": 5.0},
    decide=_s2,
    rule="R(z) − R(y) at x = 0.25, 1 and 3.5 (y = 4) differ by at most 1e-8 of the largest",
    margin="minus the relative spread of R(z) − R(y) over the three open models",
    threshold=1e-8,
    chunk=32,
))


def _s3(points, seeds, ensemble):
    from ..race import upgrade

    n = points["n"].size
    holds, margin = np.zeros(n, bool), np.zeros(n)
    for i in range(n):
        m = int(round(float(points["m"][i])))
        k = min(max(1, int(round(float(points["release_frac"][i]) * m))), m - 1)
        z = Y * float(points["z_ratio"][i])
        xps = np.geomspace(1.01 * Y, 0.99 * z, 6)
        v = np.array([upgrade(_model(points, i, open=[(0, X), (k, float(xp))]), z).value for xp in xps])
        scale = max(float(np.abs(v).max()), 1e-300)
        rise = float(np.diff(v).max()) / scale
        holds[i] = rise <= 1e-9
        margin[i] = float(v[0] - v[-1]) / scale if holds[i] else -rise
    return holds, margin


register(Claim(
    name="S3",
    model="race",
    statement="A bigger announced open release x′ > y lowers the value of upgrading the closed model to z: "
              "better open models reduce the incentive to race.",
    source=SOURCE,
    space=(*COMMON,
           uniform("z_ratio", 3.0, 20.0, "an upgrade of three to twenty times the closed model's compute"),
           uniform("release_frac", 0.05, 0.95, "the open release comes early or late in the product life")),
    defaults={**COMMON_DEFAULTS, "z_ratio": 5.0, "release_frac": 120 / 365},
    decide=_s3,
    rule="the upgrade value V(z) at 6 open releases x′ log-spaced in [1.01·y, 0.99·z] never rises (by "
         "more than 1e-9 of its largest size)",
    margin="the relative fall of V(z) from the smallest to the largest x′ (negative: the largest rise)",
    threshold=1e-9,
    chunk=32,
))


def _s4(points, seeds, ensemble):
    from ..race import Prestige, Spillover, component_effects

    n = points["n"].size
    holds, margin = np.zeros(n, bool), np.zeros(n)
    for i in range(n):
        per_day, sig = float(points["prestige"][i]), float(points["spill_sigma"][i])
        kw = {}
        if per_day > 0:
            kw["prestige"] = Prestige(per_day=per_day)
        if sig > 0:
            kw["spillover"] = Spillover(sigma=sig, floor=float(points["spill_floor"][i]))
        model = _model(points, i, **kw)
        xs = np.geomspace(1.125 * Y, 3.0 * model.n * model.m, 12)
        ds = component_effects(model, xs, release_day=0, day=0, presets={})
        z = np.nan_to_num(ds["z_star"].values[0], nan=0.0)  # no upgrade: z* counts as 0
        top = max(float(z.max()), 1.0)
        rise = float(np.diff(z).max()) / top
        holds[i] = rise <= 1e-6
        margin[i] = -rise
    return holds, margin


register(Claim(
    name="S4",
    model="race",
    statement="The closed lab's optimal upgrade z* does not rise with the open frontier x′: a larger open "
              "release never makes the lab race further.",
    source=SOURCE,
    space=(*COMMON,
           uniform("prestige", 0.0, 400.0, "prestige of holding the frontier from none to 400 a day (the "
                   "reversal in docs/race.md appears at 300)"),
           uniform("spill_sigma", 0.0, 2.0, "training spill-over from none to σ = 2 (the reversal at 2)"),
           uniform("spill_floor", 0.1, 0.5, "the spill-over's floor: at most 50–90 % of training is saved")),
    defaults={**COMMON_DEFAULTS, "prestige": 0.0, "spill_sigma": 0.0, "spill_floor": 0.2},
    decide=_s4,
    rule="z* (0 where no upgrade pays) at 12 open releases x′ log-spaced in [4.5, 3·n·m], released and "
         "upgraded on day 0, never rises by more than 1e-6 of its largest value",
    margin="minus the largest rise of z* between neighbouring x′, relative to its largest value",
    threshold=1e-6,
    chunk=16,
))
