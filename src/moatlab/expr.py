"""Arithmetic expressions typed by a user, compiled to vectorised numpy functions without ``eval``.

A user form on the command line (today: the openness game's share schedule,
``moatlab solve --schedule``) is a formula in named variables, e.g. ``s*(1-omega) + 0.1*alpha1**2``.
:func:`compile_expression` parses it with :mod:`ast` and accepts only a small whitelist:

* numbers, the variables it is given, and the constants ``pi`` and ``e``;
* ``+ - * / **`` and unary ``+ -``, with parentheses;
* the functions ``exp, log, log1p, sqrt, abs, tanh`` (one argument) and ``min, max``
  (two arguments, elementwise).

Anything else (attribute access, subscripts, comparisons, keywords, other names or calls, strings)
is refused with a :class:`~moatlab.errors.ParameterError` naming the option, the expression and
what is allowed. Nothing is evaluated while parsing, and the compiled function only ever calls the
numpy ufuncs above, so no Python code of the user's runs. Numbers become float64, so ``9**9**9``
overflows to inf like any float instead of building a huge integer. The function evaluates under
``numpy.errstate(all="ignore")``: a division by zero gives inf or nan, not a warning.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

import numpy as np

from .errors import ParameterError

__all__ = ["FUNCTIONS", "MAX_LENGTH", "Expression", "compile_expression"]

#: Longest expression accepted (characters); also bounds the depth of the parsed tree.
MAX_LENGTH = 500

FUNCTIONS: dict[str, tuple[int, Callable[..., np.ndarray]]] = {
    "exp": (1, np.exp), "log": (1, np.log), "log1p": (1, np.log1p), "sqrt": (1, np.sqrt),
    "abs": (1, np.abs), "tanh": (1, np.tanh), "min": (2, np.minimum), "max": (2, np.maximum),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
# Python's operators on float64 arrays and scalars: the same arithmetic as a lambda written by hand
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class Expression:
    """A compiled expression: call it with one array (or float) per variable, by keyword.

    Attributes
    ----------
    text : str
        The expression as given, stripped of surrounding blanks.
    variables : tuple of str
        The variables it may use, in order.
    used : frozenset of str
        The variables it does use.
    """

    def __init__(self, text: str, variables: tuple[str, ...], tree: ast.expr):
        self.text = text
        self.variables = variables
        self._tree = tree
        self.used = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in variables)

    def __call__(self, **values: np.ndarray | float) -> np.ndarray:
        values = {k: np.asarray(v, dtype=float) for k, v in values.items()}
        with np.errstate(all="ignore"):
            return np.asarray(self._eval(self._tree, values), dtype=float)

    def _eval(self, node: ast.expr, values: dict) -> np.ndarray | np.float64:
        if isinstance(node, ast.Constant):
            return np.float64(node.value)
        if isinstance(node, ast.Name):
            return values[node.id] if node.id in self.variables else np.float64(CONSTANTS[node.id])
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._eval(node.left, values), self._eval(node.right, values))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._eval(node.operand, values))
        fn = FUNCTIONS[node.func.id][1]  # an ast.Call, checked by _check
        return fn(*(self._eval(a, values) for a in node.args))

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def allowed(variables: tuple[str, ...]) -> str:
    """What an expression may contain, for error lines and help texts."""
    ones = ", ".join(k for k, (n, _) in FUNCTIONS.items() if n == 1)
    twos = ", ".join(f"{k}(a, b)" for k, (n, _) in FUNCTIONS.items() if n == 2)
    return f"an expression in {', '.join(variables)} of numbers, pi, e, + - * / **, ( ), {ones}, {twos}"


def compile_expression(option: str, text: str, variables: tuple[str, ...], *, also: str = "") -> Expression:
    """Parse ``text`` into an :class:`Expression` in ``variables``, refusing anything else.

    Parameters
    ----------
    option : str
        The option or parameter the text came from (named in the error line).
    text : str
        The expression, e.g. ``"s*(1-omega) + 0.1*alpha1"``.
    variables : tuple of str
        The variable names it may use.
    also : str, optional
        What else the option accepts (e.g. ``"scale, constant or "``), put before the whitelist in
        the error line.

    Returns
    -------
    Expression
        A vectorised function of the variables (numpy broadcasting).

    Raises
    ------
    ParameterError
        On a syntax error or anything outside the whitelist; the line says which part.

    Examples
    --------
    >>> f = compile_expression("--schedule", "s*(1 - omega) + 0.1*alpha1", ("omega", "alpha1", "s"))
    >>> float(f(omega=0.5, alpha1=2.0, s=0.6))
    0.5
    >>> sorted(f.used)
    ['alpha1', 'omega', 's']
    """
    what = also + allowed(variables)
    src = str(text).strip()
    if not src:
        raise ParameterError(option, text, f"{what} (it is empty)")
    if len(src) > MAX_LENGTH:
        raise ParameterError(option, text, f"{what} (it is longer than {MAX_LENGTH} characters)")
    try:
        tree = ast.parse(src, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ParameterError(option, text, f"{what} (it is not valid syntax)") from None
    problem = _check(tree, variables)
    if problem:
        raise ParameterError(option, text, f"{what} ({problem})")
    return Expression(src, tuple(variables), tree)


def _check(node: ast.AST, variables: tuple[str, ...]) -> str:
    """The first part of the tree outside the whitelist, described; '' when all is allowed."""
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int | float):
            return f"{v!r} is not a number"
        try:
            float(v)
        except OverflowError:
            return f"the number {str(v)[:20]}… is too large (the largest is about 1.8e308)"
        return ""
    if isinstance(node, ast.Name):
        if node.id in variables or node.id in CONSTANTS:
            return ""
        return f"unknown name {node.id!r}"
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            return f"{_snippet(node)} is not allowed"
        return _check(node.left, variables) or _check(node.right, variables)
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            return f"{_snippet(node)} is not allowed"
        return _check(node.operand, variables)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            return f"unknown function {name!r}"
        if node.keywords or len(node.args) != FUNCTIONS[node.func.id][0] or any(
                isinstance(a, ast.Starred) for a in node.args):
            n = FUNCTIONS[node.func.id][0]
            return f"{node.func.id} takes {n} argument{'s' if n > 1 else ''}"
        for a in node.args:
            p = _check(a, variables)
            if p:
                return p
        return ""
    return f"{_snippet(node)} is not allowed"


def _snippet(node: ast.AST) -> str:
    text = ast.unparse(node)
    return repr(text if len(text) <= 40 else text[:39] + "…")
