"""The market model: one period, in order, over all firms at once.

1. Decisions: each firm prices ``SPEND_OPTIONS`` × its budget (spend_rate × cash) by the profit
   the extra quality would bring over ``horizon`` months against today's rivals, and takes the
   best (agents' ``decide``, random order); its release policy sets its openness.
2. Training (scaling law) and knowledge flows (leakage, imitation, the open-weights floor).
3. Market: users by logit over perceived quality; developers choose bases; revenue, royalties
   (capped by platform policy), serving, compliance and licensing costs, regulation penalties.
4. Assets accumulate with spend or usage and depreciate; their weights erode.
5. Exit (``exit_patience`` months under water) and entry (Poisson arrivals who enter when the
   expected profit over ``entry_horizon`` beats the entry cost, which grows with the rental
   mark-ups of the complementary assets).

The equations are in :mod:`moatlab.market.mechanisms`; the defaults in docs/market.md.
"""

from __future__ import annotations

import mesa
import numpy as np

from .._validate import ParameterError
from . import mechanisms as mx
from .agents import OPEN_WEIGHTS, DeveloperPool, FoundationFirm
from .params import ASSETS, TYPES, MarketParams

SPEND_OPTIONS = np.array([0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0])
METRICS = {
    "hhi": "Herfindahl–Hirschman index of foundation-layer revenue (0–10,000)",
    "active": "active foundation-model firms",
    "entries": "firms entering this period",
    "exits": "firms leaving this period",
    "frontier": "frontier capability, max σ ln X (log-capability)",
    "growth": "frontier growth this period (innovation, log-capability per month)",
    "downstream_quality": "mean quality of downstream products (base quality + fine-tuning)",
    "consumer_surplus": "quality-adjusted user surplus ($B per month)",
    "open_share": "share of downstream products built on open bases",
    "derivatives": "downstream products built on open bases",
    "incumbent_share": "incumbents' share of foundation-layer profit",
    "open_firms": "active firms releasing open weights",
}
_CAP = {"compute": 0, "serving": 1, "safety": 2, "benchmarks": 3, "data": 4, "network": 5}


class MarketModel(mesa.Model):
    """Agent-based market for foundation models (Azoulay et al. 2024); ``run()`` returns a DataFrame.

    Parameters
    ----------
    params : MarketParams, optional
        Defaults are the closed-oligopoly baseline.
    rng : int, numpy.random.SeedSequence or numpy.random.Generator, optional
        Seeds every random draw (users' noise, developers, entrants); same seed, same run.

    Examples
    --------
    >>> from moatlab.market import make_params
    >>> df = MarketModel(make_params({"periods": 24}), rng=0).run()
    >>> list(df.columns[:4]), len(df)
    (['hhi', 'active', 'entries', 'exits'], 24)
    """

    def __init__(self, params: MarketParams | None = None, rng=None):
        if isinstance(rng, bool) or not (
            rng is None or isinstance(rng, int | np.random.SeedSequence | np.random.Generator)
        ):
            raise ParameterError("rng", rng, "an int >= 0, a numpy SeedSequence or Generator, or None")
        if isinstance(rng, int) and rng < 0:
            raise ParameterError("rng", rng, "an int >= 0, a numpy SeedSequence or Generator, or None")
        # one Generator whatever was given, so that an int and default_rng(int) give the same run
        super().__init__(rng=np.random.default_rng(rng))
        p = self.p = params if params is not None else MarketParams()
        n = p.max_firms
        self.compute = np.ones(n)
        self.knowhow = np.zeros(n)
        self.cash = np.zeros(n)
        self.openness = np.zeros(n)
        self.royalty = np.zeros(n)
        self.holdings = np.zeros((n, len(ASSETS)))
        self.alive = np.zeros(n, dtype=bool)
        self.incumbent = np.zeros(n, dtype=bool)
        self.funding = np.zeros(n)
        self.spend_rate = np.zeros(n)
        self.fixed_scale = np.zeros(n)
        self.belief_error = np.zeros(n)  # users' persistent misperception of each model (AR(1))
        self.last_revenue = np.zeros(n)
        self.last_royalty = np.zeros(n)
        self.choice = np.zeros(n, dtype=np.int64)
        self.option_row = np.zeros(n, dtype=np.int64)
        self.option_value = np.zeros((0, SPEND_OPTIONS.size))
        self.firms: dict[int, FoundationFirm] = {}
        self.leaked_compute = 0.0  # compute stock of the leaked model (0: none)
        self.devs = DeveloperPool(p.n_developers, p.dev_open_taste, self.rng)
        self._entries = self._exits = 0
        for kind in TYPES:
            t = p.types[kind]
            for _ in range(t.count):
                self._add_firm(kind, t.compute0, t.knowhow0)
        self.frontier = self._frontier()
        self.metrics: dict[str, float] = {}
        self._size = p.market_size
        self.datacollector = mesa.DataCollector(
            model_reporters={k: (lambda m, k=k: m.metrics[k]) for k in METRICS}
        )

    # --- bookkeeping -----------------------------------------------------------------------
    def _add_firm(self, kind: str, compute: float, knowhow: float) -> FoundationFirm | None:
        free = np.flatnonzero(~self.alive)
        if free.size == 0:
            return None
        i = int(free[0])
        t = self.p.types[kind]
        self.compute[i], self.knowhow[i], self.cash[i] = compute, knowhow, t.cash0
        self.holdings[i] = t.assets0
        self.openness[i] = t.openness
        self.royalty[i] = min(t.royalty, self.p.policy.royalty_cap)
        self.funding[i], self.spend_rate[i], self.fixed_scale[i] = t.funding, t.spend_rate, t.fixed_scale
        self.incumbent[i] = kind == "incumbent"
        self.last_revenue[i] = self.last_royalty[i] = self.belief_error[i] = 0.0
        self.alive[i] = True
        firm = FoundationFirm(self, i, kind, t.release, t.openness)
        self.firms[i] = firm
        return firm

    def retire(self, firm: FoundationFirm) -> None:
        """Remove a firm: its row is freed and its developers must choose again."""
        self.alive[firm.idx] = False
        self.devs.base[self.devs.base == firm.idx] = DeveloperPool.NONE
        del self.firms[firm.idx]
        firm.remove()
        self._exits += 1

    def _frontier(self) -> float:
        a = self.alive
        return float(mx.capability(self.compute[a], self.p.scaling).max()) if a.any() else 0.0

    # --- the period ------------------------------------------------------------------------
    def step(self) -> None:
        p, t = self.p, self.steps - 1
        self._entries = self._exits = 0
        self._size = p.market_size * (1.0 + p.demand_growth) ** t
        self._events(t)
        idx = np.flatnonzero(self.alive)
        kappa = mx.access_multipliers(p, self.holdings[idx], t)
        acc = mx.access(p, self.holdings[idx])
        w = mx.asset_weights(p, t)
        self._price_options(idx, kappa, acc, w)
        for i in self.rng.permutation(idx):
            self.firms[int(i)].decide()
        spend = SPEND_OPTIONS[self.choice[idx]] * self.spend_rate[idx] * np.maximum(self.cash[idx], 0.0)
        eff = mx.effective_compute(spend, kappa[:, 0], self.knowhow[idx], acc[:, 4], p)
        self.compute[idx] += eff
        self.knowhow[idx] = (1 - p.knowhow_depreciation) * self.knowhow[idx] + p.learning * np.log1p(eff)
        self._knowledge_flows(idx)
        revenue, royalty, serve = self._markets(idx, kappa, acc, w)
        scale = self._size / p.market_size  # costs grow with the industry
        fixed = scale * self.fixed_scale[idx] * (p.safety_cost * kappa[:, 2] + p.data_cost * kappa[:, 4])
        pol = p.policy
        penalty = np.where(self.openness[idx] < pol.theta, pol.penalty * revenue, 0.0)
        self.cash[idx] += self.funding[idx] + revenue - spend - fixed - serve - penalty
        self.last_revenue[idx], self.last_royalty[idx] = revenue, royalty
        self._accumulate(idx, spend, self._usage(idx))
        for i in idx:
            self.firms[int(i)].settle()
        self._entry(t)
        self._record(idx, revenue)
        self.datacollector.collect(self)

    def _events(self, t: int) -> None:
        p = self.p
        if p.rogue is not None and t == p.rogue.period:
            inc = [f for f in self.firms.values() if f.kind == "incumbent"]
            if p.rogue.firm < len(inc):
                f = inc[p.rogue.firm]
                f.release, f.base_openness = "open", p.rogue.openness
                self.openness[f.idx] = p.rogue.openness
        if p.leak is not None and t == p.leak.period:
            closed = self.alive & (self.openness < OPEN_WEIGHTS)
            if closed.any():
                self.leaked_compute = max(self.leaked_compute, float(self.compute[closed].max()))

    def _quality(self, idx: np.ndarray, acc: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self._quality_of(self.compute[idx], acc, w)

    def _quality_of(self, compute: np.ndarray, acc: np.ndarray, w: np.ndarray) -> np.ndarray:
        """q = σ ln X + network_bonus · w_net · a_net."""
        return mx.capability(compute, self.p.scaling) + self.p.network_bonus * w[5] * acc[:, 5]

    def _perceived_base(self, q: np.ndarray, acc: np.ndarray, w: np.ndarray) -> np.ndarray:
        """q + (1 − b) brand: what users expect before this period's noise."""
        p = self.p
        return q + (1 - p.policy.public_benchmarks) * p.brand_bonus * w[3] * acc[:, 3]

    def _reach(self, acc: np.ndarray, w: np.ndarray) -> np.ndarray:
        """reach · w_serving · ln a_serving: the users a product can reach (consideration sets)."""
        return self.p.reach * w[1] * np.log(acc[:, 1])

    def _price_options(self, idx: np.ndarray, kappa: np.ndarray, acc: np.ndarray, w: np.ndarray) -> None:
        """Value of each spend option for each firm: horizon × Δ(user profit) − spend."""
        p = self.p
        budget = self.spend_rate[idx] * np.maximum(self.cash[idx], 0.0)
        spend = budget[:, None] * SPEND_OPTIONS[None, :]
        eff = mx.effective_compute(spend, kappa[:, :1], self.knowhow[idx, None], acc[:, 4:5], p)
        dq = p.scaling * (np.log(self.compute[idx, None] + eff) - np.log(self.compute[idx, None]))
        q = self._quality(idx, acc, w)
        base = self._perceived_base(q, acc, w)
        reach = self._reach(acc, w)
        u = p.quality_sensitivity * base + reach - p.price_sensitivity * mx.margins(q, p)
        u0 = p.quality_sensitivity * p.outside_quality
        top = max(float(u.max(initial=u0)), u0) + p.quality_sensitivity * float(dq.max(initial=0.0))
        others = np.exp(u0 - top) + np.exp(u - top).sum() - np.exp(u - top)
        gaps = mx.lead_gaps(q)
        best_other = q - gaps if q.size > 1 else np.full_like(q, -np.inf)
        q_opt = q[:, None] + dq
        m_opt = p.margin * (
            1 - p.competition * np.exp(-np.maximum(q_opt - best_other[:, None], 0) / p.neck_and_neck)
        )
        u_opt = p.quality_sensitivity * (base[:, None] + dq) + reach[:, None] - p.price_sensitivity * m_opt
        e = np.exp(u_opt - top)
        s_opt = e / (others[:, None] + e)
        net = self._size * s_opt * (m_opt - p.serving_cost * kappa[:, 1:2])
        self.option_value = p.horizon * (net - net[:, :1]) - spend
        self.option_row[idx] = np.arange(idx.size)

    def _knowledge_flows(self, idx: np.ndarray) -> None:
        p = self.p
        r = mx.leak_rates(self.openness[idx], p)
        self.knowhow[idx] += mx.catch_up(self.knowhow[idx], r)
        lx = np.log(self.compute[idx])
        lx = lx + p.imitation * mx.catch_up(lx, r)
        open_x = self.compute[idx][self.openness[idx] >= OPEN_WEIGHTS]
        best_open = max(float(open_x.max(initial=0.0)), self.leaked_compute)
        if best_open > 0:
            lx = np.maximum(lx, np.log(best_open) - p.open_gap / p.scaling)
        self.compute[idx] = np.exp(lx)

    def _markets(self, idx, kappa, acc, w):
        p = self.p
        q = self._quality(idx, acc, w)
        b = p.policy.public_benchmarks
        rho = p.noise_persistence
        shock = self.rng.standard_normal(idx.size)
        self.belief_error[idx] = rho * self.belief_error[idx] + np.sqrt(1 - rho * rho) * shock
        noise = (1 - b) * p.quality_noise * self.belief_error[idx]
        perceived = self._perceived_base(q, acc, w) + noise
        m = mx.margins(q, p)
        reach = self._reach(acc, w)
        u = p.quality_sensitivity * perceived + reach - p.price_sensitivity * m
        v = p.quality_sensitivity * q + reach - p.price_sensitivity * m
        u0 = p.quality_sensitivity * p.outside_quality
        s = mx.logit_shares(u, u0)
        self.metrics["consumer_surplus"] = mx.consumer_surplus(u, v, u0, s, p, self._size)
        users = self._size * s * m
        serve = self._size * s * p.serving_cost * kappa[:, 1]
        royalty, self._n_devs = self._developers(idx, perceived, q)
        if self.openness[idx].size:
            comm = np.where(self.openness[idx] >= OPEN_WEIGHTS, p.community * np.log1p(self._n_devs), 0.0)
            self.knowhow[idx] += comm
        self._user_share = s
        self._q = q
        return users + royalty, royalty, serve

    def _developers(self, idx, perceived, q):
        p, devs = self.p, self.devs
        is_open = self.openness[idx] >= OPEN_WEIGHTS
        options, qual, opn = idx, perceived, is_open
        if self.leaked_compute > 0:
            ql = float(mx.capability(np.array([self.leaked_compute]), p.scaling)[0])
            options = np.append(idx, DeveloperPool.LEAKED)
            qual, opn = np.append(perceived, ql), np.append(is_open, True)
        kdev = mx.access_multipliers(p, np.zeros((1, len(ASSETS))), self.steps - 1)[0, 0]
        fee = np.append(self.royalty[idx], 0.0)[: options.size]
        closed_u = p.dev_quality_sensitivity * qual - p.dev_fee_sensitivity * fee
        open_u = p.dev_quality_sensitivity * qual - p.dev_hosting_cost * kdev
        orphan = (devs.base >= 0) & ~np.isin(devs.base, idx)
        devs.base[orphan] = DeveloperPool.NONE
        switch = self.rng.random(devs.n) < p.dev_switch
        who = np.flatnonzero(switch | orphan)
        devs.choose(
            who, options, closed_u, open_u, opn, p.dev_quality_sensitivity * p.dev_outside_quality, self.rng
        )
        pos = np.full(p.max_firms, -1)
        pos[idx] = np.arange(idx.size)
        on = devs.base >= 0
        n_devs = np.bincount(pos[devs.base[on]], minlength=idx.size).astype(float)
        royalty = np.where(is_open, 0.0, self.royalty[idx] * p.dev_revenue * n_devs)
        # downstream quality and open share
        base_q = np.full(devs.n, np.nan)
        base_q[on] = q[pos[devs.base[on]]]
        leaked = devs.base == DeveloperPool.LEAKED
        if leaked.any():
            base_q[leaked] = mx.capability(np.array([self.leaked_compute]), p.scaling)[0]
        on_open = leaked.copy()
        on_open[on] = is_open[pos[devs.base[on]]]
        with_product = on | leaked
        gain = p.finetune_gain * (1.0 + on_open)
        n_prod = int(with_product.sum())
        self.metrics["downstream_quality"] = (
            float(np.mean((base_q + gain)[with_product])) if n_prod else np.nan
        )
        self.metrics["derivatives"] = float(on_open.sum())
        self.metrics["open_share"] = float(on_open.sum() / n_prod) if n_prod else np.nan
        return royalty, n_devs

    def _usage(self, idx: np.ndarray) -> np.ndarray:
        """User share plus API developers' share (open weights are self-hosted: no usage for the firm)."""
        api_devs = np.where(self.openness[idx] >= OPEN_WEIGHTS, 0.0, self._n_devs)
        return self._user_share + api_devs / max(self.p.n_developers, 1)

    def _accumulate(self, idx: np.ndarray, spend: np.ndarray, usage: np.ndarray) -> None:
        """A ← (1 − δ) A + accumulation × driver (spend for compute and data, usage otherwise)."""
        p = self.p
        dep = np.array([p.assets[a].depreciation for a in ASSETS])
        acc = np.array([p.assets[a].accumulation for a in ASSETS])
        driver = np.where(mx.SPEND_DRIVEN[None, :], spend[:, None], usage[:, None])
        self.holdings[idx] = (1 - dep) * self.holdings[idx] + acc * driver

    def _entry(self, t: int) -> None:
        p = self.p
        arrivals = self.rng.poisson(p.entry_rate)
        if arrivals == 0:
            return
        kinds = [k for k in TYPES if p.types[k].entry_share > 0]
        if not kinds:
            return
        wts = np.array([p.types[k].entry_share for k in kinds])
        mk = mx.rental_markups(p, t)
        cost = p.entry_cost * (1.0 + mk.sum()) * self._size / p.market_size
        for _ in range(arrivals):
            kind = kinds[int(self.rng.choice(len(kinds), p=wts / wts.sum()))]
            tp = p.types[kind]
            x = tp.compute0 * float(np.exp(p.entry_noise * self.rng.standard_normal())) / (1.0 + mk[0])
            x = max(x, self._open_floor())
            idx = np.flatnonzero(self.alive)
            k = max(tp.knowhow0, (1 - p.appropriability) * float(self.knowhow[idx].max(initial=0.0)))
            if self._entry_value(idx, x, tp, mk, t) * p.entry_horizon > cost * tp.fixed_scale:
                if self._add_firm(kind, x, k) is not None:
                    self._entries += 1

    def _open_floor(self) -> float:
        open_x = self.compute[self.alive & (self.openness >= OPEN_WEIGHTS)]
        best = max(float(open_x.max(initial=0.0)), self.leaked_compute)
        return best * float(np.exp(-self.p.open_gap / self.p.scaling)) if best > 0 else 0.0

    def _entry_value(self, idx: np.ndarray, x: float, tp, mk: np.ndarray, t: int) -> float:
        """Expected monthly profit of an entrant with compute x and no assets, against today's rivals."""
        p = self.p
        w = mx.asset_weights(p, t)
        acc = mx.access(p, self.holdings[idx])
        q = self._quality(idx, acc, w)
        a0 = mx.access(p, np.zeros((1, len(ASSETS))))
        qe = float(self._quality_of(np.array([x]), a0, w)[0])
        q_all = np.append(q, qe)
        m = mx.margins(q_all, p)
        base = np.append(self._perceived_base(q, acc, w), self._perceived_base(np.array([qe]), a0, w))
        reach = np.append(self._reach(acc, w), self._reach(a0, w))
        u = p.quality_sensitivity * base + reach - p.price_sensitivity * m
        s = mx.logit_shares(u, p.quality_sensitivity * p.outside_quality)
        kappa = 1.0 + mk
        fixed = (
            self._size / p.market_size * tp.fixed_scale * (p.safety_cost * kappa[2] + p.data_cost * kappa[4])
        )
        return self._size * s[-1] * (m[-1] - p.serving_cost * kappa[1]) + tp.funding - fixed

    def _record(self, idx: np.ndarray, revenue: np.ndarray) -> None:
        new = self._frontier()
        alive = self.alive
        rev = np.zeros(self.p.max_firms)
        rev[idx] = np.maximum(revenue, 0.0)
        total = rev.sum()
        self.metrics.update(
            hhi=mx.hhi(rev[alive]),
            active=float(alive.sum()),
            entries=float(self._entries),
            exits=float(self._exits),
            frontier=new,
            growth=new - self.frontier,
            incumbent_share=float(rev[self.incumbent & alive].sum() / total) if total > 0 else np.nan,
            open_firms=float((alive & (self.openness >= OPEN_WEIGHTS)).sum()),
        )
        self.frontier = new

    def run(self, periods: int | None = None):
        """Run ``periods`` (default ``params.periods``) and return the per-period metrics table."""
        for _ in range(self.p.periods if periods is None else periods):
            self.step()
        df = self.datacollector.get_model_vars_dataframe()
        df.index.name = "period"
        return df
