"""The compiled (numba) closed form agrees with the numpy closed form everywhere."""

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from moatlab.forms import GameForms
from moatlab.game import _fast
from moatlab.game.solver import _solve_chunk

if not _fast._HAVE:
    if os.environ.get("CI", "").lower() == "true":
        raise RuntimeError("numba is part of the [test] extra; CI must have it installed")
    pytest.skip("numba not installed (outside CI)", allow_module_level=True)

KEYS = ("omega", "omega_free", "alpha1", "U_G", "U_D", "surplus", "penalty_paid")


def points(rng, n):
    p = dict(
        alpha0=rng.uniform(0.001, 5, n),
        theta=rng.uniform(0, 1, n),
        penalty=rng.uniform(0, 0.6, n),
        delta0=rng.uniform(0.0, 1, n),
        c_d=rng.uniform(0.05, 10, n),
        lam=rng.uniform(0, 0.99, n),
        epsilon=rng.uniform(0, 0.5, n),
        kappa0=rng.uniform(0, 0.3, n),
        c_g=rng.uniform(0, 1, n),
        f_d=rng.uniform(0, 0.5, n),
    )
    # corners: no fee, no penalty, thresholds at the ends, no sharing, free openness
    k = n // 8
    p["f_d"][:k] = 0.0
    p["penalty"][k : 2 * k] = 0.0
    p["theta"][2 * k : 3 * k] = rng.choice([0.0, 1.0], k)
    p["delta0"][3 * k : 4 * k] = 0.0
    p["lam"][4 * k : 5 * k] = 0.0
    return p


@pytest.mark.parametrize("form", ["lump_sum", "turnover", "shortfall"])
def test_fast_equals_numpy(form):
    p = points(np.random.default_rng(11), 40_000)
    if form == "turnover":
        p["penalty"] = np.minimum(p["penalty"], 1.0)
    a = _fast.solve_fast(p, form)
    b = _solve_chunk(p, form, GameForms(), "closed_form")
    np.testing.assert_array_equal(a["action"], b["action"])
    np.testing.assert_array_equal(a["participates"], b["participates"])
    for k in KEYS:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=k)


@given(
    st.tuples(
        st.floats(0.001, 5),
        st.floats(0, 1),
        st.floats(0, 0.6),
        st.floats(0, 1),
        st.floats(0.05, 10),
        st.floats(0, 0.99),
        st.floats(0, 0.5),
        st.floats(0, 0.3),
        st.floats(0, 1),
        st.floats(0, 0.5),
    ),
    st.sampled_from(["lump_sum", "turnover", "shortfall"]),
)
def test_fast_equals_numpy_at_random_points(vals, form):
    names = ("alpha0", "theta", "penalty", "delta0", "c_d", "lam", "epsilon", "kappa0", "c_g", "f_d")
    p = {k: np.array([v]) for k, v in zip(names, vals, strict=True)}
    a = _fast.solve_fast(p, form)
    b = _solve_chunk(p, form, GameForms(), "closed_form")
    assert a["action"][0] == b["action"][0]
    for k in KEYS:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=k)
