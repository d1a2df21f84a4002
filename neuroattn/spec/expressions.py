"""Mathematical expressions written by users (``u**2/(1+u**2)``, ``(-u + a*r + rec + I)/tau``) as sympy.

The text is read with `ast.parse` and translated node by node into sympy objects: only numbers, the
names the caller allows, ``+ - * / **`` and the functions Brian2 shares with numpy
(`EXPRESSION_FUNCTIONS`). Nothing is passed to ``eval`` or ``exec``; sympy then differentiates the
expression (Jacobians for `analysis`) and turns it into a numpy function.
"""
from __future__ import annotations

import ast
import functools
from typing import Sequence

#: Functions an expression may call (Brian2 knows each of them under the same name).
EXPRESSION_FUNCTIONS = ("exp", "log", "log10", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh",
                        "arcsin", "arccos", "arctan", "abs", "sign", "floor", "ceil", "clip")
_CONSTANTS = ("pi", "e", "inf")
#: Largest constant exponent accepted (``u**2`` yes, ``9**9**9`` no: sympy would compute it).
MAX_EXPONENT = 100
#: Longest expression text accepted.
MAX_LENGTH = 2000


@functools.lru_cache(maxsize=1)
def _sympy_names():
    import sympy

    functions = {name: getattr(sympy, name) for name in ("exp", "log", "sqrt", "sin", "cos", "tan", "sinh",
                                                        "cosh", "tanh", "sign", "floor")}
    functions.update(abs=sympy.Abs, ceil=sympy.ceiling, arcsin=sympy.asin, arccos=sympy.acos,
                     arctan=sympy.atan, log10=lambda x: sympy.log(x, 10),
                     clip=lambda x, lo, hi: sympy.Min(sympy.Max(x, lo), hi))
    return functions, {"pi": sympy.pi, "e": sympy.E, "inf": sympy.oo}


def symbol(name: str):
    """The sympy symbol neuroattn uses for a variable or constant called `name` (real-valued)."""
    import sympy

    return sympy.Symbol(name, real=True)


def to_sympy(text: str, names: Sequence[str]):
    """`text` as a sympy expression; `names` are the variables it may use.

    Raises
    ------
    ValueError
        The text is not an expression, or uses something not allowed (the message says what).
    """
    if len(str(text)) > MAX_LENGTH:
        raise ValueError(f"is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(str(text).strip(), mode="eval")
    except SyntaxError:
        raise ValueError(f"is not a valid expression in {', '.join(names)}") from None
    functions, constants = _sympy_names()
    allowed = set(names)
    import sympy

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return sympy.Float(node.value) if isinstance(node.value, float) else sympy.Integer(node.value)
        if isinstance(node, ast.Name):
            if node.id in allowed:
                return symbol(node.id)
            if node.id in constants:
                return constants[node.id]
            raise ValueError(f"uses an unknown name {node.id!r} (known: {', '.join(sorted(allowed))})")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
            a, b = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Pow) and b.is_number and abs(float(b)) > MAX_EXPONENT:
                raise ValueError(f"has an exponent above {MAX_EXPONENT} (got {float(b):.3g})")
            op = type(node.op)
            return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}[op] if op in (ast.Add, ast.Sub, ast.Mult) \
                else (a / b if op is ast.Div else a ** b)
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in functions) or node.keywords:
                raise ValueError(f"calls an unknown function (known: {', '.join(EXPRESSION_FUNCTIONS)})")
            return functions[node.func.id](*[walk(a) for a in node.args])
        raise ValueError(f"may only use numbers, {', '.join(sorted(allowed))}, + - * / ** and functions "
                         f"({', '.join(EXPRESSION_FUNCTIONS)})")

    try:
        expr = walk(tree)
    except (TypeError, ZeroDivisionError, OverflowError) as err:
        raise ValueError(f"cannot be evaluated ({err})") from None
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) and "inf" not in text:
        raise ValueError("is not finite (a division by zero?)")
    return expr


def numpy_function(expr, names: Sequence[str]):
    """A numpy function of `names` (positional) computing the sympy expression `expr`."""
    import sympy

    return sympy.lambdify([symbol(n) for n in names], expr, "numpy")


__all__ = ["EXPRESSION_FUNCTIONS", "to_sympy", "numpy_function", "symbol"]
