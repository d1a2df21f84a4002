"""Transfer functions f(u): sigmoid, ReLU, linear, or an expression in ``u``.

Each class knows its own mathematics in numpy (`value`, `derivative`), which the analysis layer uses.
The engine writes the same function as a Brian2 expression (``neuroattn/engine/transfer.py``).

YAML accepts ``{kind: sigmoid, gain: 4, threshold: 0.5}``, a bare kind (``relu``), or any other string,
which is read as an expression in ``u`` (``tanh(u)``, ``u**2/(1+u**2)``).
"""
from __future__ import annotations

import ast
import functools
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BeforeValidator, Field, field_validator

from neuroattn.spec.base import SpecModel

#: Functions an expression may call (Brian2 knows each of them under the same name).
EXPRESSION_FUNCTIONS = ("exp", "log", "log10", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh",
                        "arcsin", "arccos", "arctan", "abs", "sign", "floor", "ceil", "clip")
_EXPRESSION_NAMES = ("u", "pi", "e", "inf")
_AST_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Load, ast.Constant,
              ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


class Sigmoid(SpecModel):
    """Logistic sigmoid ``f(u) = 1 / (1 + exp(-gain*(u - threshold)))``, with ``f' <= gain/4``."""

    kind: Literal["sigmoid"] = "sigmoid"
    gain: float = Field(1.0, gt=0)
    threshold: float = 0.0

    def value(self, u):
        return 1.0 / (1.0 + np.exp(-self.gain * (np.asarray(u, float) - self.threshold)))

    def derivative(self, u):
        f = self.value(u)
        return self.gain * f * (1.0 - f)


class ReLU(SpecModel):
    """Rectified linear ``f(u) = max(0, u - threshold)``."""

    kind: Literal["relu"] = "relu"
    threshold: float = 0.0

    def value(self, u):
        return np.maximum(np.asarray(u, float) - self.threshold, 0.0)

    def derivative(self, u):
        return (np.asarray(u, float) > self.threshold).astype(float)


class Linear(SpecModel):
    """Linear ``f(u) = slope * u``."""

    kind: Literal["linear"] = "linear"
    slope: float = 1.0

    def value(self, u):
        return self.slope * np.asarray(u, float)

    def derivative(self, u):
        return np.full_like(np.asarray(u, float), self.slope)


class Expression(SpecModel):
    """Any ``f(u)`` written as an expression in ``u`` with Brian2's functions (`EXPRESSION_FUNCTIONS`).

    Examples
    --------
    >>> Expression(expr="u**2 / (1 + u**2)").value(1.0)
    array(0.5)
    """

    kind: Literal["expression"] = "expression"
    expr: str

    @field_validator("expr")
    @classmethod
    def _parses(cls, expr: str) -> str:
        _sympy_expression(expr)  # raises ValueError with the reason
        return expr

    def value(self, u):
        return np.asarray(_numpy_functions(self.expr)[0](np.asarray(u, float)), float)

    def derivative(self, u):
        u = np.asarray(u, float)
        return np.broadcast_to(np.asarray(_numpy_functions(self.expr)[1](u), float), u.shape).copy()


def _check_ast(expr: str) -> None:
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError:
        raise ValueError("is not a valid expression in u") from None
    for node in ast.walk(tree):
        if not isinstance(node, _AST_NODES):
            raise ValueError(f"may only use numbers, u, + - * / ** and functions "
                             f"({', '.join(EXPRESSION_FUNCTIONS)})")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                               and node.func.id in EXPRESSION_FUNCTIONS):
            raise ValueError(f"calls an unknown function (known: {', '.join(EXPRESSION_FUNCTIONS)})")
        if isinstance(node, ast.Name) and node.id not in EXPRESSION_FUNCTIONS + _EXPRESSION_NAMES:
            raise ValueError(f"uses an unknown name {node.id!r} (the variable is u)")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise ValueError("may only contain numeric constants")
    if not any(isinstance(n, ast.Name) and n.id == "u" for n in ast.walk(tree)):
        raise ValueError("must depend on u")


@functools.lru_cache(maxsize=256)
def _sympy_expression(expr: str):
    _check_ast(expr)
    import sympy

    names = {name: getattr(sympy, name) for name in ("exp", "log", "sqrt", "sin", "cos", "tan", "sinh",
                                                     "cosh", "tanh", "sign", "floor", "pi", "E")}
    names.update(u=sympy.Symbol("u", real=True), e=sympy.E, inf=sympy.oo, abs=sympy.Abs,
                 ceil=sympy.ceiling, arcsin=sympy.asin, arccos=sympy.acos, arctan=sympy.atan,
                 log10=lambda x: sympy.log(x, 10),
                 clip=lambda x, lo, hi: sympy.Min(sympy.Max(x, lo), hi))
    try:
        return eval(compile(ast.parse(expr.strip(), mode="eval"), "<expr>", "eval"),
                    {"__builtins__": {}}, names)
    except (TypeError, ValueError, ZeroDivisionError) as err:
        raise ValueError(f"cannot be evaluated ({err})") from None


@functools.lru_cache(maxsize=256)
def _numpy_functions(expr: str):
    import sympy

    sym = _sympy_expression(expr)
    u = sympy.Symbol("u", real=True)
    return sympy.lambdify(u, sym, "numpy"), sympy.lambdify(u, sympy.diff(sym, u), "numpy")


def _shorthand(value):
    if isinstance(value, str):
        if value in ("sigmoid", "relu", "linear"):
            return {"kind": value}
        return {"kind": "expression", "expr": value}
    return value


#: A transfer function field: a tagged union on ``kind``, with the string shorthands above.
Transfer = Annotated[Union[Sigmoid, ReLU, Linear, Expression], Field(discriminator="kind"),
                     BeforeValidator(_shorthand)]
