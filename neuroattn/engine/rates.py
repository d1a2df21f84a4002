"""r = f(u) in place, in numpy, for the runtime targets' per-step network operation.

Brian2 evaluates a ``constant over dt`` subexpression with temporaries on the numpy target, and with
scalar libm calls on Cython; numpy's in-place ufuncs into preallocated buffers are faster than
either (the exp of a sigmoid dominates). Each writer is registered per transfer kind, like the
Brian2 expressions in `engine.equations`, and uses the same operation order, so both give the same
numbers.
"""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from neuroattn.spec.transfer import Expression, Linear, ReLU, Sigmoid


def _uniform(values: np.ndarray):
    """A scalar when every unit shares the value (cheaper to broadcast), else the per-unit array."""
    flat = np.ravel(values)
    return float(flat[0]) if np.all(flat == flat[0]) else np.ascontiguousarray(flat)


@functools.singledispatch
def rate_update(transfer, params: dict, u: np.ndarray, r: np.ndarray) -> Callable[[], None]:
    """A function writing f(u) into `r`; `params` holds the per-unit ``f_<field>`` arrays (K, n)."""
    raise NotImplementedError(f"no rate update registered for transfer {type(transfer).__name__}")


@rate_update.register
def _(transfer: Sigmoid, params, u, r):
    neg_gain, threshold = _uniform(-params["gain"]), _uniform(params["threshold"])
    tmp = np.empty_like(u)

    def update():
        np.subtract(u, threshold, out=tmp)
        np.multiply(neg_gain, tmp, out=tmp)
        np.exp(tmp, out=tmp)
        np.add(1.0, tmp, out=tmp)
        np.divide(1.0, tmp, out=r)
    return update


@rate_update.register
def _(transfer: ReLU, params, u, r):
    threshold = _uniform(params["threshold"])

    def update():
        np.subtract(u, threshold, out=r)
        np.maximum(r, 0.0, out=r)
    return update


@rate_update.register
def _(transfer: Linear, params, u, r):
    slope = _uniform(params["slope"])

    def update():
        np.multiply(slope, u, out=r)
    return update


@rate_update.register
def _(transfer: Expression, params, u, r):
    def update():
        r[:] = transfer.value(u)
    return update
