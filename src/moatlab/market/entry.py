"""Entry of new foundation-model firms (step 9 of a month; see :mod:`moatlab.market.model`).

Potential entrants arrive as a Poisson stream; each values two plans — its own model, or adopting
the best open base — over ``entry_horizon`` months against today's market and enters when the
better plan beats the entry cost, which grows with the rental mark-ups of the complementary assets.
Functions take the model as their first argument (they were its methods).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import mechanisms as mx
from .params import ASSETS, TYPES

if TYPE_CHECKING:  # pragma: no cover
    from .model import MarketModel


def entry(self: MarketModel, t: int) -> None:
    """Poisson arrivals; each enters when ``entry_horizon`` months of expected profit beat the cost.

    An arrival with a weaker model than the open frontier may plan to adopt it (it then pays the
    adoption cost on top and gets the base after the lag); it takes whichever plan is worth more.
    """
    p = self.p
    arrivals = self.rng.poisson(p.entry_rate)
    if arrivals == 0:
        return
    kinds = [k for k in TYPES if p.types[k].entry_share > 0]
    if not kinds:
        return
    wts = np.array([p.types[k].entry_share for k in kinds])
    mk = mx.rental_markups(p, t)
    scale = self._market_scale()
    cost = p.entry_cost * scale * (1.0 + mk.sum())
    target = self.adoption_target()
    for _ in range(arrivals):
        kind = kinds[int(self.rng.choice(len(kinds), p=wts / wts.sum()))]
        tp = p.types[kind]
        draw = float(np.exp(p.entry_noise * self.rng.standard_normal()))
        x = tp.compute0 * scale * self._progress(t) * draw
        x /= 1.0 + mk[0]
        idx = np.flatnonzero(self.alive)
        k = max(tp.knowhow0, (1 - p.appropriability) * float(self.knowhow[idx].max(initial=0.0)))
        ff = self.funding_factor()
        months = np.arange(p.entry_horizon)
        runway = float(np.mean(self.runway(months))) if kind != "incumbent" else 1.0
        fund = tp.funding * ff * self._funding_scale() * runway - tp.funding * self._funding_scale()
        own = (entry_value(self, idx, x, tp, mk, t) + fund) * p.entry_horizon - cost * tp.fixed_scale
        plan_adopt = False
        factor = float(np.exp(p.adopt_noise * self.rng.standard_normal()))
        if np.isfinite(target) and target > np.log(x):
            months = max(p.entry_horizon - p.adopt_lag, 0)
            gain = entry_value(self, idx, float(np.exp(target)), tp, mk, t) * months
            adopt = gain + entry_value(self, idx, x, tp, mk, t) * min(p.adopt_lag, p.entry_horizon)
            adopt += fund * p.entry_horizon - cost * tp.fixed_scale - p.adopt_cost * scale * factor
            plan_adopt = adopt > own
            own = max(own, adopt)
        if own > 0:
            firm = self._add_firm(kind, x, k, ff)
            if firm is not None:
                self._entries += 1
                self.lineage.cost_factor[firm.idx] = factor
                if plan_adopt:
                    self.cash[firm.idx] -= p.adopt_cost * scale * factor
                    rows = np.array([firm.idx])
                    self.lineage.start(rows, target, self._open_source(), t + p.adopt_lag)

def entry_value(self: MarketModel, idx: np.ndarray, x: float, tp, mk: np.ndarray, t: int) -> float:
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
    s = mx.logit_shares(u, p.quality_sensitivity * self.outside_quality())
    kappa = 1.0 + mk
    fixed = self._fixed_scale(t) * tp.fixed_scale * (p.safety_cost * kappa[2] + p.data_cost * kappa[4])
    profit = self._size * s[-1] * (m[-1] - p.serving_cost * kappa[0])
    return profit + tp.funding * self._funding_scale() - fixed
