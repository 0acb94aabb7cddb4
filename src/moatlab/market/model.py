"""The market model: one period, in order, over all firms at once.

0. Events: a rogue giant opens its weights, or the best closed model leaks.
1. Decisions: each firm prices ``SPEND_OPTIONS`` × its budget (spend_rate × cash) by the profit
   the extra quality would bring over ``horizon`` months against today's rivals, and takes the
   best (agents' ``decide``, random order); its release policy sets its openness.
   A firm may instead *adopt* the best open base (open weights or a leaked model): it pays
   ``adopt_cost`` (times the market's growth and a firm-specific factor) now and gets the base,
   ``open_gap`` below it, ``adopt_lag`` months later; its lineage then records the base
   (:mod:`moatlab.market.lineage`).
2. Training (scaling law, with technical progress; the spend is the chosen budget plus the type's
   ``train_share`` of this month's outside funding: start-ups' calibrated share, others' 0) and
   knowledge flows (leakage and imitation at the closed rate; openness speeds know-how flows, while
   capability from open weights comes only by adoption); adoptions due this month land.
3. Market: users by logit over perceived quality; developers choose bases; revenue, royalties
   (capped by platform policy), serving, compliance and licensing costs, regulation penalties;
   cash takes outside funding (start-ups' and labs' while their runway lasts) and these flows.
4. Assets accumulate with spend or usage and depreciate; their weights erode.
5. Exit (``exit_patience`` months under water: negative cash or a running loss) and entry (Poisson
   arrivals who enter when the expected profit over ``entry_horizon`` beats the entry cost, which
   grows with the market and the rental mark-ups of the complementary assets).
6. The month's metrics are recorded.

The equations are in :mod:`moatlab.market.mechanisms`; the defaults in docs/market.md.
"""

from __future__ import annotations

import mesa
import numpy as np

from .._validate import ParameterError
from . import entry as _entry
from . import lineage as lin
from . import mechanisms as mx
from .agents import OPEN_WEIGHTS, DeveloperPool, FoundationFirm
from .metrics import METRICS
from .params import ASSETS, TYPES, MarketParams

SPEND_OPTIONS = np.array([0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0])
ADOPT = SPEND_OPTIONS.size  # the option column "adopt the best open base"
_KIND = {k: i for i, k in enumerate(TYPES)}
#: "at the frontier": effective compute within half an order of magnitude (×3.16) of the largest model's,
#: a band in compute (Epoch AI's frontier is a compute criterion), not in capability, so that it does not
#: move with the fitted scaling exponent σ
FRONTIER_BAND = 0.5 * np.log(10.0)
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
        self.kind = np.zeros(n, dtype=np.int64)
        self.funding = np.zeros(n)
        self.born = np.zeros(n, dtype=np.int64)
        self.spend_rate = np.zeros(n)
        self.train_share = np.zeros(n)
        self.fixed_scale = np.zeros(n)
        self.belief_error = np.zeros(n)  # users' persistent misperception of each model (AR(1))
        self.last_revenue = np.zeros(n)
        self.operating = np.zeros(n)  # funding + revenue − running costs this month (before training)
        self.last_royalty = np.zeros(n)
        self.choice = np.zeros(n, dtype=np.int64)
        self.option_row = np.zeros(n, dtype=np.int64)
        self.option_value = np.zeros((0, SPEND_OPTIONS.size + 1))
        self.lineage = lin.Lineage(n)
        self.leaked_compute = 0.0
        self._entries = self._exits = self._adoptions = 0
        self.frontier0 = None
        self.devs = DeveloperPool(p.n_developers, p.dev_open_taste, self.rng)
        self._size = p.market_size
        self.firms: dict[int, FoundationFirm] = {}
        for kind in TYPES:
            t = p.types[kind]
            for _ in range(t.count):
                self._add_firm(kind, t.compute0, t.knowhow0)
        self.frontier = self._frontier()
        self.frontier0 = self.frontier
        self.metrics: dict[str, float] = {}
        self._size = p.market_size
        self.datacollector = mesa.DataCollector(
            model_reporters={k: (lambda m, k=k: m.metrics[k]) for k in METRICS}
        )

    # --- bookkeeping -----------------------------------------------------------------------
    def _add_firm(
        self, kind: str, compute: float, knowhow: float, funding_factor: float | None = None
    ) -> FoundationFirm | None:
        free = np.flatnonzero(~self.alive)
        if funding_factor is None:
            funding_factor = self.funding_factor()
        if free.size == 0:
            return None
        i = int(free[0])
        t = self.p.types[kind]
        self.compute[i], self.knowhow[i], self.cash[i] = compute, knowhow, t.cash0 * self._market_scale()
        self.holdings[i] = t.assets0
        self.openness[i] = t.openness
        self.royalty[i] = min(t.royalty, self.p.policy.royalty_cap)
        self.funding[i] = t.funding * funding_factor
        self.spend_rate[i], self.fixed_scale[i] = t.spend_rate, t.fixed_scale
        self.train_share[i] = t.train_share
        self.born[i] = max(self.steps - 1, 0)
        self.incumbent[i] = kind == "incumbent"
        self.kind[i] = _KIND[kind]
        self.last_revenue[i] = self.last_royalty[i] = self.belief_error[i] = 0.0
        self.alive[i] = True
        # a firm-specific adoption-cost factor: integration, licence review, retraining staff
        self.lineage.new_model(i, float(np.exp(self.p.adopt_noise * self.rng.standard_normal())))
        firm = FoundationFirm(self, i, kind, t.release, t.openness)
        self.firms[i] = firm
        return firm

    def retire(self, firm: FoundationFirm) -> None:
        """Remove a firm: its row is freed and its developers must choose again."""
        self.alive[firm.idx] = False
        self.lineage.drop(firm.idx)
        self.devs.base[self.devs.base == firm.idx] = DeveloperPool.NONE
        del self.firms[firm.idx]
        firm.remove()
        self._exits += 1

    def _frontier(self) -> float:
        a = self.alive
        return float(mx.capability(self.compute[a], self.p.scaling).max()) if a.any() else 0.0

    def _fixed_scale(self, t: int) -> float:
        """Compliance and licensing costs grow at ``fixed_cost_growth`` a month (regulation, data prices)."""
        return (1.0 + self.p.fixed_cost_growth) ** t

    def _progress(self, t: int) -> float:
        """Effective compute per dollar, e^{progress · t}: hardware and algorithmic progress."""
        return float(np.exp(self.p.progress * t))

    def _market_scale(self) -> float:
        """size_t / size_0: set-up and adoption costs grow with the market (talent, compute contracts)."""
        return self._size / self.p.market_size

    def funding_factor(self) -> float:
        """A firm's draw of outside funding relative to its type's mean: log-normal with mean 1 and
        log-sd ``funding_dispersion`` (a few start-ups raise billions, most raise little)."""
        s = self.p.funding_dispersion
        return float(np.exp(s * self.rng.standard_normal() - 0.5 * s * s))

    def runway(self, age: np.ndarray | float) -> np.ndarray | float:
        """Share of a start-up's or lab's outside funding still flowing at ``age`` months:
        e^{−age / funding_runway} (venture capital and grants run out; 1 when the runway is 0 = endless)."""
        r = self.p.funding_runway
        a = np.asarray(age, dtype=float)
        return np.exp(-a / r) if r > 0 else np.ones_like(a)

    def _funding_scale(self) -> float:
        """Outside funding follows the market: (size_t / size_0)^funding_elasticity (venture capital)."""
        return (self._size / self.p.market_size) ** self.p.funding_elasticity

    def outside_quality(self) -> float:
        """q_out(t) = outside_quality + tracking · (frontier_t − frontier_0): free alternatives improve."""
        p = self.p
        drift = 0.0 if self.frontier0 is None else max(self.frontier - self.frontier0, 0.0)
        return p.outside_quality + p.outside_tracking * drift

    def best_open(self) -> tuple[float, int]:
        """Compute stock and row (``LEAKED`` for the leaked model, −1 for none) of the best open base."""
        open_rows = np.flatnonzero(self.alive & (self.openness >= OPEN_WEIGHTS))
        best, row = 0.0, -1
        if open_rows.size:
            k = int(open_rows[np.argmax(self.compute[open_rows])])
            best, row = float(self.compute[k]), k
        if self.leaked_compute > best:
            best, row = self.leaked_compute, DeveloperPool.LEAKED
        return best, row

    def adoption_target(self) -> float:
        """ln X of a model fine-tuned from the best open base: ln X_open − open_gap / σ (−inf: none)."""
        best, _ = self.best_open()
        return float(np.log(best)) - self.p.open_gap / self.p.scaling if best > 0 else -np.inf

    # --- the period ------------------------------------------------------------------------
    def step(self) -> None:
        p, t = self.p, self.steps - 1
        self._entries = self._exits = self._adoptions = 0
        self._size = p.market_size * (1.0 + p.demand_growth) ** t
        self._events(t)
        idx = np.flatnonzero(self.alive)
        kappa = mx.access_multipliers(p, self.holdings[idx], t)
        acc = mx.access(p, self.holdings[idx])
        w = mx.asset_weights(p, t)
        self._price_options(idx, kappa, acc, w)
        for i in self.rng.permutation(idx):
            self.firms[int(i)].decide()
        ch = self.choice[idx]
        adopt = ch == ADOPT
        frac = np.where(adopt, 0.0, SPEND_OPTIONS[np.minimum(ch, ADOPT - 1)])
        funding = self._funding(idx, t)
        committed = self.train_share[idx] * funding  # money raised to train
        spend = frac * self.spend_rate[idx] * np.maximum(self.cash[idx], 0.0) + committed
        adopt_cost = np.where(adopt, p.adopt_cost * self._market_scale() * self.lineage.cost_factor[idx], 0.0)
        if adopt.any():
            self.lineage.start(idx[adopt], self.adoption_target(), self._open_source(), t + p.adopt_lag)
        own = mx.ownership(self.holdings[idx])
        eff = mx.effective_compute(
            spend, kappa[:, 0], self.knowhow[idx], w[4] * acc[:, 4], p, w[0] * own[:, 0]
        )
        self.compute[idx] += eff * self._progress(t)
        self.knowhow[idx] = (1 - p.knowhow_depreciation) * self.knowhow[idx] + p.learning * np.log1p(eff)
        self._knowledge_flows(idx)
        self._adoptions = self.lineage.land(t, self.compute, self.alive)
        revenue, royalty, serve = self._markets(idx, kappa, acc, w)
        fixed = (
            self._fixed_scale(t)
            * self.fixed_scale[idx]
            * (p.safety_cost * kappa[:, 2] + p.data_cost * kappa[:, 4])
        )
        pol = p.policy
        penalty = np.where(self.openness[idx] < pol.theta, pol.penalty * revenue, 0.0)
        operating = funding + revenue - fixed - serve - penalty
        self.operating[idx] = operating
        startup = self.kind[idx] == _KIND["challenger"]
        self.metrics["startup_funding"] = float(funding[startup].sum())
        self.metrics["startup_training"] = float(spend[startup].sum())
        self.cash[idx] += operating - spend - adopt_cost
        self.last_revenue[idx], self.last_royalty[idx] = revenue, royalty
        self._accumulate(idx, spend, self._usage(idx))
        for i in idx:
            self.firms[int(i)].settle()
        self._entry(t)
        self._record(idx, revenue)
        self.datacollector.collect(self)

    def _funding(self, idx: np.ndarray, t: int) -> np.ndarray:
        """Outside money this month: type mean × firm draw × market scale^elasticity × runway (not
        for incumbents, whose adjacent businesses keep paying)."""
        left = np.where(self.incumbent[idx], 1.0, self.runway(t - self.born[idx]))
        return self.funding[idx] * self._funding_scale() * left

    def _open_source(self) -> tuple[int, int]:
        """(id, root) of the best open base: its root decides whose lineage an adopter joins."""
        _, row = self.best_open()
        return self.lineage.base_of(self.lineage.LEAKED if row == DeveloperPool.LEAKED else row)

    def _events(self, t: int) -> None:
        p = self.p
        if p.rogue is not None and t == p.rogue.period:
            inc = [f for f in self.firms.values() if f.kind == "incumbent"]
            if p.rogue.firm < len(inc):
                f = inc[p.rogue.firm]
                f.release, f.base_openness = "open", p.rogue.openness
                self.openness[f.idx] = p.rogue.openness
                if p.rogue.openness >= OPEN_WEIGHTS:
                    self.lineage.mark_root(int(self.lineage.root[f.idx]), t)
        if p.leak is not None and t == p.leak.period:
            closed = self.alive & (self.openness < OPEN_WEIGHTS)
            if closed.any():
                self.leaked_compute = max(self.leaked_compute, float(self.compute[closed].max()))
                self.lineage.mark_root(self.lineage.LEAKED, t)

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
        """reach · w_serving · ln a_serving + trust · w_safety · ln a_safety: the users a product can
        reach (consideration sets), and those who buy only with safety and governance assurances."""
        p = self.p
        return p.reach * w[1] * np.log(acc[:, 1]) + p.trust * w[2] * np.log(acc[:, 2])

    def _price_options(self, idx: np.ndarray, kappa: np.ndarray, acc: np.ndarray, w: np.ndarray) -> None:
        """Value of each option for each firm: horizon × Δ(user profit) − spend.

        The last column is adopting the best open base: the quality gain arrives after ``adopt_lag``
        months (so it earns over ``horizon − adopt_lag``) and costs ``adopt_cost`` × the firm's factor;
        it is open to a firm that has none pending and the cash to pay.
        """
        p = self.p
        budget = self.spend_rate[idx] * np.maximum(self.cash[idx], 0.0)
        spend = budget[:, None] * SPEND_OPTIONS[None, :]
        env = w[0] * mx.ownership(self.holdings[idx, :1])
        eff = mx.effective_compute(spend, kappa[:, :1], self.knowhow[idx, None], w[4] * acc[:, 4:5], p, env)
        eff = eff * self._progress(self.steps - 1)
        dq = p.scaling * (np.log(self.compute[idx, None] + eff) - np.log(self.compute[idx, None]))
        lx = np.log(self.compute[idx])
        dq_adopt = p.scaling * np.maximum(self.adoption_target() - lx, 0.0)
        dq = np.concatenate([dq, dq_adopt[:, None]], axis=1)
        cost = p.adopt_cost * self._market_scale() * self.lineage.cost_factor[idx]
        spend = np.concatenate([spend, cost[:, None]], axis=1)
        q = self._quality(idx, acc, w)
        base = self._perceived_base(q, acc, w)
        reach = self._reach(acc, w)
        u = p.quality_sensitivity * base + reach - p.price_sensitivity * mx.margins(q, p)
        u0 = p.quality_sensitivity * self.outside_quality()
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
        net = self._size * s_opt * (m_opt - p.serving_cost * kappa[:, 0:1])
        months = np.full(dq.shape[1], float(p.horizon))
        months[ADOPT] = max(p.horizon - p.adopt_lag, 0)
        value = months[None, :] * (net - net[:, :1]) - spend
        can = (dq_adopt > 0) & (self.lineage.due[idx] < 0) & (self.cash[idx] >= cost)
        value[:, ADOPT] = np.where(can, value[:, ADOPT], -np.inf)
        self.option_value = value
        self.option_row[idx] = np.arange(idx.size)

    def _knowledge_flows(self, idx: np.ndarray) -> None:
        """Know-how leaks at r_k (openness speeds it: papers, code, weights to study); capability is
        imitated at the closed rate only — building on open weights is adoption, which has a cost."""
        p = self.p
        r = mx.leak_rates(self.openness[idx], p)
        self.knowhow[idx] += mx.catch_up(self.knowhow[idx], r)
        lx = np.log(self.compute[idx])
        r_closed = mx.leak_rates(np.zeros(idx.size), p)
        self.compute[idx] = np.exp(lx + p.imitation * mx.catch_up(lx, r_closed))

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
        u0 = p.quality_sensitivity * self.outside_quality()
        s = mx.logit_shares(u, u0)
        self.metrics["consumer_surplus"] = mx.consumer_surplus(u, v, u0, s, p, self._size)
        inside = float(s.sum())
        self.metrics["outside_share"] = 1.0 - inside
        self.metrics["price"] = float(np.sum(s * m) / inside) if inside > 0 else np.nan
        self.metrics["qa_price"] = float(np.sum(s * m * np.exp(-q)) / inside) if inside > 0 else np.nan
        users = self._size * s * m
        serve = self._size * s * p.serving_cost * kappa[:, 0]
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
        drift = self.outside_quality() - p.outside_quality
        outside = p.dev_quality_sensitivity * (p.dev_outside_quality + drift)
        devs.choose(who, options, closed_u, open_u, opn, outside, self.rng)
        pos = np.full(p.max_firms, -1)
        pos[idx] = np.arange(idx.size)
        on = devs.base >= 0
        n_devs = np.bincount(pos[devs.base[on]], minlength=idx.size).astype(float)
        royalty = np.where(is_open, 0.0, self.royalty[idx] * p.dev_revenue * n_devs)
        # downstream quality, open share and lineage of the products
        base_q = np.full(devs.n, np.nan)
        base_q[on] = q[pos[devs.base[on]]]
        leaked = devs.base == DeveloperPool.LEAKED
        if leaked.any():
            base_q[leaked] = mx.capability(np.array([self.leaked_compute]), p.scaling)[0]
        on_open = leaked.copy()
        on_open[on] = is_open[pos[devs.base[on]]]
        with_product = on | leaked
        gain = p.finetune_gain * np.where(on_open, p.open_finetune_advantage, 1.0)
        n_prod = int(with_product.sum())
        self.metrics["downstream_quality"] = (
            float(np.mean((base_q + gain)[with_product])) if n_prod else np.nan
        )
        self.metrics["derivatives"] = float(on_open.sum())
        self.metrics["open_share"] = float(on_open.sum() / n_prod) if n_prod else np.nan
        on_lin = leaked & self.lineage.leak_is_marked()
        on_lin[on] = self.lineage.in_lineage()[devs.base[on]]
        self.metrics["lineage_products"] = float(on_lin.sum() / n_prod) if n_prod else np.nan
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
        _entry.entry(self, t)

    def _entry_value(self, idx: np.ndarray, x: float, tp, mk: np.ndarray, t: int) -> float:
        return _entry.entry_value(self, idx, x, tp, mk, t)

    def _record(self, idx: np.ndarray, revenue: np.ndarray) -> None:
        new = self._frontier()
        alive = self.alive
        rev = np.zeros(self.p.max_firms)
        rev[idx] = np.maximum(revenue, 0.0)
        total = rev.sum()
        fringe = alive & (self.kind != _KIND["incumbent"])
        self.metrics.update(
            hhi=mx.hhi(rev[alive]),
            active=float(alive.sum()),
            entries=float(self._entries),
            exits=float(self._exits),
            frontier=new,
            growth=new - self.frontier,
            incumbent_share=float(rev[self.incumbent & alive].sum() / total) if total > 0 else np.nan,
            open_firms=float((alive & (self.openness >= OPEN_WEIGHTS)).sum()),
            adoptions=float(self._adoptions),
            lineage_share=self.lineage.share(fringe),
            frontier_firms=self._at_frontier(),
        )
        self.frontier = new

    def _at_frontier(self) -> float:
        lx = np.log(self.compute[self.alive])
        return float((lx >= lx.max(initial=-np.inf) - FRONTIER_BAND).sum())

    def run(self, periods: int | None = None):
        """Run ``periods`` (default ``params.periods``) and return the per-period metrics table."""
        for _ in range(self.p.periods if periods is None else periods):
            self.step()
        df = self.datacollector.get_model_vars_dataframe()
        df.index.name = "period"
        return df
