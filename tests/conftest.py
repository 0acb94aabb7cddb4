import os

import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

# CI draws the same examples on every run (derandomize): a property that fails there fails every time,
# never by the luck of one run; local runs ("dev") draw fresh examples and keep exploring
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)


@pytest.fixture(scope="module")
def profs():
    """Every profile of the packaged openness snapshot (the measures tests)."""
    from .measures_helpers import packaged_profiles

    return packaged_profiles()


@pytest.fixture(scope="module")
def ids(profs):
    """The identities of the packaged profiles (the measures tests)."""
    from moatlab.measures import identities

    return identities(profs)
