"""`moatlab --help` stays light: the CLI imports neither numpy nor the models until a command runs."""

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def test_importing_the_cli_loads_no_numpy_xarray_or_pandas():
    code = ("import sys, moatlab.cli.main; "
            "print(sorted(m for m in ('numpy', 'xarray', 'pandas', 'scipy', 'numba', 'matplotlib') "
            "if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_the_lazy_numpy_behaves_like_numpy():
    import numpy

    from moatlab._lazy import numpy as lazy

    assert lazy.ndarray is numpy.ndarray and lazy.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]


def test_the_lazy_numpy_survives_copy_and_pickle():
    import copy
    import pickle

    from moatlab._lazy import numpy as lazy

    for twin in (copy.copy(lazy), copy.deepcopy(lazy), pickle.loads(pickle.dumps(lazy))):
        assert twin.pi == lazy.pi
