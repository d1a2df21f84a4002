"""Transfer functions f(u): sigmoid, ReLU, linear, or an expression in ``u``.

Each kind is one class registered in `TRANSFERS`: its numpy mathematics (`f`, `df`, used by the
analysis layer and by the engine's per-step rate update) and its Brian2 code (`brian2_code`).

YAML accepts ``{kind: sigmoid, gain: 4, threshold: 0.5}``, a bare kind (``relu``), or any other string,
which is read as an expression in ``u`` (``tanh(u)``, ``u**2/(1+u**2)``).
"""
from __future__ import annotations

import functools
from typing import Callable, Literal

import numpy as np
from pydantic import Field, field_validator

from neuroattn.spec.base import SpecModel
from neuroattn.spec.expressions import EXPRESSION_FUNCTIONS, numpy_function, to_sympy
from neuroattn.spec.kinds import KindTable


def _shorthand(value):
    if isinstance(value, str):
        if value in ("sigmoid", "relu", "linear"):
            return {"kind": value}
        return {"kind": "expression", "expr": value}
    return value


#: The transfer kinds, by their ``kind`` tag; a bare kind name (``relu``) or any other string (an
#: expression in ``u``) is accepted as shorthand.
TRANSFERS = KindTable("kind", "transfer", _shorthand)


class TransferFunction(SpecModel):
    """Base of the transfer kinds: ``r = f(u)``, written once in numpy and once as Brian2 code.

    A kind's numeric fields become per-unit constants ``f_<field>`` (so they may differ between the
    points of a batch). A subclass gives `f` (numpy, with the constants as arrays or floats), `df`
    (its derivative) and `brian2_code`, and registers with ``@TRANSFERS.register``; it may override
    `writer` with a faster in-place numpy version of `f`.
    """

    def constants(self) -> dict[str, float]:
        """The numeric fields, by name: each becomes the per-unit constant ``f_<name>``."""
        return {name: getattr(self, name) for name, field in type(self).model_fields.items()
                if field.annotation in (float, int) and name != "kind"}

    def structure(self) -> tuple:
        """What must be equal for two areas to share one compiled network (numbers may differ)."""
        return (self.kind,)

    def brian2_code(self) -> str:
        """f(u) as Brian2 code, with each constant named ``f_<name>``."""
        raise NotImplementedError

    def f(self, u, c: dict):
        """f(u) in numpy, with constants `c` (floats or per-unit arrays)."""
        raise NotImplementedError

    def df(self, u, c: dict):
        """f'(u) in numpy."""
        raise NotImplementedError

    def value(self, u):
        return np.asarray(self.f(np.asarray(u, float), self.constants()), float)

    def derivative(self, u):
        u = np.asarray(u, float)
        return np.broadcast_to(np.asarray(self.df(u, self.constants()), float), u.shape).copy()

    def writer(self, c: dict, u: np.ndarray, r: np.ndarray) -> Callable[[], None]:
        """A function writing f(u) into the buffer `r` (the engine calls it once per step)."""
        def update():
            r[:] = self.f(u, c)
        return update


def _uniform(values):
    """A scalar when every unit shares the value (cheaper to broadcast), else the per-unit array."""
    flat = np.ravel(values)
    return float(flat[0]) if np.all(flat == flat[0]) else np.ascontiguousarray(flat)


@TRANSFERS.register
class Sigmoid(TransferFunction):
    """Logistic sigmoid ``f(u) = 1 / (1 + exp(-gain*(u - threshold)))``, with ``f' <= gain/4``."""

    kind: Literal["sigmoid"] = "sigmoid"
    gain: float = Field(1.0, gt=0)
    threshold: float = 0.0

    def brian2_code(self) -> str:
        return "1/(1 + exp(-f_gain*(u - f_threshold)))"

    def f(self, u, c):
        return 1.0 / (1.0 + np.exp(-c["gain"] * (u - c["threshold"])))

    def df(self, u, c):
        f = self.f(u, c)
        return c["gain"] * f * (1.0 - f)

    def writer(self, c, u, r):
        neg_gain, threshold = _uniform(-np.asarray(c["gain"])), _uniform(c["threshold"])
        tmp = np.empty_like(u)

        def update():  # the same operations as `f`, into preallocated buffers
            np.subtract(u, threshold, out=tmp)
            np.multiply(neg_gain, tmp, out=tmp)
            np.exp(tmp, out=tmp)
            np.add(1.0, tmp, out=tmp)
            np.divide(1.0, tmp, out=r)
        return update


@TRANSFERS.register
class ReLU(TransferFunction):
    """Rectified linear ``f(u) = max(0, u - threshold)``."""

    kind: Literal["relu"] = "relu"
    threshold: float = 0.0

    def brian2_code(self) -> str:
        return "clip(u - f_threshold, 0, inf)"

    def f(self, u, c):
        return np.maximum(u - c["threshold"], 0.0)

    def df(self, u, c):
        return (u > c["threshold"]).astype(float)

    def writer(self, c, u, r):
        threshold = _uniform(c["threshold"])

        def update():
            np.subtract(u, threshold, out=r)
            np.maximum(r, 0.0, out=r)
        return update


@TRANSFERS.register
class Linear(TransferFunction):
    """Linear ``f(u) = slope * u``."""

    kind: Literal["linear"] = "linear"
    slope: float = 1.0

    def brian2_code(self) -> str:
        return "f_slope*u"

    def f(self, u, c):
        return c["slope"] * u

    def df(self, u, c):
        return np.full_like(np.asarray(u, float), 1.0) * c["slope"]


@TRANSFERS.register
class Expression(TransferFunction):
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

    def structure(self) -> tuple:
        return (self.kind, self.expr)

    def brian2_code(self) -> str:
        return f"({self.expr})"

    def f(self, u, c):
        return _numpy_functions(self.expr)[0](u)

    def df(self, u, c):
        return _numpy_functions(self.expr)[1](u)


@functools.lru_cache(maxsize=256)
def _sympy_expression(expr: str):
    sym = to_sympy(expr, ("u",))
    if "u" not in {str(x) for x in sym.free_symbols}:
        raise ValueError("must depend on u")
    return sym


@functools.lru_cache(maxsize=256)
def _numpy_functions(expr: str):
    import sympy

    sym = _sympy_expression(expr)
    u = sympy.Symbol("u", real=True)
    return numpy_function(sym, ("u",)), numpy_function(sympy.diff(sym, u), ("u",))


#: A transfer-function field: any registered kind (`TRANSFERS`).
Transfer = TRANSFERS.field()

__all__ = ["TRANSFERS", "TransferFunction", "Transfer", "Sigmoid", "ReLU", "Linear", "Expression",
           "EXPRESSION_FUNCTIONS"]
