"""The openness-regulation game (seed 001): generalist, specialist, regulator.

Parameters (:class:`GameParams`), functional forms (:class:`moatlab.forms.GameForms`) and the
solver kernels (closed form, numerical) are separate, so later games of the same family
(several specialists, bargaining over δ, safety floors) reuse them.
"""

from .game import OpennessGame
from .kernel import Regimes, select_best
from .numerical import SolverError
from .params import PARAMETERS, PENALTY_FORMS, GameParams
from .solver import (
    ACTIONS,
    OUTPUTS,
    REFERENCES,
    Equilibrium,
    action_names,
    equilibrium_arrays,
    grid_params,
    numerical_backend,
    reference_arrays,
    solve,
    to_dataset,
)

__all__ = [
    "ACTIONS", "OUTPUTS", "PARAMETERS", "PENALTY_FORMS", "REFERENCES", "Equilibrium",
    "GameParams", "OpennessGame", "Regimes", "SolverError", "action_names", "equilibrium_arrays",
    "grid_params", "numerical_backend", "reference_arrays", "select_best", "solve", "to_dataset",
]
