"""Brian2's numpy target with a state update that allocates no temporaries.

Brian2's numpy code generator writes each abstract-code statement as one numpy expression, so an
Euler step such as ``_u = ((dt * ((I0 + rec) - ((beta_self * r) + u))) / tau) + u`` allocates one
array per binary operation, every step. `InplaceNumpyCodeGenerator` writes the same statement as a
sequence of ufunc calls whose outputs are scratch buffers, allocated once per code object and reused
every step::

    _ufunc_add(I0, rec, _inplace_0)
    _ufunc_multiply(beta_self, r, _inplace_1)
    _ufunc_add(_inplace_1, u, _inplace_1)
    _ufunc_subtract(_inplace_0, _inplace_1, _inplace_0)
    ...
    _u = _inplace_0

Each ufunc is the one numpy calls for the operator in Brian2's expression, on the same operands in
the same order, so the results are those of Brian2's numpy target bit for bit. Only vector code of
the ``stateupdate`` template (state updates, ``run_regularly`` operations, ``(constant over dt)``
subexpressions) is rewritten, and there only float64 statements built from arithmetic, unary minus,
powers and the ufunc functions (``exp``, ``log``, ``sin``, ``sqrt``, ``abs``, ``clip`` ...).
Everything else is left as Brian2 writes it: scalar code, other templates, statements with
conditions (``where``, comparisons, boolean operators), integer or float32 arithmetic, conditional
writes (refractoriness) and synapses with repeated indices (``ufunc.at``). A call of any other
function (a `TimedArray`, ``rand()``, a user function) is made as Brian2 makes it; its result
enters the ufunc sequence as an operand. The state variables are no longer copied before the update
unless a statement changes them in place (``+=``, a conditional write).

Groups of every size get the in-place code. ``benchmarks/bench_stateupdate.py`` measured it at 8
and 48 units: the seed model's Euler step was 7 % faster (the copy of ``u`` is gone), and a rate
expression took as long as Brian2's (a ufunc call with an ``out`` argument costs what the operator
costs, and numpy takes small temporaries from a cache). It was 4-28 % faster at 10,000 units and
19-52 % faster at 10^6 units. At that size numpy reuses large temporaries itself, but each statement
still allocates, and faults in, a fresh array.

`InplaceNumpyCodeObject` is a `NumpyCodeObject` using this generator, registered with Brian2 as the
target ``numpy_inplace`` (`inplace_target`). `neuroattn.engine.device.use_target` runs the numpy
target with it, so users still ask for ``target="numpy"`` and results still say numpy: the code is
Brian2's numpy code and gives the same numbers, to the bit.
"""
from __future__ import annotations

import ast
import re
from types import SimpleNamespace
from typing import Optional

import numpy as np
from brian2.codegen.generators.numpy_generator import NumpyCodeGenerator
from brian2.codegen.runtime.numpy_rt import NumpyCodeObject
from brian2.codegen.targets import codegen_targets
from brian2.core.functions import DEFAULT_FUNCTIONS, Function
from brian2.core.variables import Constant
from brian2.parsing.bast import brian_ast, brian_dtype_from_dtype
from brian2.parsing.rendering import NumpyNodeRenderer
from brian2.utils.stringtools import word_substitute

__all__ = ["InplaceNumpyCodeGenerator", "InplaceNumpyCodeObject", "inplace_target"]

#: The templates whose vector code runs over every unit of the group (``ITERATE_ALL``), so that all
#: vectors have the group's length.
INPLACE_TEMPLATES = ("stateupdate",)
#: The ufunc numpy calls for each binary operator of an expression.
BINARY_UFUNCS = {"Add": "add", "Sub": "subtract", "Mult": "multiply", "Div": "true_divide",
                 "Pow": "power", "Mod": "remainder", "FloorDiv": "floor_divide"}
UNARY_UFUNCS = {"USub": "negative", "UAdd": "positive"}
AUGMENTED = ("+=", "-=", "*=", "/=", "**=", "%=")
#: The prefix of the scratch buffers' names in the generated code.
BUFFER = "_inplace_"
#: The prefix of the numpy functions' names in the generated code (bound in the code object's
#: namespace: a name costs less to call than ``_numpy.add``, which small groups notice).
UFUNC = "_ufunc_"
FLOAT64 = np.dtype(np.float64)


class _NotInplace(Exception):
    """A statement (or part of one) that keeps Brian2's own translation."""


class _Buffers:
    """Scratch buffer names of one statement sequence: a result buffer per statement (never reused,
    since a name stays bound to it) and a pool of intermediate buffers (returned after each use)."""

    def __init__(self):
        self.count = 0
        self.free: list[str] = []

    def new(self) -> str:
        self.count += 1
        return f"{BUFFER}{self.count - 1}"

    def take(self) -> str:
        return self.free.pop() if self.free else self.new()

    def give(self, name: str) -> None:
        self.free.append(name)


class _Statement:
    """Translates one vector statement's expression into ufunc calls with ``out`` buffers."""

    def __init__(self, generator: "InplaceNumpyCodeGenerator", variables: dict, buffers: _Buffers):
        self.generator = generator
        self.variables = variables
        self.buffers = buffers
        self.renderer = NumpyNodeRenderer(auto_vectorise=generator.auto_vectorise)
        self.lines: list[str] = []
        self.calls = 0

    def computed(self, node) -> bool:
        """Whether `node` is computed into a buffer (a vector operation), not used as it is."""
        return not node.scalar and isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)) \
            and not self.opaque_call(node)

    def opaque_call(self, node) -> bool:
        """A call of a function that is not a known ufunc: made as Brian2 makes it."""
        return isinstance(node, ast.Call) and self.ufunc(node) is None

    def ufunc(self, node) -> Optional[str]:
        """The name, in the code object's namespace, of the ufunc a call node calls (or None)."""
        name = node.func.id
        function = self.variables.get(name)
        if not isinstance(function, Function) or DEFAULT_FUNCTIONS.get(name) is not function:
            return None
        if name == "clip":  # Brian2's numpy clip is a lambda around numpy.clip
            return f"{UFUNC}clip"
        implementation = function.implementations[self.generator.codeobj_class]
        if implementation.dynamic:
            return None
        code = implementation.get_code(self.generator.owner)
        return name if isinstance(code, np.ufunc) and code.nin == len(node.args) and code.nout == 1 else None

    def operand(self, node) -> str:
        """The code of a node used as an operand as it is: a scalar expression or a vector name, or
        the result of a call numpy makes for us (its array is the function's own output)."""
        if node.scalar:
            return self.renderer.render_element_parentheses(node)
        if isinstance(node, ast.Name):
            dtype = np.dtype(self.variables[node.id].dtype) if node.id in self.variables else None
            if dtype is None or (brian_dtype_from_dtype(dtype) == "float" and dtype != FLOAT64):
                raise _NotInplace(f"vector {node.id} is not float64")
            return node.id
        if self.opaque_call(node) and node.dtype == "float":
            name = f"{BUFFER}call_{self.calls}"
            self.calls += 1
            self.lines.append(f"{name} = {self.renderer.render_node(node)}")
            return name
        raise _NotInplace(f"cannot compute {type(node).__name__} in place")

    def compute(self, node, out: str) -> None:
        """Emit the ufunc calls that leave the value of vector `node` in buffer `out`."""
        if node.dtype != "float":
            raise _NotInplace("integer or boolean vector arithmetic")
        if isinstance(node, ast.BinOp):
            ufunc = BINARY_UFUNCS.get(type(node.op).__name__)
            if ufunc is None:
                raise _NotInplace(f"operator {type(node.op).__name__}")
            args = [node.left, node.right]
            name = f"{UFUNC}{ufunc}"
        elif isinstance(node, ast.UnaryOp):
            ufunc = UNARY_UFUNCS.get(type(node.op).__name__)
            if ufunc is None:
                raise _NotInplace(f"operator {type(node.op).__name__}")
            args, name = [node.operand], f"{UFUNC}{ufunc}"
        else:
            args, name = list(node.args), self.ufunc(node)
        # Arguments left to right, as Python evaluates them: the first computed one in `out`, the
        # others in pooled buffers, given back once this call has read them.
        codes, taken = [], []
        for arg in args:
            if not self.computed(arg):
                codes.append(self.operand(arg))
            elif out not in codes:
                self.compute(arg, out)
                codes.append(out)
            else:
                buffer = self.buffers.take()
                taken.append(buffer)
                self.compute(arg, buffer)
                codes.append(buffer)
        if name == f"{UFUNC}clip":
            self.lines.append(f"{name}({', '.join(codes)}, out={out})")
        else:
            self.lines.append(f"{name}({', '.join(codes)}, {out})")
        for buffer in taken:
            self.buffers.give(buffer)


class InplaceNumpyCodeGenerator(NumpyCodeGenerator):
    """Brian2's numpy code generator, writing vector arithmetic as ufunc calls into scratch buffers.

    See the module's documentation for what is rewritten and what is left to Brian2.
    """

    def vector_length(self) -> Optional[int]:
        """The group's number of units where it is known when the code is generated."""
        n = self.variables.get("N")
        return int(n.value) if isinstance(n, Constant) else None

    def inplace_applies(self, statements, scalar: bool) -> bool:
        return (not scalar and self.template_name in INPLACE_TEMPLATES and "_idx" in self.iterate_all
                and not self.has_repeated_indices(statements))

    def translate_one_statement_sequence(self, statements, scalar=False):
        if not self.inplace_applies(statements, scalar):
            return super().translate_one_statement_sequence(statements, scalar=scalar)
        variables, indices = self.variables, self.variable_indices
        read, write, index_names, conditional_write_vars = self.arrays_helper(statements)
        created = {stmt.var for stmt in statements if stmt.op == ":="}
        known = dict(variables)  # vectors created by earlier statements, for brian_ast
        buffers = _Buffers()
        body = []
        for stmt in statements:
            lines = None
            if stmt.var not in conditional_write_vars:
                lines = self.translate_inplace(stmt, known, buffers)
            if lines is None:
                line = self.translate_statement(stmt)
                lines = [self.conditional_write(line, stmt, variables, conditional_write_vars, created)]
            body.extend(lines)
            if stmt.op == ":=":
                known[stmt.var] = SimpleNamespace(dtype=stmt.dtype, scalar=False)
        # A state variable is copied before the update only if a statement changes its array in
        # place; assignments bind its name to a new array (a scratch buffer) instead.
        changed = {stmt.var for stmt in statements if stmt.op in AUGMENTED} | set(conditional_write_vars)
        lines = self.read_variables(read, write, index_names, changed)
        if buffers.count and self.vector_length() is None:  # else allocated with the code object
            names = [f"{BUFFER}{k}" for k in range(buffers.count)]
            lines.append(f"{', '.join(names)}, = _inplace_scratch(N, {buffers.count})")
        lines.extend(body)
        lines.extend(self.write_arrays(statements, read, write, variables, indices))
        return lines

    def read_variables(self, read, write, index_names, changed) -> list[str]:
        """Brian2's `read_arrays`, copying only the arrays that `changed` modifies in place."""
        lines = []
        for name in (*index_names, *read):
            index = self.variable_indices[name]
            line = f"{name} = {self.get_array_name(self.variables[name])}"
            if index not in self.iterate_all:
                line += f"[{index}]"
            elif name in write and name in changed:
                line += ".copy()"
            lines.append(line)
        return lines

    def translate_inplace(self, stmt, known: dict, buffers: _Buffers) -> Optional[list[str]]:
        """The lines of one statement as ufunc calls, or None where Brian2's translation stays."""
        if np.dtype(stmt.dtype) != FLOAT64 or self.uses_where(stmt):
            return None
        expr = word_substitute(stmt.expr, self.func_name_replacements)
        try:
            node = brian_ast(expr, known)
        except (SyntaxError, TypeError, ValueError):
            return None
        statement = _Statement(self, known, buffers)
        if not statement.computed(node):
            return None  # a scalar, a name or a call: nothing to save
        if stmt.op in ("=", ":="):
            out = buffers.new()
        elif stmt.op in AUGMENTED:
            out = buffers.take()
        else:
            return None
        try:
            statement.compute(node, out)
        except _NotInplace:
            return None
        op = "=" if stmt.op == ":=" else stmt.op
        lines = [f"#  Abstract code:  {stmt.var} {stmt.op} {stmt.expr}", *statement.lines, f"{stmt.var} {op} {out}"]
        if stmt.op in AUGMENTED:
            buffers.give(out)
        return lines

    @staticmethod
    def uses_where(stmt) -> bool:
        """Whether Brian2 writes `stmt` with ``numpy.where`` over a boolean variable."""
        return (stmt.used_boolean_variables is not None and len(stmt.used_boolean_variables) == 1
                and stmt.complexity_std > sum(stmt.complexities.values()))


class InplaceNumpyCodeObject(NumpyCodeObject):
    """Brian2's `NumpyCodeObject` with `InplaceNumpyCodeGenerator`: same templates, same functions
    (found through its base class), scratch buffers kept from step to step. `inplace_target`
    registers it with Brian2 as the target ``numpy_inplace``."""

    generator_class = InplaceNumpyCodeGenerator
    class_name = "numpy_inplace"

    def __init__(self, *args, **kwds):
        super().__init__(*args, **kwds)
        self._scratch = ()
        self.namespace["_inplace_scratch"] = self.scratch
        self.namespace.update({f"{UFUNC}{name}": getattr(np, name)
                               for name in (*BINARY_UFUNCS.values(), *UNARY_UFUNCS.values(), "clip")})
        # Where the group's size is known (a NeuronGroup's N), the code names its buffers without
        # asking for them each step: they are put in its namespace now.
        if isinstance(self.namespace.get("N"), (int, np.integer)):
            names = sorted(set(re.findall(rf"\b{BUFFER}(\d+)\b", getattr(self.code, "run", "") or "")), key=int)
            self.namespace.update(zip((f"{BUFFER}{k}" for k in names), self.scratch(self.namespace["N"], len(names))))

    def scratch(self, n: int, count: int) -> tuple:
        """`count` float64 buffers of length `n`, allocated on the first call (and when n changes)."""
        buffers = self._scratch
        if len(buffers) != count or (count and len(buffers[0]) != n):
            buffers = self._scratch = tuple(np.empty(int(n), dtype=FLOAT64) for _ in range(count))
        return buffers


def inplace_target() -> str:
    """The name under which Brian2 finds `InplaceNumpyCodeObject` (``prefs.codegen.target``).

    Brian2's preference accepts a code object class, but its runtime device then finds no class for
    groups that name none (``Device.code_object_class`` returns only names it looked up), so the
    class is added to Brian2's targets, as Brian2 adds its own (once; adding it again changes nothing).
    """
    codegen_targets.add(InplaceNumpyCodeObject)
    return InplaceNumpyCodeObject.class_name
