"""A thin convenience class over the game's functions (parameters and forms held together)."""

from __future__ import annotations

from typing import Any

import xarray as xr

from ..forms import GameForms
from .params import GameParams
from .solver import Equilibrium, solve


class OpennessGame:
    """The openness game with fixed forms and default parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from moatlab import OpennessGame
    >>> g = OpennessGame(alpha0=0.05)
    >>> g.solve(theta=0.6, penalty=0.05).action
    'comply'
    >>> g.landscape(theta=np.linspace(0, 1, 5), penalty=np.linspace(0, 0.2, 3)).sizes["theta"]
    5
    """

    def __init__(self, forms: GameForms | None = None, method: str = "auto", **params: Any):
        self.forms = forms or GameForms()
        self.method = method
        GameParams(**params)  # validate now
        self.params = dict(params)

    def solve(self, **overrides: Any) -> Equilibrium | xr.Dataset:
        return solve(forms=self.forms, method=self.method, **{**self.params, **overrides})

    def landscape(self, theta: Any = None, penalty: Any = None, **overrides: Any) -> xr.Dataset:
        from .landscape import landscape

        return landscape(theta=theta, penalty=penalty, forms=self.forms, method=self.method,
                         **{**self.params, **overrides})

    def __repr__(self) -> str:
        forms = ", ".join(self.forms.replaced) or "default"
        return f"OpennessGame(forms={forms}, {self.params})"
