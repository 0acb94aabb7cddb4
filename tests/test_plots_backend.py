"""Figures show inline in notebooks: importing moatlab's figures never overrides a chosen backend."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PLOTS = Path(__file__).resolve().parents[1] / "src" / "moatlab" / "plots"
MODULES = sorted(p.stem for p in PLOTS.glob("*.py") if p.stem != "__init__")
CODE = ("import importlib, matplotlib\n"
        f"for m in {MODULES!r}: importlib.import_module('moatlab.plots.' + m)\n"
        "print(matplotlib.get_backend().lower())")


@pytest.mark.parametrize("chosen, expected", [("svg", "svg"), (None, "agg")])
def test_plots_keep_a_chosen_backend_and_default_to_agg(chosen, expected):
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    if chosen:
        env["MPLBACKEND"] = chosen  # what ipykernel does for Jupyter's inline backend
    out = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected
