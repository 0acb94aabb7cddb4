"""Agents: foundation-model firms (Mesa agents) and the downstream developers (a vectorised pool).

A firm's state lives in the model's arrays (row ``idx``) so that the market clears in one numpy
call; the agent owns its decisions — which training spend to take from the options the model
priced for it, which openness to release under its policy, and when to give up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .model import MarketModel

OPEN_WEIGHTS = 0.5  # openness at or above which a model's weights are downloadable


class FoundationFirm(mesa.Agent):
    """A foundation-model firm of type incumbent, challenger or academic.

    Parameters
    ----------
    model : MarketModel
    idx : int
        Row of the firm in the model's state arrays.
    kind : str
        Firm type; its defaults come from ``MarketParams.types[kind]``.
    release : {'closed', 'open', 'strategic'}
        Release policy: keep the type's openness, release openly, or comply with openness
        regulation when the penalty costs more than the API fees that opening the weights gives up.
    """

    model: MarketModel

    def __init__(self, model: MarketModel, idx: int, kind: str, release: str, openness: float):
        super().__init__(model)
        self.idx = idx
        self.kind = kind
        self.release = release
        self.base_openness = openness
        self.losing = 0  # consecutive months under water (negative cash or a running loss)

    # --- decisions -------------------------------------------------------------------------
    def decide(self) -> None:
        """Pick the option (a training spend, or adopting the best open base) with the best priced
        value; set this period's openness."""
        m = self.model
        row = m.option_row[self.idx]
        m.choice[self.idx] = int(np.argmax(m.option_value[row]))
        m.openness[self.idx] = self._release_choice()

    def _release_choice(self) -> float:
        m = self.model
        pol = m.p.policy
        o = self.base_openness
        if self.release != "strategic" or pol.penalty <= 0 or o >= pol.theta:
            return o
        if pol.theta < OPEN_WEIGHTS:
            return pol.theta  # complying releases no weights and costs nothing
        penalty = pol.penalty * m.last_revenue[self.idx]
        return pol.theta if penalty > m.last_royalty[self.idx] else o

    def settle(self) -> None:
        """Count months under water — negative cash, or running at a loss (outside funding and revenue
        below running costs: the money has stopped and users have not come) — and leave the market
        after ``exit_patience`` of them in a row (shut down or absorbed, as Inflection, Adept and
        Character.AI were in 2024)."""
        m = self.model
        under = m.cash[self.idx] < 0 or m.operating[self.idx] < 0
        self.losing = self.losing + 1 if under else 0
        if self.losing >= m.p.exit_patience:
            m.retire(self)


class DeveloperPool:
    """Downstream developers as arrays: each holds a base (a firm row, the leaked model, or none).

    Developer d values base k at ``β_d q̃_k − λ_fee r_k`` for a closed base and
    ``β_d q̃_k + τ_d − h κ_dev`` for open weights (τ_d ~ U(0, open_taste): the value of
    customising and self-hosting; h κ_dev: hosting at the rented-compute price); the outside option
    (no product) is worth ``β_d (dev_outside_quality + q_out(t) − q_out(0))``, moving with the users'.
    Each period a share ``dev_switch`` re-chooses by logit, and everyone whose base left the market
    must.
    """

    NONE = -1
    LEAKED = -2

    def __init__(self, n: int, open_taste: float, rng: np.random.Generator):
        self.taste = rng.uniform(0.0, open_taste, size=n)
        self.base = np.full(n, self.NONE, dtype=np.int64)
        self.n = n

    def choose(
        self,
        who: np.ndarray,
        options: np.ndarray,
        utility_closed: np.ndarray,
        utility_open: np.ndarray,
        is_open: np.ndarray,
        outside: float,
        rng: np.random.Generator,
    ) -> None:
        """Developers ``who`` pick among ``options`` (row ids; :attr:`LEAKED` for the leaked model)."""
        if who.size == 0:
            return
        u = np.where(is_open[None, :], utility_open[None, :] + self.taste[who, None], utility_closed[None, :])
        u = np.concatenate([np.full((who.size, 1), outside), u], axis=1)
        pick = np.argmax(u + rng.gumbel(size=u.shape), axis=1)
        self.base[who] = np.where(pick == 0, self.NONE, options[np.maximum(pick - 1, 0)])
