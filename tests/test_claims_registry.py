"""The claims registry: every claim well-formed, its threshold fixed, unknown names refused."""

import dataclasses
import json

import numpy as np
import pytest

from moatlab.claims import Claim, ClaimError, all_claims, get, register, uniform
from moatlab.claims import registry as reg

EXPECTED = {"P1", "P2", "P3", "P4", "P5", "F2", "F3", "B2", "B3", "B4", "S1", "S2", "S3", "S4",
            "M1", "M2", "M3", "M4", "M5"}


def test_every_finding_is_registered_and_well_formed():
    claims = all_claims()
    assert EXPECTED <= {c.name for c in claims}
    for c in claims:
        assert c.statement and c.source and c.rule and c.margin
        assert c.parameters and len(set(c.parameters)) == len(c.parameters)
        for a in c.space:
            lo, hi = a.parameter.support
            assert np.isfinite([lo, hi]).all() and lo < hi, (c.name, a.name)
            assert lo <= c.defaults[a.name] <= hi, (c.name, a.name)
            assert len(a.reason) > 10, (c.name, a.name)
        assert set(c.defaults) == set(c.parameters)
        assert c.ensemble == 0 or c.ensemble >= 2
        json.dumps(c.describe(), default=float)  # plain data


def test_thresholds_are_fixed_in_the_registry():
    c = get("M1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.threshold = 0.0  # type: ignore[misc]
    # the same thresholds and ensemble as the tests of the findings
    from tests.test_market_claims import CONCENTRATED, SEEDS

    assert get("M1").threshold == CONCENTRATED
    assert get("M3").threshold == CONCENTRATED  # the spec's 2,500, as the test of M3
    assert all(get(n).ensemble == SEEDS for n in ("M1", "M2", "M3", "M4", "M5"))


def test_market_defaults_are_the_packaged_baseline():
    from moatlab.market.scenario import load_scenario

    base = load_scenario("baseline").params
    for n in ("M1", "M2", "M3", "M4", "M5"):
        for k, v in get(n).defaults.items():
            obj = base
            for part in k.split("."):
                obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
            assert obj == pytest.approx(v), (n, k)


def test_unknown_claim_names_the_known_ones():
    with pytest.raises(ClaimError, match=r"claim = 'Q9' is not allowed: must be one of P1, .*M5"):
        get("Q9")


def _toy(name="TOY", **kw):
    def decide(points, seeds, ensemble):
        return points["x"] < 0.5, 0.5 - points["x"]

    base = dict(name=name, model="toy", statement="x is small", source="moatlab's own",
                space=(uniform("x", 0.0, 1.0, "the unit interval, for a test"),), defaults={"x": 0.1},
                decide=decide, rule="x < 0.5", margin="0.5 − x", threshold=0.5)
    base.update(kw)
    return Claim(**base)


def test_ill_formed_claims_are_refused():
    with pytest.raises(ClaimError, match="needs a one-line reason"):
        _toy(space=(reg.Axis(uniform("x", 0, 1, "r").parameter, " "),))
    with pytest.raises(ClaimError, match="outside"):
        _toy(defaults={"x": 2.0})
    with pytest.raises(ClaimError, match="defaults must give"):
        _toy(defaults={"y": 0.1})
    with pytest.raises(ClaimError, match="ensemble"):
        _toy(ensemble=-1)


def test_register_refuses_a_second_claim_of_the_same_name():
    c = register(_toy("TOY_REG"))
    try:
        assert get("TOY_REG") is c
        assert register(c) is c  # the same object again is harmless
        with pytest.raises(ClaimError, match="registered twice"):
            register(_toy("TOY_REG"))
    finally:
        reg._REGISTRY.pop("TOY_REG", None)


@pytest.mark.parametrize("name", ["P1", "P2", "P3", "P4", "P5", "S1", "S2", "S3", "S4"])
def test_deterministic_claims_hold_at_their_defaults(name):
    # the tests of the findings check these at the defaults too; the check's verdicts build on it
    holds, margin = get(name).at_defaults()
    assert holds and np.isfinite(margin)


def test_market_decisions_run_on_the_public_api_with_a_tiny_ensemble():
    for n in ("M1", "M5"):
        c = get(n)
        pts = {k: np.array([v]) for k, v in c.defaults.items()}
        h, m = c.evaluate(pts, [np.random.SeedSequence(1)], ensemble=2)
        h2, m2 = c.evaluate(pts, [np.random.SeedSequence(1)], ensemble=2)
        assert h.shape == m.shape == (1,) and np.isfinite(m).all()
        assert (h == h2).all() and (m == m2).all()  # seeded: the same numbers again


@pytest.mark.parametrize("name", ["F2", "F3", "B2", "B3", "B4"])
def test_the_family_and_safety_claims_hold_at_their_defaults(name):
    """The decision at the defaults agrees with the findings' tests (tests/test_family_findings.py,
    tests/test_safety_findings.py), which hold there."""
    c = get(name)
    holds, margin = c.decide({k: np.array([v]) for k, v in c.defaults.items()},
                             [np.random.SeedSequence(0)], c.ensemble)
    assert holds.tolist() == [True] and margin[0] > c.threshold - 1e-12


def test_b3_fails_where_the_safety_tests_found_it_failing():
    """A draw of tests/test_safety_findings.py where B3 fails (G invests no safety without floors):
    the registry's decision reports it failing too."""
    from tests.test_safety_findings import _ensemble, _mutualism

    c = get("B3")
    for case in _ensemble(3, 0.5):
        if _mutualism(case):
            continue
        pts = {"c0_aa": case["c0"][0], "c0_bb": case["c0"][2], "c1_aa": case["c1"][0],
               "c1_bb": case["c1"][2], "r_a": case["r"][0], "r_b": case["r"][1], "delta": case["delta"],
               "c0_k": case["c0"][1] / np.sqrt(case["c0"][0] * case["c0"][2]),
               "c1_k": case["c1"][1] / np.sqrt(case["c1"][0] * case["c1"][2])}
        holds, _ = c.decide({k: np.array([v]) for k, v in pts.items()}, [np.random.SeedSequence(0)], 0)
        assert holds.tolist() == [False]
        break
    else:
        pytest.fail("no failing draw of B3 in the test ensemble")
