"""Dense couplings as compiled code inside Brian2's own code generation (cython and cpp_standalone).

A dense coupling ``var = W @ r_source`` is a subexpression of the target area's equations::

    rec = dense_rec_V1_at(dense_rec_V1(t)) : 1

`DenseProduct` is the Brian2 `Function` ``dense_rec_V1``. Its Cython and C++ implementations
compute, on the first call of a step (a new ``t``), the whole product for all K batch points into
their own output array, four rows at a time so that each rate loaded serves four rows. Its argument
is the time only, so Brian2's loop-invariant optimisation hoists the call out of the loop over units
into the code object's scalar code: the product runs once per step, before the Euler loop, reading
the rates ``r = f(u)`` that Brian2 evaluated at ``before_start`` (a ``constant over dt`` variable).
``dense_rec_V1_at`` (`DenseProduct.at`, auto-vectorised) is the unit's entry, read with the loop's
own index, so the Euler step is fused with the coupling: one loop the C compiler vectorises, the
product's load included (the seed sweep's program went from 1.09× the fused C loop, with the product
written into ``rec`` by a loop of its own, to 0.95-0.97×). A monitor recording the drive ``E`` calls
the product too; the first call of a step computes it, later ones read it. No numpy temporaries and
no per-synapse work per step; on cpp_standalone no Python at all. (On cython, Brian2 still enters
each code object from Python every step and its loops stay scalar, so there the default coupling
is the numpy step operation; see `builder.coupling_plan`.)

The weights are the function's own array: `DenseProduct` is a `TimedArray` with one row per target
unit (``K·n_target`` rows when points have their own weights, ``n_target`` when they share them),
which is what lets cpp_standalone's ``run_args`` replace them for every chunk of a sweep without
recompiling (Brian2 accepts TimedArrays there). The generated code contains only the matrix shape,
not K or any weight, so one compiled code object serves every batch size and every weight value
(Cython's cache hits across runs and chunk sizes).

Only the weights are a Brian2-visible copy; the source rates are read where Brian2 keeps them: the
group's live array on runtime targets (passed in the function's namespace), the device's global
array on cpp_standalone. The state array (time of the last product, K) is per function object, so
networks built one after another never share a stale product.
"""
from __future__ import annotations

import brian2
import numpy as np
from brian2.core.functions import Function
from brian2.core.names import Nameable
from brian2.units.fundamentalunits import DIMENSIONLESS

#: C++ of a product function: on the first call of a step ({name}_block) for all points, then one entry.
CPP_CODE = """
{block}
static inline double {name}(const double t, const int _i)
{{
    if (_namespace{name}_state[0] != t) {{
        _namespace{name}_state[0] = t;
        {name}_block({args}, _namespace{name}_out, (int)_namespace{name}_state[1]);
    }}
    return _namespace{name}_out[_i];
}}
"""

#: The product for all K points, four rows at a time (each rate loaded serves four rows); the
#: same C++ on both targets. {n_t}, {n_s} and {w_step} (0: one matrix for all points) are literals.
BLOCK_CODE = """
static void {name}_block(const double * __restrict w0, const double * __restrict rates,
                         double * __restrict out, const int n_points)
{{
    for (int k = 0; k < n_points; k++) {{
        const double * __restrict r = rates + (size_t)k*{n_s};
        const double * __restrict w = w0 + (size_t)k*{w_step};
        double * __restrict o = out + (size_t)k*{n_t};
        int row = 0;
        for (; row + 4 <= {n_t}; row += 4, w += 4*{n_s}) {{
            double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
            for (int j = 0; j < {n_s}; j++) {{
                const double x = r[j];
                a0 += w[j]*x;
                a1 += w[{n_s} + j]*x;
                a2 += w[2*{n_s} + j]*x;
                a3 += w[3*{n_s} + j]*x;
            }}
            o[row] = a0; o[row + 1] = a1; o[row + 2] = a2; o[row + 3] = a3;
        }}
        for (; row < {n_t}; row++, w += {n_s}) {{
            double a0 = 0.0;
            for (int j = 0; j < {n_s}; j++)
                a0 += w[j]*r[j];
            o[row] = a0;
        }}
    }}
}}
"""

CYTHON_CODE = """
cdef extern from *:
    \"\"\"
{block}
    \"\"\"
    void {name}_block(const double *w0, const double *rates, double *out, const int n_points) nogil

cdef double {name}(double t):
    global _namespace{name}_values, _namespace{name}_rates, _namespace{name}_out, _namespace{name}_state
    if _namespace{name}_state[0] != t:
        _namespace{name}_state[0] = t
        {name}_block(_namespace{name}_values, _namespace{name}_rates, _namespace{name}_out,
                     <int>_namespace{name}_state[1])
    return 0.0
"""

#: The product of a step, once (Brian2 hoists ``{name}(t)`` out of the loop over units).
COMPUTE_CPP = """
{block}
static inline double {name}(const double t)
{{
    if (_namespace{name}_state[0] != t) {{
        _namespace{name}_state[0] = t;
        {name}_block(_namespace{name}_values, brian::{rates}, _namespace{name}_out, (int)_namespace{name}_state[1]);
    }}
    return 0.0;
}}
"""

#: One unit's entry of the product: a load the C compiler vectorises inside the Euler loop. On
#: cpp_standalone the product's array is the device's global copy of the computing function's.
AT_CPP = """static inline double {name}_at(const double computed, const int _vectorisation_idx)
{{ return brian::{name}_out[_vectorisation_idx]; }}"""
AT_CYTHON = """
cdef double {name}_at(double computed, int _vectorisation_idx):
    global _namespace{name}_at_out
    return _namespace{name}_at_out[_vectorisation_idx]
"""


def kernel_name(var: str, target: str) -> str:
    """The function's name for coupled variable `var` (``rec``, ``in_<p>``) of area `target`."""
    return "dense_" + "".join(ch if ch.isalnum() else "_" for ch in f"{var}_{target}")


class DenseProduct(brian2.TimedArray):
    """``name(t)``: ``W @ r`` over K batch points, computed once per step as compiled Cython or C++;
    ``name_at(name(t))`` (the function `at`): the entry of the unit that calls it.

    In a group's equations the coupled variable is the subexpression
    ``rec = dense_rec_V1_at(dense_rec_V1(t))``: Brian2 hoists ``dense_rec_V1(t)``, which depends on
    no unit, out of the loop of every code object that reads ``rec`` (its loop-invariant
    optimisation), so the product runs once per step before the Euler loop, and the loop reads one
    entry per unit, which the C compiler vectorises with the update.

    Parameters
    ----------
    name : the function's name in the target group's equations (a valid identifier, unique).
    weights : array, (n_target, n_source) shared by all points or (K, n_target, n_source).
    rates : the source group's ``r`` variable (``group.variables['r']``), read live; may be set
        after the groups exist (before the run).
    n_points : K, the number of batch points (the source has K*n_source units, the target K*n_target).

    Examples
    --------
    >>> product = DenseProduct("dense_rec", W, group.variables["r"], n_points=K)   # doctest: +SKIP
    >>> # in a group of K*n units: 'rec = dense_rec_at(dense_rec(t)) : 1'
    >>> namespace = {"dense_rec": product, "dense_rec_at": product.at}              # doctest: +SKIP
    """

    _cache_irrelevant_attributes = brian2.TimedArray._cache_irrelevant_attributes | {"rates", "out", "state", "at"}

    def __init__(self, name: str, weights: np.ndarray, rates=None, *, n_points: int):
        Nameable.__init__(self, name)
        w = np.asarray(weights, dtype=np.float64)
        self.batched = w.ndim == 3
        self.n_target, self.n_source = w.shape[-2:]
        self.n_points = int(n_points)
        self.values = np.ascontiguousarray(w.reshape(-1, self.n_source))
        self.dim = DIMENSIONLESS
        self.dt = 1.0  # TimedArray's time step: unused, the rows are units, not times
        self.rates = rates
        self.out = np.zeros(self.n_points * self.n_target)
        self.state = np.array([-1.0, self.n_points])  # time of the last product (-1: none yet), K
        Function.__init__(self, pyfunc=self._numpy_product, arg_units=[brian2.second], arg_names=["t"],
                          return_unit=1, arg_types=["float"], return_type="float")
        # A TimedArray's three implementations (a lookup in time) are replaced by the product.
        self.implementations.add_numpy_implementation(self._numpy_product)
        self.implementations.add_dynamic_implementation(
            "cython", lambda owner: self._code(CYTHON_CODE), name=self.name,
            namespace=lambda owner: {**self._namespace(), f"{self.name}_rates": self.rates.get_value()})
        self.implementations.add_dynamic_implementation(
            "cpp", lambda owner: self._code(COMPUTE_CPP, rates=brian2.get_device().get_array_name(self.rates)),
            name=self.name, namespace=lambda owner: self._namespace())
        self.at = Function(pyfunc=self._numpy_entry, arg_units=[1], arg_names=["computed"], return_unit=1,
                           arg_types=["float"], return_type="float", auto_vectorise=True)
        self.at.implementations.add_numpy_implementation(self._numpy_entry)
        self.at.implementations.add_implementation("cython", AT_CYTHON.format(name=self.name), name=f"{self.name}_at",
                                                   namespace={f"{self.name}_at_out": self.out})
        self.at.implementations.add_implementation("cpp", AT_CPP.format(name=self.name), name=f"{self.name}_at")

    def _namespace(self) -> dict:
        return {f"{self.name}_values": self.values.ravel(), f"{self.name}_out": self.out,
                f"{self.name}_state": self.state}

    def _code(self, template: str, **more) -> str:
        sizes = dict(name=self.name, n_t=self.n_target, n_s=self.n_source)
        block = BLOCK_CODE.format(w_step=self.n_target * self.n_source if self.batched else 0, **sizes)
        return template.format(block=block, **sizes, **more)

    def run_values(self, coupling) -> list[tuple]:
        """(owner, variable or None, values) setting the numbers of `coupling` (same structure and K):
        its weights, which are this function's own values (owner: the function, variable: None)."""
        return [(self, None, self.weights_of(coupling.weights))]

    def weights_of(self, weights: np.ndarray) -> np.ndarray:
        """`weights` ((n_t, n_s) or (K, n_t, n_s)) laid out as this function's values (for run_args)."""
        w = np.asarray(weights, dtype=np.float64)
        if self.batched:
            w = np.broadcast_to(w, (self.n_points, self.n_target, self.n_source))
        elif w.ndim == 3:
            raise ValueError(f"{self.name}: built for weights shared by all points, got one matrix per point")
        return np.ascontiguousarray(w.reshape(-1, self.n_source))

    def _numpy_product(self, t):
        """The numpy target's implementation: ``W @ r`` into `out`, once per step."""
        now = float(np.ravel(t)[0])
        if self.state[0] != now:
            self.state[0] = now
            r = np.asarray(self.rates.get_value()).reshape(-1, self.n_source)
            w = self.values.reshape(-1, self.n_target, self.n_source)
            np.matmul(w, r[..., None], out=self.out.reshape(-1, self.n_target, 1))
        return 0.0

    def _numpy_entry(self, computed, _vectorisation_idx):
        return self.out[np.asarray(_vectorisation_idx)]


__all__ = ["CPP_CODE", "DenseProduct", "kernel_name"]
