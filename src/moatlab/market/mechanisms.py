r"""The simulator's mechanisms as pure, vectorised functions (one period, all firms at once).

Notation: firm i, asset j, period t. Holdings :math:`A_{ij} \ge 0`; ownership
:math:`o_{ij} = A_{ij}/(1 + A_{ij})` (1 = half the owner's advantage).

Complementary assets (Teece 1986; erosion after Tripsas 1997)::

    s̃_j      = specificity_j · (1 − f)                            f: fractionalisation (public compute, FRAND)
    a_ij     = o_ij + (1 − o_ij)(1 − s̃_j)                         access: owned, or rented if generic
    w_j(t)   = weight_j · (1 − erosion_j)^t                       asset j's weight, eroded by substitutes
    κ_ij     = 1 + w_j(t) · markup_j · s̃_j · (1 − o_ij)           access-cost multiplier
    κ_i,data += w_data(t) · legal_premium · (1 − legal_clarity) · (1 − o_i,data)
    A_ij     ← (1 − δ_j) A_ij + accumulation_j · driver_ij        driver: spend (compute, data) or usage

Scaling law and know-how::

    E_i  = I_i / κ_i,compute · (1 + K_i)^η_K · (1 + η_D w_data a_i,data) · (1 + η_C w_comp o_i,comp)
    X_i  ← X_i + E_i · e^{g t},   c_i = σ · ln X_i                  g: progress; diminishing returns
    K_i  ← (1 − δ_K) K_i + learning · ln(1 + E_i)
    q_i  = c_i + network_bonus · w_net(t) · a_i,net                 data network effects

Knowledge flows (appropriability a, openness o_k of the source)::

    r_k      = min(1, leak_base · (1 − a) + leak_open · o_k)
    K_i     += max_k r_k (K_k − K_i)^+
    ln X_i  += imitation · max_k r_closed (ln X_k − ln X_i)^+,   r_closed = leak_base · (1 − a)
    (openness speeds know-how flows only; capability imitation runs at the closed rate)
    adoption: pay adopt_cost · (M_t/M_0) · φ_i now, get ln X_i ← max(ln X_i, ln X_open − open_gap/σ)
    after adopt_lag

Users (logit with an outside option, perceived quality, Aghion-style margins)::

    q̃_i   = q_i + (1 − b)(brand_i + ε_i),   brand_i = brand_bonus · w_bench(t) · a_i,bench
    ε_i    = ρ ε_i + √(1 − ρ²) N(0, noise²)     users' persistent misperception (AR(1))
    m_i    = margin · (1 − κ · exp(−gap_i^+ / g_n)),   gap_i = q_i − max_{k≠i} q_k,   g_n: neck_and_neck
    u_i    = β q̃_i + reach · w_serv(t) ln a_i,serv + trust · w_safe(t) ln a_i,safe − α m_i,   u_0 = β q_out(t)
    q_out(t) = outside_quality + outside_tracking · (frontier_t − frontier_0)^+   free alternatives improve
    s_i    = e^{u_i} / (e^{u_0} + Σ_k e^{u_k})
    CS     = (M/α) [ ln(1 + Σ_k e^{u_k − u_0}) − Σ_k s_k (u_k − v_k) ]     v_k: u_k at the true quality

Serving and distribution decide reach: a product is found by a share a_serving of users (a
consideration set), hence the ln a term. κ ∈ [0, 1] is the competition intensity: the share
of the margin competed away between firms whose models are neck and neck (Aghion et al.
2005); a firm with a clear lead keeps its margin.
"""

from __future__ import annotations

import numpy as np

from .params import ASSETS, MarketParams

J = {name: j for j, name in enumerate(ASSETS)}
SPEND_DRIVEN = np.array([name in ("compute", "data") for name in ASSETS])


def ownership(holdings: np.ndarray) -> np.ndarray:
    """o = A / (1 + A): 0 with nothing, → 1 for a large holding.

    >>> ownership(np.array([0.0, 1.0, 3.0]))
    array([0.  , 0.5 , 0.75])
    """
    return holdings / (1.0 + holdings)


def asset_weights(p: MarketParams, t: int) -> np.ndarray:
    """w_j(t) = weight_j (1 − erosion_j)^t for the six assets (in :data:`ASSETS` order)."""
    a = [p.assets[n] for n in ASSETS]
    return np.array([x.weight * (1.0 - x.erosion) ** t for x in a])


def rental_markups(p: MarketParams, t: int) -> np.ndarray:
    """The mark-up a non-owner pays per asset: w_j(t) · markup_j · specificity_j · (1 − f), plus for data
    w_data(t) · legal_premium · (1 − legal_clarity)."""
    base = np.array([p.assets[n].markup for n in ASSETS]) * specificities(p)
    mk = asset_weights(p, t) * base
    mk[J["data"]] += asset_weights(p, t)[J["data"]] * p.legal_premium * (1.0 - p.policy.legal_clarity)
    return mk


def specificities(p: MarketParams) -> np.ndarray:
    """Effective specificity s̃_j = specificity_j (1 − f): fractionalisation makes assets rentable."""
    return np.array([p.assets[n].specificity for n in ASSETS]) * (1.0 - p.policy.fractionalisation)


def access(p: MarketParams, holdings: np.ndarray) -> np.ndarray:
    """a_ij = o_ij + (1 − o_ij)(1 − s̃_j): what a firm can use, owned or rented.

    A generic asset (s̃ = 0) is as good rented as owned; a fully specific one only when owned.
    """
    own = ownership(holdings)
    return own + (1.0 - own) * (1.0 - specificities(p))


def access_multipliers(p: MarketParams, holdings: np.ndarray, t: int) -> np.ndarray:
    """κ_ij = 1 + mk_j(t) (1 − o_ij), mk_j(t) from :func:`rental_markups`; shape of ``holdings``
    (firms × 6)."""
    return 1.0 + rental_markups(p, t) * (1.0 - ownership(holdings))


def effective_compute(
    spend: np.ndarray,
    kappa_compute: np.ndarray,
    knowhow: np.ndarray,
    data: np.ndarray,
    p: MarketParams,
    env: np.ndarray | float = 0.0,
) -> np.ndarray:
    """E = I / κ_compute · (1 + K)^η_K · (1 + η_D w_data a_data) · (1 + η_C w_compute o_compute).

    ``data`` is w_data · a_data and ``env`` is w_compute · o_compute (an owned, optimised compute
    environment — custom chips, cluster engineering — gets more out of each dollar than rented GPUs).
    """
    eff = (1.0 + knowhow) ** p.knowhow_elasticity * (1.0 + p.data_efficiency * data)
    return spend / kappa_compute * eff * (1.0 + p.compute_efficiency * env)


def capability(compute_stock: np.ndarray, scaling: float) -> np.ndarray:
    """The scaling law c = σ ln X (log-capability; diminishing returns in compute).

    >>> float(capability(np.array([np.e**2]), 1.0)[0])
    2.0
    """
    return scaling * np.log(compute_stock)


def leak_rates(openness: np.ndarray, p: MarketParams) -> np.ndarray:
    """r_k = leak_base (1 − a) + leak_open o_k: how fast firm k's knowledge flows to others."""
    return np.minimum(1.0, p.leak_base * (1.0 - p.appropriability) + p.leak_open * openness)


def catch_up(level: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """max_k r_k (level_k − level_i)^+ for every i (the increment from the best source).

    >>> catch_up(np.array([0.0, 1.0, 3.0]), np.array([0.5, 0.5, 0.1]))
    array([0.5, 0.2, 0. ])
    """
    gaps = level[None, :] - level[:, None]
    return np.max(np.maximum(gaps, 0.0) * rates[None, :], axis=1, initial=0.0)


def margins(q: np.ndarray, p: MarketParams) -> np.ndarray:
    """m_i = margin (1 − κ exp(−gap_i^+/g_n)), gap_i = q_i − max_{k≠i} q_k, g_n = ``neck_and_neck``
    (one firm: full margin)."""
    gap = lead_gaps(q)
    return p.margin * (1.0 - p.competition * np.exp(-np.maximum(gap, 0.0) / p.neck_and_neck))


def lead_gaps(q: np.ndarray) -> np.ndarray:
    """q_i − max_{k≠i} q_k (+inf for a lone firm)."""
    n = q.shape[0]
    if n == 0:
        return q.copy()
    if n == 1:
        return np.full(1, np.inf)
    order = np.argsort(q)
    top, second = q[order[-1]], q[order[-2]]
    best_other = np.where(np.arange(n) == order[-1], second, top)
    return q - best_other


def logit_shares(u: np.ndarray, u0: float) -> np.ndarray:
    """s_i = e^{u_i} / (e^{u_0} + Σ_k e^{u_k}), computed stably; the outside good takes the rest.

    >>> s = logit_shares(np.array([0.0, 1.0]), 0.0); bool(0 < s.sum() < 1)
    True
    """
    if u.size == 0:
        return u.copy()
    top = max(float(u.max()), u0)
    e = np.exp(u - top)
    return e / (np.exp(u0 - top) + e.sum())


def consumer_surplus(
    u: np.ndarray, v: np.ndarray, u0: float, s: np.ndarray, p: MarketParams, size: float
) -> float:
    """Quality-adjusted user surplus (M/α)[ln(1 + Σ e^{u−u0}) − Σ s (u − v)] in $B per month.

    Users choose on perceived utility u but live with the true utility v; the second term removes
    what they believed and did not get (zero when perception is exact).
    """
    if u.size == 0:
        return 0.0
    top = max(float(u.max()), u0)
    logsum = top + np.log(np.exp(u0 - top) + np.exp(u - top).sum()) - u0
    return float(size / p.price_sensitivity * (logsum - np.sum(s * (u - v))))


def hhi(revenue: np.ndarray) -> float:
    """Herfindahl–Hirschman index of revenue shares, 0…10,000 (0 when nobody earns).

    >>> hhi(np.array([1.0, 1.0, 1.0, 1.0]))
    2500.0
    """
    tot = float(np.sum(revenue))
    if tot <= 0:
        return 0.0
    sh = revenue / tot
    return float(10_000.0 * np.sum(sh * sh))


def gumbel_choice(utility: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each row picks argmax(utility + Gumbel noise): a logit draw per chooser (rows × options)."""
    return np.argmax(utility + rng.gumbel(size=utility.shape), axis=1)
