"""Root conftest: the shared data path for doctests in src/ and docs/.

The data lies in ../shared/data beside the repository; it is read from there, never copied.
Under CI (CI=true) its absence is an error, not a skip.
"""

import os
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "shared" / "data"


def require_data() -> Path:
    if DATA.is_dir():
        return DATA
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"the shared data is missing at {DATA}: CI must have ../shared beside the repository")
    pytest.skip(f"shared data not found at {DATA} (outside CI)")


@pytest.fixture(autouse=True)
def _doctest_data(request, doctest_namespace):
    doctest_namespace["DATA"] = DATA
    node = request.node
    if isinstance(node, pytest.DoctestItem) and any("DATA" in ex.source for ex in node.dtest.examples):
        require_data()
