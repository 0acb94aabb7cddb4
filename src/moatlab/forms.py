r"""Functional forms: small named callables with derivatives, shared by the regulation games.

A *form* is a vectorised function of one argument (``Form1``) or of two (``Form2``, the
specialist's fine-tuning cost :math:`\varphi_D(\Delta; \omega)`). A form knows its own
derivatives when they are given; otherwise they are taken by fourth-order central finite
differences (five-point stencils), which are accurate to about 1e-11 relative for smooth
functions of order-one arguments.

The default family of the openness game (see :mod:`moatlab.game`) is

.. math::

    r(\alpha) = \alpha, \quad \delta(\omega) = \delta_0 (1-\omega), \quad
    \varphi_D(\Delta;\omega) = c_D (1-\lambda\omega)\Delta^2, \quad
    b(\omega) = \varepsilon\omega, \quad \kappa(\omega) = \kappa_0(1-\omega), \quad
    \varphi_G(\alpha_0) = c_G\alpha_0^2 .

Any of them can be replaced by a user callable through :class:`GameForms`; the solver then
takes its numerical path. User callables must accept and return numpy arrays (elementwise),
and must be defined a little outside the domain: the five-point finite-difference stencils reach
2e-3 beyond it for a first derivative and 4e-3 for a second (times max(1, |x|)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .errors import ParameterError

#: most ω grid points the numerical path searches (memory grows with points × grid)
OMEGA_GRID_MAX = 10_001

Array = np.ndarray
Fn1 = Callable[[Array], Array]
Fn2 = Callable[[Array, Array], Array]

_H1 = 1e-3  # step of the first-derivative stencil (optimal ~ eps**(1/5))
_H2 = 2e-3  # step of the second-derivative stencil (optimal ~ eps**(1/6))


def _step(x: Array, h: float) -> Array:
    return h * np.maximum(1.0, np.abs(x))


def fd1(f: Fn1, x: Array) -> Array:
    """First derivative of ``f`` at ``x`` by the five-point central stencil."""
    h = _step(x, _H1)
    return (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h)


def fd2(f: Fn1, x: Array) -> Array:
    """Second derivative of ``f`` at ``x`` by the five-point central stencil."""
    h = _step(x, _H2)
    return (
        -f(x + 2 * h) + 16 * f(x + h) - 30 * f(x) + 16 * f(x - h) - f(x - 2 * h)
    ) / (12 * h * h)


@dataclass(frozen=True)
class Form1:
    """A named function of one variable with optional analytic derivatives."""

    func: Fn1
    name: str = "user"
    deriv: Fn1 | None = None
    deriv2: Fn1 | None = None

    def __call__(self, x: Array) -> Array:
        return np.asarray(self.func(x), dtype=float) + 0.0 * x

    def d1(self, x: Array) -> Array:
        if self.deriv is not None:
            return np.asarray(self.deriv(x), dtype=float) + 0.0 * x
        return fd1(self, x)

    def d2(self, x: Array) -> Array:
        if self.deriv2 is not None:
            return np.asarray(self.deriv2(x), dtype=float) + 0.0 * x
        if self.deriv is not None:
            return fd1(self.d1, x)
        return fd2(self, x)


@dataclass(frozen=True)
class Form2:
    r"""A named cost :math:`\varphi(\Delta, \omega)` with optional analytic partial derivatives.

    ``d_delta`` is :math:`\partial_\Delta\varphi`, ``d_delta2`` is :math:`\partial^2_{\Delta}\varphi`
    and ``d_delta_omega`` is :math:`\partial_\Delta\partial_\omega\varphi`.
    """

    func: Fn2
    name: str = "user"
    d_delta: Fn2 | None = None
    d_delta2: Fn2 | None = None
    d_delta_omega: Fn2 | None = None

    def __call__(self, d: Array, w: Array) -> Array:
        return np.asarray(self.func(d, w), dtype=float) + 0.0 * d * w

    def dd(self, d: Array, w: Array) -> Array:
        if self.d_delta is not None:
            return np.asarray(self.d_delta(d, w), dtype=float) + 0.0 * d * w
        return fd1(lambda x: self(x, w), d)

    def ddd(self, d: Array, w: Array) -> Array:
        if self.d_delta2 is not None:
            return np.asarray(self.d_delta2(d, w), dtype=float) + 0.0 * d * w
        if self.d_delta is not None:
            return fd1(lambda x: self.dd(x, w), d)
        return fd2(lambda x: self(x, w), d)

    def ddw(self, d: Array, w: Array) -> Array:
        if self.d_delta_omega is not None:
            return np.asarray(self.d_delta_omega(d, w), dtype=float) + 0.0 * d * w
        return fd1(lambda y: self.dd(d, y), w)


def as_form1(obj: Any, name: str) -> Form1:
    if isinstance(obj, Form1):
        return obj
    if callable(obj):
        return Form1(obj, name=getattr(obj, "__name__", name))
    raise TypeError(f"{name} must be a callable or a Form1, got {type(obj).__name__}")


def as_form2(obj: Any, name: str) -> Form2:
    if isinstance(obj, Form2):
        return obj
    if callable(obj):
        return Form2(obj, name=getattr(obj, "__name__", name))
    raise TypeError(f"{name} must be a callable or a Form2, got {type(obj).__name__}")


# -- the default family, parametrised ------------------------------------------------------


def linear_revenue() -> Form1:
    r""":math:`r(\alpha) = \alpha`."""
    return Form1(lambda a: a, "linear", lambda a: np.ones_like(a), lambda a: np.zeros_like(a))


def linear_share(delta0: Array) -> Form1:
    r""":math:`\delta(\omega) = \delta_0(1-\omega)`."""
    return Form1(
        lambda w: delta0 * (1 - w),
        "linear",
        lambda w: -delta0 + 0 * w,
        lambda w: 0 * w,
    )


def quadratic_finetune_cost(c_d: Array, lam: Array) -> Form2:
    r""":math:`\varphi_D(\Delta;\omega) = c_D(1-\lambda\omega)\Delta^2`."""
    return Form2(
        lambda d, w: c_d * (1 - lam * w) * d * d,
        "quadratic",
        lambda d, w: 2 * c_d * (1 - lam * w) * d,
        lambda d, w: 2 * c_d * (1 - lam * w) + 0 * d,
        lambda d, w: -2 * c_d * lam * d + 0 * w,
    )


def linear_benefit(epsilon: Array) -> Form1:
    r""":math:`b(\omega) = \varepsilon\omega`."""
    return Form1(lambda w: epsilon * w, "linear", lambda w: epsilon + 0 * w, lambda w: 0 * w)


def linear_serving_cost(kappa0: Array) -> Form1:
    r""":math:`\kappa(\omega) = \kappa_0(1-\omega)`."""
    return Form1(lambda w: kappa0 * (1 - w), "linear", lambda w: -kappa0 + 0 * w, lambda w: 0 * w)


def quadratic_production_cost(c_g: Array) -> Form1:
    r""":math:`\varphi_G(\alpha_0) = c_G\alpha_0^2`."""
    return Form1(lambda a: c_g * a * a, "quadratic", lambda a: 2 * c_g * a, lambda a: 2 * c_g + 0 * a)


@dataclass(frozen=True)
class GameForms:
    """User replacements for the game's functional forms; ``None`` keeps the default.

    Parameters
    ----------
    revenue : callable ``r(alpha)``
        Revenue of the final product; increasing.
    share : callable ``delta(omega)``
        G's share of revenue, in [0, 1].
    finetune_cost : callable ``phi_D(delta_alpha, omega)``
        D's fine-tuning cost; convex in ``delta_alpha``. The specialist's problem must be
        concave so that its first-order condition identifies its best response.
    benefit : callable ``b(omega)``
        G's reputational benefit of openness.
    serving_cost : callable ``kappa(omega)``
        G's operation cost.
    production_cost : callable ``phi_G(alpha0)``
        G's production cost.

    omega_grid : int, default 33
        Points of the ω grid on [0, 1] that the numerical path searches before refining
        (odd, ≥ 5). The compiled path uses this grid; the numpy path uses (omega_grid + 1) // 2
        points per region (the same spacing on [0, 1]). A local maximum of G's objective that
        is narrower than about two grid spacings (2/(omega_grid − 1)) or lies within that of a
        better one may be missed; raise it for multi-peaked forms. The closed form ignores it.

    Each may be a plain callable or a :class:`Form1` / :class:`Form2` carrying analytic
    derivatives (faster and more accurate than finite differences).
    """

    revenue: Fn1 | Form1 | None = None
    share: Fn1 | Form1 | None = None
    finetune_cost: Fn2 | Form2 | None = None
    benefit: Fn1 | Form1 | None = None
    serving_cost: Fn1 | Form1 | None = None
    production_cost: Fn1 | Form1 | None = None
    omega_grid: int = 33

    def __post_init__(self) -> None:
        g = self.omega_grid
        if (isinstance(g, bool) or not isinstance(g, int | np.integer) or g < 5 or g % 2 == 0
                or g > OMEGA_GRID_MAX):
            raise ParameterError("omega_grid", g, f"an odd integer in [5, {OMEGA_GRID_MAX}]")

    @property
    def is_default(self) -> bool:
        """True when every form is the default (the closed-form path applies)."""
        return all(getattr(self, f.name) is None for f in fields(self) if f.name != "omega_grid")

    @property
    def replaced(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self)
                     if f.name != "omega_grid" and getattr(self, f.name) is not None)
