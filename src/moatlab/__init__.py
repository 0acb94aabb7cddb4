"""moatlab: the economics of AI openness — regulation games, race incentives, market structure
and measures of real models' openness."""

from ._validate import ParameterError
from .forms import Form1, Form2, GameForms
from .game import Equilibrium, GameParams, OpennessGame, solve

__version__ = "0.1.0"
__all__ = ["Equilibrium", "Form1", "Form2", "GameForms", "GameParams", "OpennessGame",
           "ParameterError", "solve", "__version__"]
