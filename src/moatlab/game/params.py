"""Parameters of the openness game: names, defaults, allowed ranges, units and meaning.

One table (:data:`PARAMETERS`) drives validation, the CLI options, the attrs of result
datasets and the docs, so the four never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from .._lazy import numpy as np
from .._validate import ParameterError, check_choice, check_range

PENALTY_FORMS = ("lump_sum", "turnover", "shortfall")


@dataclass(frozen=True)
class ParamSpec:
    name: str
    symbol: str
    default: float
    lo: float
    hi: float
    lo_open: bool
    hi_open: bool
    units: str
    description: str

    @property
    def allowed(self) -> str:
        lb = "(" if self.lo_open else "["
        rb = ")" if self.hi_open else "]"
        fmt = lambda x: ("inf" if x > 0 else "-inf") if math.isinf(x) else f"{x:g}"  # noqa: E731
        return f"{lb}{fmt(self.lo)}, {fmt(self.hi)}{rb}"


_INF = math.inf
PARAMETERS: dict[str, ParamSpec] = {
    p.name: p
    for p in [
        ParamSpec("alpha0", "α0", 0.2, 0, _INF, True, True, "performance units",
                  "baseline performance of G's pre-trained model"),
        ParamSpec("theta", "θ", 0.0, 0, 1, False, False, "openness (0 = API only, 1 = fully open)",
                  "openness a model needs to count as open source"),
        ParamSpec("penalty", "p", 0.0, 0, _INF, False, True,
                  "revenue units (lump_sum), share of G's revenue (turnover), per unit of shortfall",
                  "regulatory cost of not qualifying"),
        ParamSpec("delta0", "δ0", 0.7, 0, 1, True, False, "share of revenue",
                  "G's revenue share of a fully closed model"),
        ParamSpec("c_d", "c_D", 1.0, 0, _INF, True, True, "revenue units per performance²",
                  "scale of D's fine-tuning cost"),
        ParamSpec("lam", "λ", 0.6, 0, 1, False, True, "dimensionless",
                  "how much openness cuts D's fine-tuning cost"),
        ParamSpec("epsilon", "ε", 0.0, 0, _INF, False, True, "revenue units",
                  "G's reputational benefit of full openness"),
        ParamSpec("kappa0", "κ0", 0.0, 0, _INF, False, True, "revenue units",
                  "G's serving cost of a fully closed model"),
        ParamSpec("c_g", "c_G", 0.0, 0, _INF, False, True, "revenue units per performance²",
                  "scale of G's production cost"),
        ParamSpec("f_d", "F_D", 0.0, 0, _INF, False, True, "revenue units",
                  "D's fixed entry cost"),
    ]
}
NUMERIC = tuple(PARAMETERS)


@dataclass(frozen=True)
class GameParams:
    """Parameters of the openness game; every numeric field may be a numpy array.

    Validation happens on construction: a bad value raises :class:`ParameterError`
    naming the parameter, the value and the allowed range. Fields broadcast together.
    """

    alpha0: Any = PARAMETERS["alpha0"].default
    theta: Any = PARAMETERS["theta"].default
    penalty: Any = PARAMETERS["penalty"].default
    delta0: Any = PARAMETERS["delta0"].default
    c_d: Any = PARAMETERS["c_d"].default
    lam: Any = PARAMETERS["lam"].default
    epsilon: Any = PARAMETERS["epsilon"].default
    kappa0: Any = PARAMETERS["kappa0"].default
    c_g: Any = PARAMETERS["c_g"].default
    f_d: Any = PARAMETERS["f_d"].default
    penalty_form: str = "lump_sum"

    def __post_init__(self) -> None:
        check_choice("penalty_form", self.penalty_form, PENALTY_FORMS)
        for name in NUMERIC:
            s = PARAMETERS[name]
            arr = check_range(name, getattr(self, name), s.lo, s.hi,
                              lo_open=s.lo_open, hi_open=s.hi_open)
            object.__setattr__(self, name, arr if arr.ndim else float(arr))
        if self.penalty_form == "turnover":
            check_range("penalty", self.penalty, 0, 1)
        try:
            np.broadcast_shapes(*(np.shape(getattr(self, n)) for n in NUMERIC))
        except ValueError:
            shapes = {n: np.shape(getattr(self, n)) for n in NUMERIC if np.ndim(getattr(self, n))}
            raise ParameterError("parameter shapes", shapes, "broadcastable together") from None

    @property
    def shape(self) -> tuple[int, ...]:
        return np.broadcast_shapes(*(np.shape(getattr(self, n)) for n in NUMERIC))

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            v = getattr(self, f.name)
            parts.append(f"{f.name}=array(shape={np.shape(v)})" if np.ndim(v) else f"{f.name}={v!r}")
        return f"GameParams({', '.join(parts)})"

    def replace(self, **changes: Any) -> GameParams:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return GameParams(**values)

    def flat(self) -> dict[str, np.ndarray]:
        """All numeric parameters broadcast to a common shape and flattened (1-D copies)."""
        shape = self.shape
        return {n: np.broadcast_to(np.asarray(getattr(self, n), float), shape).ravel().copy()
                for n in NUMERIC}


def _attributes_doc() -> str:
    lines = ["", "    Attributes", "    ----------"]
    for spec in PARAMETERS.values():
        lines.append(f"    {spec.name} : float or array, default {spec.default:g}")
        lines.append(f"        {spec.symbol}: {spec.description}; allowed {spec.allowed}; {spec.units}.")
    lines.append("    penalty_form : {'lump_sum', 'turnover', 'shortfall'}, default 'lump_sum'")
    lines.append("        How the penalty p is charged to a model below the threshold.")
    return "\n".join(lines) + "\n"


GameParams.__doc__ = (GameParams.__doc__ or "").rstrip() + "\n" + _attributes_doc()
