"""Findings B1–B4 of the safety-floor game (Laufer, Kleinberg, Heidari, "The Backfiring Effect of
Weak AI Safety Regulation") as properties over stated ranges of cost matrices.

Ranges (fixed before the runs): cost diagonals in [0.5, 2], cross terms κ·sqrt(c_αα c_ββ) with
κ ∈ [−0.5, 0.5] (both signs; separable where stated), revenue weights r_α, r_β in [0.5, 2],
G's share δ in [0.3, 0.7]; 40 seeded draws per finding (B2–B4). B1 is a Hypothesis property over
c0, c1 in [0.3, 3], ρ in [0.2, 3] and δ in [0.05, 0.95].
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from moatlab.safety import grid, solve
from moatlab.safety.kernel import ABSTAIN, PARTICIPATION

N_DRAWS = 40


def _draw(rng, kappa):
    def mat():
        aa, bb = rng.uniform(0.5, 2, 2)
        return (aa, rng.uniform(-kappa, kappa) * np.sqrt(aa * bb), bb)

    return dict(c0=mat(), c1=mat(), r=tuple(rng.uniform(0.5, 2, 2)), delta=rng.uniform(0.3, 0.7))


def _ensemble(seed, kappa):
    rng = np.random.default_rng(seed)
    return [_draw(rng, kappa) for _ in range(N_DRAWS)]


@given(st.floats(0.3, 3), st.floats(0.3, 3), st.floats(0.2, 3), st.floats(0.05, 0.95))
def test_b1_symmetric_costs_give_symmetric_attributes(c0, c1, rr, delta):
    """B1. Without floors, C0 = c0·I, C1 = c1·I and r = (ρ, ρ): performance and safety are
    chosen alike (α0 = β0, α1 = β1); with c0 = c1 and δ = 1/2 both players get the same utility."""
    res = solve(c0=(c0, 0, c0), c1=(c1, 0, c1), r=(rr, rr), delta=delta)
    assert res.alpha0 == pytest.approx(res.beta0, rel=1e-12, abs=1e-15)
    assert res.alpha1 == pytest.approx(res.beta1, rel=1e-12, abs=1e-15)
    eq = solve(c0=(c0, 0, c0), c1=(c0, 0, c0), r=(rr, rr), delta=0.5)
    assert eq.U_G == pytest.approx(eq.U_D, rel=1e-12)
    base = solve()
    assert (base.alpha0, base.beta0, base.U_G) == pytest.approx((0.25, 0.25, 0.375))
    assert base.U_D == pytest.approx(base.U_G)


def _backfires(case, kappa):
    ref, ds = _scan_theta_d(case, 301, 3.0)
    dropped = ds["beta0"].values < ref.beta0 - 1e-9
    if kappa == 0:
        dropped = ds["beta0"].values == 0.0
    hit = ds["backfiring"].values & dropped
    assert (ds["beta1"].values[hit] < ref.beta1).all()
    return hit.sum() >= 2  # an interval: at least two scan points


def _mutualism(case):
    ref = solve(**case)
    tg = np.linspace(0, 2 * ref.beta1, 61)[1:]
    td = np.linspace(0, 3 * ref.beta1, 61)[1:]
    ds = grid(theta_g=tg, theta_d=td, **case)
    m = ds["mutualism"].values
    assert (ds["U_G"].values[m] > ref.U_G).all() and (ds["U_D"].values[m] > ref.U_D).all()
    return m.any()


def _corners(cases):
    """(β0_free, β1_free) of each failing draw, and the first draw in full."""
    pairs = [(round(solve(**c).beta0, 4), round(solve(**c).beta1, 4)) for c in cases]
    return f"(beta0_free, beta1_free) = {pairs}; first: {cases[0]}"


def _scan_theta_d(case, n, top):
    ref = solve(**case)
    td = np.linspace(0, top * max(ref.beta1, 1e-9), n)[1:]
    return ref, grid(theta_g=0.0, theta_d=td, **case)


FAILS = ("a finding that fails over its stated range, reported as failing (measured: 3 of 40 draws, "
         "each with a corner — without floors G invests no safety or D adds none; see "
         "docs/safety-game.md); strict, so the suite says so if it starts to hold")


@pytest.mark.parametrize("kappa, label", [
    (0.0, "separable"),
    pytest.param(0.5, "cross terms of both signs",
                 marks=pytest.mark.xfail(strict=True, reason="B2: " + FAILS)),
])
def test_b2_weak_floor_on_d_alone_backfires(kappa, label):
    """B2. With θ_G = 0 there is an interval of θ_D > 0 where G's safety investment drops (to 0
    for separable costs) and the final safety β1 is below the unregulated one (backfiring).
    Scan: 300 values of θ_D in (0, 3·β1_free]."""
    failures = [case for case in _ensemble(1 if kappa == 0 else 2, kappa) if not _backfires(case, kappa)]
    assert not failures, f"B2 ({label}) fails for {len(failures)}/{N_DRAWS} draws: {_corners(failures)}"


@pytest.mark.xfail(strict=True, reason="B3: " + FAILS)
def test_b3_floors_on_both_can_make_both_better_off():
    """B3. Some (θ_G, θ_D) with both floors positive make both players strictly better off than
    without regulation (mutualism) — for every draw with cross terms of both signs.
    Search: θ_G in (0, 2·β1_free], θ_D in (0, 3·β1_free], 60 × 60."""
    failures = [case for case in _ensemble(3, 0.5) if not _mutualism(case)]
    assert not failures, f"B3 fails for {len(failures)}/{N_DRAWS} draws: {_corners(failures)}"


def test_b4_high_floor_on_d_makes_d_then_g_abstain():
    """B4. With θ_G = 0, raising θ_D first makes D's participation bind (G props D up, U_D = 0)
    and far enough leads to no product at all (both abstain), for every larger θ_D of the scan.
    Scan: 400 values of θ_D in (0, 20·(r_α + r_β)/min diagonal]."""
    failures = []
    for case in _ensemble(4, 0.5):
        cmin = min(case["c0"][0], case["c0"][2], case["c1"][0], case["c1"][2])
        td = np.linspace(0, 20 * sum(case["r"]) / cmin, 401)[1:]
        gs = grid(theta_g=0.0, theta_d=td, **case)["G_strategy"].values
        out = gs == ABSTAIN
        if not out.any():
            failures.append(("never abstains", case))
            continue
        first = int(np.argmax(out))
        if not out[first:].all() or not (gs[:first] == PARTICIPATION).any():
            failures.append(("order", case))
    assert not failures, f"B4 fails for {len(failures)}/{N_DRAWS} draws, e.g. {failures[0]}"


def test_b2_b3_hold_whenever_both_players_invest_in_safety_without_floors():
    """Refinement found after the runs above (where B2 with cross terms and B3 failed for 3/40
    draws each, every failing draw having a corner: without floors G invests no safety, or D adds
    none), checked on fresh draws (seeds 31, 32, never inspected before): among draws where, without
    floors, both players invest in safety (β0_free > 0 and β1_free > β0_free), B2 and B3 hold in
    every one; every draw where one of them fails has such a corner."""
    interior = 0
    for seed in (31, 32):
        for case in _ensemble(seed, 0.5):
            ref = solve(**case)
            inner = ref.beta0 > 1e-9 and ref.beta1 > ref.beta0 + 1e-9
            ok = _backfires(case, 0.5) and _mutualism(case)
            interior += inner
            assert ok or not inner, case
    assert interior >= N_DRAWS  # the condition is not vacuous
