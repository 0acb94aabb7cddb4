"""The demo summary, the policy brief and the API quote the same numbers (one function each)."""

from __future__ import annotations

import numpy as np
import pytest

from moatlab import solve
from moatlab.demo import DEMO_C_G, HIGH_ALPHA0, LOW_ALPHA0, _summary
from moatlab.game.landscape import landscape
from moatlab.game.quantities import CLOSED_TOL, alpha0_closed, region_shares


@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_alpha0_cutoff_is_exact_and_separates_open_from_closed(eps):
    a = alpha0_closed(eps)
    assert solve(alpha0=a, epsilon=eps).omega_free <= CLOSED_TOL
    assert solve(alpha0=a * (1 - 1e-6), epsilon=eps).omega_free > CLOSED_TOL
    # still closed anywhere above the cut-off (P1: ω_free falls with α0)
    above = solve(alpha0=a * np.geomspace(1, 50, 40), epsilon=eps)["omega_free"].values
    assert (above <= CLOSED_TOL).all()


def test_region_shares_sum_to_one_and_match_the_hatched_area():
    ds = landscape(np.linspace(0, 1, 41), np.linspace(0, 0.5, 41), alpha0=0.05, c_g=DEMO_C_G)
    sh = region_shares(ds)
    assert sum(v for k, v in sh.items() if k != "share_pareto_no_exemption") == pytest.approx(1.0)
    assert sh["share_pareto_no_exemption"] == pytest.approx(float(ds["pareto_strict_no_exemption"].mean()))


def test_demo_summary_quotes_the_functions_numbers():
    small = {tag: landscape(np.linspace(0, 1, 31), np.linspace(0, 0.5, 31), alpha0=a0, c_g=DEMO_C_G)
             for tag, a0 in (("low", LOW_ALPHA0), ("high", HIGH_ALPHA0))}
    from moatlab.game.landscape import compliance_penalty

    res = dict(small, free=solve(alpha0=np.geomspace(0.01, 5, 60), epsilon=[0.0, 0.1]),
               pen=compliance_penalty(np.geomspace(0.01, 5, 30), 0.6))
    text = _summary(res)
    for eps in (0.0, 0.1):
        assert f"ε = {eps:g}:" in text
        assert f"G stays fully closed for α0 ≥ {alpha0_closed(eps):.4f}." in text
    for tag in ("low", "high"):
        pareto = 100 * region_shares(small[tag])["share_pareto_no_exemption"]
        assert f"{pareto:.1f}% of the map (hatched)" in text


def test_brief_quotes_the_same_cutoff_and_shares():
    from dataclasses import replace

    from moatlab.report import build_brief, load_report_scenario, render_html

    sc = load_report_scenario("eu_threshold")
    b = build_brief(replace(sc, market=None))
    game = {k: v for k, v in sc.game.items() if k not in ("alpha0", "epsilon")}
    assert b.numbers["alpha0_closed"] == pytest.approx(alpha0_closed(0.0, **game), rel=1e-9)
    html = render_html(b)
    assert f">{alpha0_closed(0.0, **game):.4f}</span> on" in html
    ds = landscape(np.linspace(0, 1, 201), np.linspace(0, sc.pmax, 201), **sc.game)
    for k, v in region_shares(ds).items():
        assert b.numbers[k] == pytest.approx(v, abs=1e-12)
    assert f"{region_shares(ds)['share_pareto_no_exemption']:.1%}" in html
