"""Parameter spaces: which values each swept path takes, point by point.

=========================  ====================================================================
space                      points
=========================  ====================================================================
``Grid({path: values})``   the Cartesian product of the value lists (first path varies slowest)
``Zip({path: values})``    aligned lists: point k takes the k-th value of every path
``Sample(ranges, n)``      `n` seeded uniform draws (``method='random'``) or a Latin hypercube
                           (``method='lhs'``) inside ``{path: (low, high)}``, optionally log-spaced
``Table(rows)``            explicit points: a list of ``{path: value}`` rows or a DataFrame
``a * b``                  the product of two spaces (every point of `a` with every point of `b`)
=========================  ====================================================================

A plain dict ``{path: values}`` means a `Grid`. Repeated noise seeds are their own axis, given to
`neuroattn.sweep` as ``seeds=``.

Examples
--------
>>> import numpy as np
>>> space = Grid({"areas.V1.competition.beta": np.linspace(0, 4, 5)}) * Zip({"stimuli[0].amplitude": [0.5, 1.0]})
>>> space.n_points
10
"""
from __future__ import annotations

import itertools
import json
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

from neuroattn.exceptions import SweepError


def _values(path: str, values) -> list:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") and not hasattr(values, "__iter__"):
        raise SweepError(f"space: {path}: give a list of values (got {values!r})")
    out = [v.item() if isinstance(v, np.generic) else v for v in (np.asarray(values).tolist()
                                                                  if isinstance(values, np.ndarray) else values)]
    if not out:
        raise SweepError(f"space: {path}: the list of values is empty")
    return out


class Space:
    """Base class: a table of points, one list of values per path, all of length `n_points`."""

    def columns(self) -> dict[str, list]:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def paths(self) -> list[str]:
        return list(self.columns())

    @property
    def n_points(self) -> int:
        cols = self.columns()
        return len(next(iter(cols.values()))) if cols else 1

    def __mul__(self, other: "Space") -> "Product":
        return Product([self, as_space(other)])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self.paths)}; {self.n_points} points)"


#: Most points one sweep may have (their specs and results are laid out before running).
MAX_POINTS = 10**7


class Grid(Space):
    """The Cartesian product of value lists; the first path varies slowest."""

    def __init__(self, axes: Mapping[str, Sequence]):
        if not axes:
            raise SweepError("space: a grid needs at least one path")
        self.axes = {str(p): _values(p, v) for p, v in axes.items()}

    def columns(self) -> dict[str, list]:
        n = int(np.prod([len(v) for v in self.axes.values()], dtype=float))
        if n > MAX_POINTS:
            raise SweepError(f"space: the grid has {n:.3g} points (the limit is {MAX_POINTS:.0e}); split the sweep")
        rows = list(itertools.product(*self.axes.values()))
        return {p: [row[k] for row in rows] for k, p in enumerate(self.axes)}

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.axes.values())

    def describe(self) -> dict:
        return {"grid": self.axes}


class Zip(Space):
    """Aligned value lists: point k takes the k-th value of every path.

    A zip is one axis of the sweep, however many paths it sets: `unstack` lays it out as one dim,
    named `name` (default: the path when there is one, else ``'condition'``), with every path as a
    coordinate along it. That is the shape of paired conditions (cued / uncued, single / pair).
    """

    def __init__(self, columns: Mapping[str, Sequence], name: Optional[str] = None):
        if not columns:
            raise SweepError("space: zip needs at least one path")
        self._columns = {str(p): _values(p, v) for p, v in columns.items()}
        lengths = {p: len(v) for p, v in self._columns.items()}
        if len(set(lengths.values())) > 1:
            raise SweepError("space: zip needs lists of one length (got "
                             + ", ".join(f"{p}: {n}" for p, n in lengths.items()) + ")")
        if name is not None and (not isinstance(name, str) or not name or name in self._columns):
            raise SweepError(f"space: name: must be a new, non-empty axis name (got {name!r})")
        self.name = name

    def columns(self) -> dict[str, list]:
        return {p: list(v) for p, v in self._columns.items()}

    def describe(self) -> dict:
        return {"zip": self._columns, **({"name": self.name} if self.name else {})}


class Table(Zip):
    """Explicit points: a list of ``{path: value}`` rows, a dict of columns, or a pandas DataFrame."""

    def __init__(self, rows: Union[Sequence[Mapping[str, Any]], Mapping[str, Sequence], Any],
                 name: Optional[str] = None):
        if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a DataFrame
            rows = rows.to_dict(orient="list")
        if isinstance(rows, Mapping):
            super().__init__(rows, name)
            return
        rows = list(rows)
        if not rows:
            raise SweepError("space: the table has no rows")
        keys = list(rows[0])
        for k, row in enumerate(rows):
            if set(row) != set(keys):
                raise SweepError(f"space: table row {k} sets {sorted(row)}, row 0 sets {sorted(keys)}")
        super().__init__({p: [row[p] for row in rows] for p in keys}, name)

    def describe(self) -> dict:
        return {"table": self._columns, **({"name": self.name} if self.name else {})}


class Sample(Space):
    """`n` seeded points inside ``{path: (low, high)}``: uniform draws or a Latin hypercube.

    Parameters
    ----------
    ranges : mapping of path to (low, high)
    n : number of points
    seed : int; the same seed gives the same points
    method : {'random', 'lhs'}
    log : paths sampled uniformly in log space (both bounds must be positive)
    """

    def __init__(self, ranges: Mapping[str, Sequence[float]], n: int, *, seed: int = 0,
                 method: str = "random", log: Sequence[str] = ()):
        if method not in ("random", "lhs"):
            raise SweepError(f"space: method must be 'random' or 'lhs' (got {method!r})")
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise SweepError(f"space: n must be a positive number of points (got {n!r})")
        self.ranges = {}
        for p, bounds in ranges.items():
            try:
                low, high = (float(b) for b in bounds)
            except (TypeError, ValueError):
                raise SweepError(f"space: {p}: give a range as [low, high] (got {bounds!r})") from None
            if not low < high:
                raise SweepError(f"space: {p}: needs low < high (got [{low:g}, {high:g}])")
            if p in log and low <= 0:
                raise SweepError(f"space: {p}: a log range needs positive bounds (got [{low:g}, {high:g}])")
            self.ranges[str(p)] = (low, high)
        unknown = [p for p in log if p not in self.ranges]
        if unknown:
            raise SweepError(f"space: log names {unknown[0]!r}, which has no range")
        self.n, self.seed, self.method, self.log = int(n), int(seed), method, list(log)

    def columns(self) -> dict[str, list]:
        d = len(self.ranges)
        if self.method == "lhs":
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=d, seed=np.random.default_rng(self.seed)).random(self.n)
        else:
            unit = np.random.default_rng(self.seed).random((self.n, d))
        out = {}
        for k, (p, (low, high)) in enumerate(self.ranges.items()):
            if p in self.log:
                out[p] = np.exp(np.log(low) + unit[:, k] * (np.log(high) - np.log(low))).tolist()
            else:
                out[p] = (low + unit[:, k] * (high - low)).tolist()
        return out

    def describe(self) -> dict:
        return {"sample": {"ranges": {p: list(r) for p, r in self.ranges.items()}, "n": self.n,
                           "seed": self.seed, "method": self.method, "log": self.log}}


class Product(Space):
    """Every point of the first space with every point of the next (the last varies fastest)."""

    def __init__(self, spaces: Sequence[Space]):
        flat = []
        for s in spaces:
            flat += s.spaces if isinstance(s, Product) else [s]
        seen = set()
        for s in flat:
            clash = seen & set(s.paths)
            if clash:
                raise SweepError(f"space: {sorted(clash)[0]!r} is swept twice")
            seen |= set(s.paths)
        self.spaces = flat

    def columns(self) -> dict[str, list]:
        cols = [s.columns() for s in self.spaces]
        sizes = [len(next(iter(c.values()))) if c else 1 for c in cols]
        total = float(np.prod(sizes, dtype=float))
        if total > MAX_POINTS:
            raise SweepError(f"space: the product has {total:.3g} points (the limit is {MAX_POINTS:.0e}); "
                             "split the sweep")
        out = {}
        for k, c in enumerate(cols):
            outer = int(np.prod(sizes[:k], dtype=int))
            inner = int(np.prod(sizes[k + 1:], dtype=int))
            for p, v in c.items():
                out[p] = [x for x in v for _ in range(inner)] * outer
        return out

    def describe(self) -> dict:
        return {"product": [s.describe() for s in self.spaces]}


def as_space(space) -> Space:
    """A `Space` from a Space, a ``{path: values}`` dict (a grid) or a list of row dicts (a table)."""
    if isinstance(space, Space):
        return space
    if isinstance(space, Mapping):
        return Grid(space)
    if isinstance(space, Sequence) and space and all(isinstance(r, Mapping) for r in space):
        return Table(space)
    raise SweepError(f"space: give a dict of path -> values, a list of rows or a Space "
                     f"(got {type(space).__name__})")


def from_config(config: Mapping[str, Any]) -> Space:
    """A space from its YAML form: ``{grid: {...}}``, ``{zip: ...}``, ``{table: [...]}``,
    ``{sample: {ranges, n, seed, method, log}}`` or ``{product: [...]}``; a zip or a table may name
    its axis beside it (``{zip: {...}, name: cue}``).

    Value lists may be written as lists or as ``{linspace: [start, stop, num]}``,
    ``{logspace: [start, stop, num]}`` (exponents, base 10) or ``{arange: [start, stop, step]}``.
    """
    name = None
    if isinstance(config, Mapping) and "name" in config and len(config) == 2:
        config = dict(config)
        name = config.pop("name")
        if next(iter(config)) not in ("zip", "table"):
            raise SweepError("space: name: only a zip or a table is one named axis")
    if not isinstance(config, Mapping) or len(config) != 1:
        raise SweepError("space: write exactly one of grid:, zip:, table:, sample: or product: "
                         f"(got {list(config) if isinstance(config, Mapping) else config!r})")
    (kind, body), = config.items()
    if kind in ("grid", "zip"):
        if not isinstance(body, Mapping):
            raise SweepError(f"space.{kind}: give a mapping of path -> values")
        cols = {p: expand_values(p, v) for p, v in body.items()}
        return Grid(cols) if kind == "grid" else Zip(cols, name)
    if kind == "table":
        return Table(body, name)
    if kind == "sample":
        if not isinstance(body, Mapping) or "ranges" not in body or "n" not in body:
            raise SweepError("space.sample: needs ranges: {path: [low, high]} and n:")
        extra = set(body) - {"ranges", "n", "seed", "method", "log"}
        if extra:
            raise SweepError(f"space.sample: unknown key {sorted(extra)[0]!r}")
        return Sample(body["ranges"], body["n"], seed=body.get("seed", 0), method=body.get("method", "random"),
                      log=body.get("log", ()))
    if kind == "product":
        return Product([from_config(c) for c in body])
    raise SweepError(f"space: unknown kind {kind!r} (grid, zip, table, sample, product)")


def expand_values(path: str, spec) -> list:
    """A value list from a list or from ``{linspace|logspace|arange: [...]}``."""
    if isinstance(spec, Mapping):
        if len(spec) != 1 or next(iter(spec)) not in ("linspace", "logspace", "arange"):
            raise SweepError(f"space: {path}: write a list, or one of linspace/logspace/arange: [...] "
                             f"(got {dict(spec)!r})")
        (fn, args), = spec.items()
        try:
            if fn == "arange":
                start, stop, step = (list(args) + [1.0])[:3] if len(args) >= 2 else (0.0, args[0], 1.0)
                count = np.ceil((float(stop) - float(start)) / float(step))
            else:
                start, stop, num = args
                count = float(num)
            if not np.isfinite(count) or count > MAX_POINTS:
                raise SweepError(f"space: {path}: {fn} would give {count:.3g} values (the limit is {MAX_POINTS:.0e})")
            if fn == "arange":
                values = np.arange(*[float(a) for a in args])
            else:
                values = getattr(np, fn)(float(start), float(stop), int(num))
        except (TypeError, ValueError, ZeroDivisionError) as err:
            raise SweepError(f"space: {path}: {fn}: {err} (got {str(args)[:80]})") from None
        return values.tolist()
    return _values(path, spec)


def axes(description: Mapping) -> list[tuple[str, list[str], int]]:
    """The axes of a space from its `describe()`: ``(dim, paths, size)``, slowest first.

    A grid gives one axis per path; a zip, a table or a sample one axis for all its paths (named by
    its ``name``, its single path, or ``'condition'`` / ``'sample'``); a product the axes of its
    factors in order.
    """
    kind = next((k for k in description if k in ("grid", "zip", "table", "sample", "product")), None)
    body, name = description.get(kind), description.get("name")
    if kind == "grid":
        return [(p, [p], len(v)) for p, v in body.items()]
    if kind in ("zip", "table"):
        paths = list(body)
        return [(name or (paths[0] if len(paths) == 1 else "condition"), paths, len(body[paths[0]]))]
    if kind == "sample":
        return [("sample", list(body["ranges"]), int(body["n"]))]
    if kind == "product":
        out, seen = [], set()
        for part in body:
            for dim, paths, size in axes(part):
                unique, k = dim, 1
                while unique in seen:
                    unique, k = f"{dim}_{k}", k + 1
                seen.add(unique)
                out.append((unique, paths, size))
        return out
    raise SweepError(f"space: unknown kind {kind!r} in the sweep's description")


def describe_json(description: dict) -> str:
    """A canonical JSON text of a space's `describe()` (for provenance and the store's identity)."""
    return json.dumps(description, sort_keys=True, default=str)


__all__ = ["Space", "Grid", "Zip", "Table", "Sample", "Product", "as_space", "from_config",
           "expand_values", "axes"]
