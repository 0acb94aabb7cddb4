"""moatlab: the economics of AI openness — regulation games, race incentives, market structure
and measures of real models' openness."""

from ._validate import ParameterError

# The game layer (xarray, numba) loads on first use, so that ``moatlab --help`` starts fast.
_LAZY = {"Form1": "forms", "Form2": "forms", "GameForms": "forms", "Equilibrium": "game",
         "GameParams": "game", "OpennessGame": "game", "solve": "game",
         "landscape": "game.landscape"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = "0.1.0"
__all__ = ["Equilibrium", "Form1", "Form2", "GameForms", "GameParams", "OpennessGame",
           "ParameterError", "landscape", "solve", "__version__"]
