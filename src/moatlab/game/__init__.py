"""The openness-regulation game of Qiu et al. (2025): generalist, specialist, regulator.

Parameters (:class:`GameParams`), functional forms (:class:`moatlab.forms.GameForms`) and the
solver kernels (closed form, numerical) are separate, so later games of the same family
(several specialists, bargaining over δ, safety floors) reuse them. The family's stages:
:mod:`.bargaining` (the bargaining stage every game shares), :mod:`.openness_bargaining` (stage 1
of the openness game: ``solve(..., bargaining="nash")``) and :mod:`.finetune` (the fine-tuning
games of Laufer, Kleinberg and Heidari, 2024, with several specialists).
"""

from .params import PARAMETERS, PENALTY_FORMS, GameParams

# The solver (xarray, numba) loads on first use of these names: ``moatlab --help`` and the
# parameter table stay fast.
_LAZY = {"OpennessGame": "game", "Regimes": "kernel", "select_best": "kernel",
         "SolverError": "numerical", "ACTIONS": "solver", "OUTPUTS": "solver",
         "REFERENCES": "solver", "Equilibrium": "solver", "action_names": "solver",
         "equilibrium_arrays": "solver", "grid_params": "solver", "numerical_backend": "solver",
         "reference_arrays": "solver", "solve": "solver", "to_dataset": "solver",
         "QualitySchedule": "openness_bargaining",
         "SOLUTIONS": "bargaining", "Bargain": "bargaining", "bargain": "bargaining",
         "solve_finetune": "finetune", "Specialist": "finetune", "load_specialists": "finetune",
         "FinetuneForms": "finetune", "FinetuneEquilibrium": "finetune"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ACTIONS", "Bargain", "Equilibrium", "FinetuneEquilibrium", "FinetuneForms", "GameParams",
    "OUTPUTS", "OpennessGame", "PARAMETERS", "PENALTY_FORMS", "QualitySchedule", "REFERENCES",
    "Regimes", "SOLUTIONS",
    "SolverError", "Specialist", "action_names", "bargain", "equilibrium_arrays", "grid_params",
    "load_specialists", "numerical_backend", "reference_arrays", "select_best", "solve",
    "solve_finetune", "to_dataset",
]
