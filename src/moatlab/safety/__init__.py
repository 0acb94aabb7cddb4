r"""The safety-floor game of Laufer, Kleinberg and Heidari, "The Backfiring Effect of Weak AI
Safety Regulation" (arXiv 2503.20848, 2025).

.. math::

    \gamma = (\alpha, \beta) \quad \text{(performance, safety)}

    \text{G: } \gamma_0 \ge 0,\ \beta_0 \ge \theta_G \text{ or abstain}; \qquad
    \text{D: } \gamma_1 \ge \gamma_0,\ \beta_1 \ge \theta_D \text{ or abstain}

    U_G = \delta\, r^\top\gamma_1 - \gamma_0^\top C_0 \gamma_0, \qquad
    U_D = (1 - \delta)\, r^\top\gamma_1 - (\gamma_1 - \gamma_0)^\top C_1 (\gamma_1 - \gamma_0)

with :math:`C_i = \begin{pmatrix} c_{\alpha\alpha} & c_{\alpha\beta} \\ c_{\alpha\beta} &
c_{\beta\beta}\end{pmatrix}`, :math:`c_{\alpha\alpha}, c_{\beta\beta} > 0` and
:math:`|c_{\alpha\beta}| < \sqrt{c_{\alpha\alpha} c_{\beta\beta}}` (convex costs; a negative cross
term: the attributes complement each other, a positive one: they interfere), :math:`r \ge 0`,
:math:`\delta \in [0, 1]` fixed or bargained before G invests (:mod:`moatlab.game.bargaining`).
When D abstains both get no revenue (G keeps its cost); when G abstains both get 0.
Solution: subgame-perfect equilibrium. D participates when indifferent (U_D = 0); G prefers the
safer product (larger β1) among equally good releases, and releasing over abstaining.

Method (:mod:`moatlab.safety.kernel`): D's problem is a concave QP with bounds, solved in closed
form (its KKT cases); G's problem is piecewise quadratic in γ0, maximised by enumerating its
KKT candidates in closed form (the pieces' stationary points, G's floor, the boundaries between
D's cases, D's participation conic U_D(γ0) = 0 through the roots of a cubic) for all games at
once with numpy.

* :func:`solve` — one game → :class:`SafetyResult`
* :func:`solve_arrays` — arrays that broadcast → dict of arrays
* :func:`grid` — outer product of 1-D parameter arrays → ``xarray.Dataset``
"""

from .game import DEFAULTS, NAMES, OUTPUTS, SafetyResult, grid, solve, solve_arrays
from .kernel import STRATEGIES

__all__ = ["DEFAULTS", "NAMES", "OUTPUTS", "STRATEGIES", "SafetyResult", "grid", "solve",
           "solve_arrays"]
