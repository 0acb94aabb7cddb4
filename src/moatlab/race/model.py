"""The race model: the essay's core, its eight optional components, open-release prestige and two
mechanisms that can reverse the essay's conclusion (ecosystem demand, a per-unit cost spill-over).

Core (the race essay). Days t = 0…m−1, n identical customers, open frontier x(t), the closed lab's
model y(t) (step functions). Each day the lab charges the value gap and the customers buy::

    R = Σ_t n · max(0, f(y(t)) − f(x(t)))

Components, each switched on by giving it (``None`` = off):

1. ``discount`` β ∈ (0, 1]: day t weighs β^t.
2. ``customers``: valuations v·f(·), v from a distribution; pricing 'gap' (the essay's rule:
   charge the gap; 'seed', its first name, is still accepted), 'uniform' (one revenue-maximising
   price) or 'discriminate' (each pays v·gap). Because willingness to pay is v·gap, the optimal
   uniform price is u*·gap with u* = argmax u·P(v >= u), so revenue = κ_R·gap and consumer surplus
   = κ_CS·gap per customer-day (κ from the distribution).
3. ``rivals``: other closed labs' schedules; Bertrand with quality differences: the leader charges
   the gap to the best alternative (open or rival), a lab that does not lead strictly sells nothing.
4. ``uncertain``: random future open releases (see :mod:`moatlab.race.montecarlo`).
5. ``niches``: task niches j with weights w_j, value curves f_j and per-model skill multipliers;
   revenue sums the niches where the lab leads: Σ_j w_j · max(0, f_j(s_j y) − best other).
6. ``prestige``: a per-day benefit while holding the frontier, and a one-off bonus for an upgrade.
7. ``demand_growth`` g > −1: n(t) = n · (1 + g)^t.
8. ``spillover``: the upgrade's cost C(z | x) = c · max(φ·z, z − σ·x(s)) (switched off: C = c·z;
   ``Spillover()`` has σ = 0.5, φ = 0.2).
9. ``open_release``: the lab releases its models openly: no revenue, and a reputation per day
   while its released model is the best available.
10. ``ecosystem_demand``: demand grows with the open ecosystem,
    n(t) = n · (1 + g)^t · (f(x(t)) / f(x_ref))^η, η >= 0 (x_ref: ``ref``, default the open
    compute on day 0; a day with no open model counts as x_ref).
11. ``unit_cost``: a per-unit cost spill-over, c(x) = c · max(φ, min(1, (x(s) / x_ref)^(−ε))):
    every unit of training is cheaper the larger the open frontier on the ship day s
    (C(z | x) = c(x) · z; combined with ``spillover``: c(x) · max(φ_s z, z − σ x(s))).

A ``margin`` μ ∈ [0, 1) lets the lab charge (1 − μ)·gap to break ties in the customers' favour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .._limits import check as _limit
from .._validate import ParameterError, check_choice, check_range
from .schedule import Schedule
from .value import ValueCurve

PRICING = ("gap", "uniform", "discriminate")
_PRICING_ALIASES = {"seed": "gap"}  # the first name of the essay's rule, still accepted
DISTRIBUTIONS = ("identical", "lognormal", "uniform", "empirical")


@dataclass(frozen=True)
class Customers:
    """Heterogeneous customers: valuation multipliers v ~ distribution; a pricing mode.

    ``lognormal``: v = exp(N(mu, sigma)); ``uniform``: v ~ U(low, high); ``empirical``: ``sample``.
    The distribution is represented by ``points`` quantiles (deterministic, no random draws).
    """

    distribution: str = "identical"
    pricing: str = "gap"
    mu: float = 0.0
    sigma: float = 0.5
    low: float = 0.5
    high: float = 1.5
    sample: tuple[float, ...] = ()
    points: int = 4001

    def __post_init__(self) -> None:
        check_choice("customers.distribution", self.distribution, DISTRIBUTIONS)
        if isinstance(self.pricing, str) and self.pricing in _PRICING_ALIASES:
            object.__setattr__(self, "pricing", _PRICING_ALIASES[self.pricing])
        check_choice("customers.pricing", self.pricing, PRICING)
        check_range("customers.mu", self.mu, -50.0, 50.0)
        check_range("customers.sigma", self.sigma, 0.0)
        check_range("customers.low", self.low, 0.0)
        check_range("customers.high", self.high, self.low, lo_open=self.distribution == "uniform")
        if self.distribution == "empirical":
            if len(self.sample) == 0:
                raise ParameterError(
                    "customers.sample", list(self.sample), "a non-empty list of numbers >= 0"
                )
            check_range("customers.sample", self.sample, 0.0)

    def valuations(self) -> np.ndarray:
        q = (np.arange(self.points) + 0.5) / self.points
        if self.distribution == "identical":
            return np.ones(1)
        if self.distribution == "lognormal":
            from scipy.stats import norm

            return np.exp(self.mu + self.sigma * norm.ppf(q))
        if self.distribution == "uniform":
            return self.low + (self.high - self.low) * q
        return np.asarray(self.sample, dtype=float)

    def factors(self, margin: float = 0.0) -> tuple[float, float]:
        """(κ_R, κ_CS): revenue and consumer surplus per customer-day per unit of value gap."""
        v = np.sort(self.valuations())
        if self.pricing == "discriminate":
            return float(v.mean()), 0.0
        if self.pricing == "gap":
            u = 1.0 - margin
        else:  # revenue-maximising single price u·gap: try every valuation as the price
            share = 1.0 - np.arange(v.size) / v.size  # P(v >= v_i) for the sorted sample
            u = float(v[np.argmax(v * share)]) * (1.0 - margin)
        buy = v >= u - 1e-15
        return float(u * buy.mean()), float(np.where(buy, v - u, 0.0).mean())


@dataclass(frozen=True)
class Niche:
    """A task niche: weight, value curve and skill multipliers of the lab, the open model and rivals."""

    weight: float = 1.0
    f: ValueCurve = field(default_factory=ValueCurve)
    closed_skill: float = 1.0
    open_skill: float = 1.0
    rival_skill: float = 1.0
    name: str = ""

    def __post_init__(self) -> None:
        check_range("niche.weight", self.weight, 0.0)
        for k in ("closed_skill", "open_skill", "rival_skill"):
            check_range(f"niche.{k}", getattr(self, k), 0.0, lo_open=True)


@dataclass(frozen=True)
class Prestige:
    """Non-monetary payoffs: ``per_day`` while holding the frontier; ``upgrade_bonus`` once."""

    per_day: float = 0.0
    upgrade_bonus: float = 0.0

    def __post_init__(self) -> None:
        check_range("prestige.per_day", self.per_day)
        check_range("prestige.upgrade_bonus", self.upgrade_bonus)


@dataclass(frozen=True)
class OpenRelease:
    """The lab releases its models openly: no revenue (the customers keep the value gap as
    surplus), and ``per_day`` of reputation on each day its released model is the best one
    available (ahead of the open frontier and any rival)."""

    per_day: float = 0.0

    def __post_init__(self) -> None:
        check_range("open_release.per_day", self.per_day, 0.0)


@dataclass(frozen=True)
class Spillover:
    """Open models make closed training cheaper: C(z | x) = c · max(floor·z, z − sigma·x(s))."""

    sigma: float = 0.5
    floor: float = 0.2

    def __post_init__(self) -> None:
        check_range("spillover.sigma", self.sigma, 0.0)
        check_range("spillover.floor", self.floor, 0.0, 1.0)


@dataclass(frozen=True)
class EcosystemDemand:
    """Demand grows with the open ecosystem: n(t) ∝ (f(x(t)) / f(x_ref))^elasticity.

    Complementary ecosystems, users who learn on open models and later pay for the frontier.
    ``ref`` is the reference open compute x_ref (``None``: the model's open compute on day 0).
    """

    elasticity: float = 1.0
    ref: float | None = None

    def __post_init__(self) -> None:
        check_range("ecosystem_demand.elasticity", self.elasticity, 0.0, 10.0)
        if self.ref is not None:
            check_range("ecosystem_demand.ref", self.ref, 0.0, lo_open=True)


@dataclass(frozen=True)
class UnitCost:
    """Per-unit cost spill-over: c(x) = c · max(floor, min(1, (x(s) / x_ref)^(−elasticity))).

    The cost of each unit of training falls with the open frontier on the ship day s (cheaper
    methods, data and tooling from open models), down to ``floor`` · c. ``ref`` = x_ref
    (``None``: the model's open compute on day 0).
    """

    elasticity: float = 0.5
    floor: float = 0.1
    ref: float | None = None

    def __post_init__(self) -> None:
        check_range("unit_cost.elasticity", self.elasticity, 0.0, 10.0)
        check_range("unit_cost.floor", self.floor, 0.0, 1.0, lo_open=True)
        if self.ref is not None:
            check_range("unit_cost.ref", self.ref, 0.0, lo_open=True)


@dataclass(frozen=True)
class ReleaseProcess:
    """Uncertain future open releases, drawn per Monte Carlo draw.

    ``kind='poisson'``: releases arrive at ``rate`` per day; each multiplies the open frontier by
    max(1, exp(N(log_mu, log_sigma))). ``kind='uniform_day'``: exactly one release, on a day
    uniform in {0, …, m−1}, multiplying the frontier by ``exp(log_mu)``.
    """

    kind: str = "poisson"
    rate: float = 2 / 365
    log_mu: float = float(np.log(3.0))
    log_sigma: float = 0.5
    draws: int = 10_000

    def __post_init__(self) -> None:
        check_choice("uncertain.kind", self.kind, ("poisson", "uniform_day"))
        check_range("uncertain.rate", self.rate, 0.0)
        check_range("uncertain.log_mu", self.log_mu)
        check_range("uncertain.log_sigma", self.log_sigma, 0.0)
        if not (isinstance(self.draws, int | np.integer) and self.draws >= 1):
            raise ParameterError("uncertain.draws", self.draws, "an integer >= 1")
        _limit("mc_draws", self.draws, "uncertain.draws", param="uncertain.draws")


@dataclass(frozen=True)
class RaceModel:
    """One race analysis: value curve, demand, horizon, schedules and optional components.

    Examples
    --------
    >>> import numpy as np
    >>> m = RaceModel(f="log", n=100, m=365, open=1.0, closed=4.0)
    >>> from moatlab.race import revenue
    >>> r = revenue(m)
    >>> round(r.revenue, 3), round(float(100 * 365 * (np.log(5) - np.log(2))), 3)
    (33444.612, 33444.612)
    """

    f: ValueCurve | Callable | str | None = None
    n: float = 1.0
    m: int = 365
    open: Schedule | float | Sequence = 1.0
    closed: Schedule | float | Sequence = 2.0
    cost_per_unit: float = 1.0
    margin: float = 0.0
    discount: float | None = None
    customers: Customers | None = None
    rivals: tuple[Schedule, ...] = ()
    uncertain: ReleaseProcess | None = None
    niches: tuple[Niche, ...] = ()
    prestige: Prestige | None = None
    demand_growth: float | None = None
    spillover: Spillover | None = None
    open_release: OpenRelease | None = None
    ecosystem_demand: EcosystemDemand | None = None
    unit_cost: UnitCost | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "f", ValueCurve.of(self.f))
        check_range("n", self.n, 0.0, lo_open=True)
        if not (isinstance(self.m, int | np.integer) and self.m >= 1):
            raise ParameterError("m", self.m, "an integer number of days >= 1")
        _limit("race_days", self.m, "m (the horizon in days)", param="m")
        set_(self, "open", Schedule.of(self.open, "open"))
        set_(self, "closed", Schedule.of(self.closed, "closed"))
        set_(self, "rivals", tuple(Schedule.of(r, f"rivals[{i}]") for i, r in enumerate(self.rivals)))
        set_(self, "niches", tuple(self.niches))
        check_range("cost_per_unit", self.cost_per_unit, 0.0)
        check_range("margin", self.margin, 0.0, 1.0, hi_open=True)
        if self.discount is not None:
            check_range("discount", self.discount, 0.0, 1.0, lo_open=True)
        if self.demand_growth is not None:
            check_range("demand_growth", self.demand_growth, -1.0, lo_open=True)

    def replace(self, **changes) -> RaceModel:
        return replace(self, **changes)

    @property
    def components(self) -> list[str]:
        """Names of the components switched on."""
        on = {
            "discount": self.discount is not None,
            "customers": self.customers is not None,
            "rivals": bool(self.rivals),
            "uncertain": self.uncertain is not None,
            "niches": bool(self.niches),
            "prestige": self.prestige is not None,
            "demand_growth": self.demand_growth is not None,
            "spillover": self.spillover is not None,
            "open_release": self.open_release is not None,
            "ecosystem_demand": self.ecosystem_demand is not None,
            "unit_cost": self.unit_cost is not None,
        }
        return [k for k, v in on.items() if v]

    @property
    def label(self) -> str:
        """The components exactly as set, comma-separated; 'core' only when none is switched on."""
        return ",".join(self.components) or "core"

    def day_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative weights (length m+1): of customer-days n(t)β^t, and of days β^t."""
        t = np.arange(self.m, dtype=float)
        beta = np.ones(self.m) if self.discount is None else float(self.discount) ** t
        n_t = self.n * (np.ones(self.m) if self.demand_growth is None else (1 + self.demand_growth) ** t)
        return np.concatenate([[0.0], np.cumsum(n_t * beta)]), np.concatenate([[0.0], np.cumsum(beta)])

    def open_ref(self, ref: float | None) -> float:
        """The reference open compute x_ref of a component: ``ref``, or the open compute on day 0
        (the first entry of the open schedule when it starts later; 1 when that is 0)."""
        if ref is not None:
            return float(ref)
        first = float(self.open.compute[0])
        return first if first > 0 else 1.0

    def niche_list(self) -> tuple[Niche, ...]:
        return self.niches or (Niche(1.0, self.f),)  # type: ignore[arg-type]

    def check_curves(self, *extra: np.ndarray) -> None:
        pts = [
            np.asarray(self.open.compute),
            np.asarray(self.closed.compute),
            *[np.asarray(r.compute) for r in self.rivals],
            *[np.ravel(e) for e in extra],
        ]
        allv = np.concatenate([p.ravel() for p in pts])
        allv = allv[np.isfinite(allv) & (allv > 0)]
        if allv.size == 0:
            return
        for nch in self.niche_list():
            nch.f.check_increasing(
                float(allv.min()) * min(nch.open_skill, nch.closed_skill, nch.rival_skill),
                float(allv.max()) * max(nch.open_skill, nch.closed_skill, nch.rival_skill),
            )
