"""Sweeps at scale: parameter spaces, chunked runs (in-process or Dask), sensitivity, policy search.

>>> from moatlab.sweep import ParameterSpace, SweepSpec, Uniform, Normal, run_sweep
>>> space = ParameterSpace([Uniform("alpha0", 0.05, 0.5), Normal("lam", 0.6, 0.1, low=0, high=0.99)],
...                        outcomes=["openness", "defies"])
>>> ds = run_sweep(SweepSpec("game", space, design="sobol", samples=256, seed=1))
>>> sorted(ds.data_vars)
['alpha0', 'defies', 'lam', 'openness']
"""

from .discovery import PrimResult, discover
from .models import FunctionModel, GameModel, MarketModel, make_model
from .policy import PolicyResult, pareto_mask, policy_search
from .runner import SweepError, compute_chunk, open_sweep, run_sweep, sweep_status
from .sensitivity import SensitivityResult, sensitivity
from .space import (
    Beta,
    Empirical,
    Fixed,
    Grid,
    LogNormal,
    Normal,
    Parameter,
    ParameterSpace,
    SpecError,
    Uniform,
    parse_parameter,
)
from .spec import DESIGNS, SweepSpec, load_spec, read_toml, spec_from_dict

__all__ = [
    "Beta",
    "DESIGNS",
    "Empirical",
    "Fixed",
    "FunctionModel",
    "GameModel",
    "Grid",
    "LogNormal",
    "MarketModel",
    "Normal",
    "Parameter",
    "ParameterSpace",
    "PolicyResult",
    "PrimResult",
    "SensitivityResult",
    "SpecError",
    "SweepError",
    "SweepSpec",
    "Uniform",
    "compute_chunk",
    "discover",
    "load_spec",
    "make_model",
    "open_sweep",
    "pareto_mask",
    "parse_parameter",
    "policy_search",
    "read_toml",
    "run_sweep",
    "sensitivity",
    "spec_from_dict",
    "sweep_status",
]
