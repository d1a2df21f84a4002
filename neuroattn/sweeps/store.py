"""The sweep store: a Zarr group laid out along ``point``, written chunk by chunk.

Layout: dims ``point`` (with the swept values and ``seed`` as coordinates), ``unit`` (with ``area``,
``index``, ``feature``), ``time`` when traces are kept, and ``chunk``. Every variable is chunked along
``point`` so that a sweep chunk covers whole Zarr chunks; each sweep chunk is written once with an
xarray region write, and then ``chunk_done[i]`` is set in its own Zarr chunk. Workers therefore never
write the same Zarr chunk and need no locks, and a chunk whose ``chunk_done`` is unset (a worker was
killed while writing it) is simply computed and written again on resume.

The store is created in a temporary folder next to its path and renamed into place, so a store at
the path always has complete metadata, including ``attrs['sweep_id']``: a hash of the spec, the points,
the seeds, the recording and the chunking. A rerun with another id is refused.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import time
import uuid
from pathlib import Path
import numpy as np
import xarray as xr

from neuroattn.exceptions import SweepError
from neuroattn.sweeps.plan import SweepPlan
from neuroattn.sweeps.space import describe_json

#: A chunk's lease expires after this many seconds (its owner is presumed dead).
LEASE_SECONDS = 6 * 3600
#: Target size of one Zarr chunk of trace data.
CHUNK_BYTES = 32 * 2**20


def _point_chunk(chunk_size: int, bytes_per_point: int) -> int:
    """The largest divisor of `chunk_size` whose Zarr chunk stays under `CHUNK_BYTES`."""
    best = 1
    for d in range(1, chunk_size + 1):
        if chunk_size % d == 0 and d * bytes_per_point <= CHUNK_BYTES:
            best = d
    return best


def template(plan: SweepPlan, spec, attrs: dict) -> tuple[xr.Dataset, dict]:
    """The store's full layout as lazy arrays, and the Zarr encoding (chunks) of each variable."""
    import dask.array as da

    from neuroattn.engine import recordable
    from neuroattn.results.attrs import SWEEP_VARS, path_attrs
    from neuroattn.results.dataset import unit_coords
    from neuroattn.sweeps.plan import METRICS

    K, N = plan.n_points, spec.n_units
    described = recordable(spec)
    coords = dict(unit_coords(spec))
    coords["point"] = ("point", np.arange(K), SWEEP_VARS["point"])
    coords["seed"] = ("point", np.asarray(plan.seeds, np.int64), SWEEP_VARS["seed"])
    coords["chunk"] = ("chunk", np.arange(plan.n_chunks), SWEEP_VARS["chunk"])
    for path, values in plan.columns.items():
        coords[path] = ("point", _coordinate(values), path_attrs(plan.base, path, values))
    times = plan.trace_times
    data, encoding = {}, {}
    c = plan.chunk_size
    if times is not None:
        coords["time"] = ("time", times, SWEEP_VARS["time"])
        T = len(times)
        pc = _point_chunk(c, T * N * 8)
        tc = T if pc * T * N * 8 <= CHUNK_BYTES else max(1, CHUNK_BYTES // (N * 8))
        for var in plan.variables:
            units, name = described[var]
            data[var] = (("point", "time", "unit"), da.full((K, T, N), np.nan, chunks=(pc, tc, N)),
                         {"units": units, "long_name": name})
            encoding[var] = {"chunks": (pc, tc, N)}
    if plan.final:
        for var, traced, name in (("u_final", "u", "state"), ("r_final", "r", "rate")):
            data[var] = (("point", "unit"), da.full((K, N), np.nan, chunks=(c, N)),
                         {"units": described[traced][0], "long_name": f"{name} at the end of the run"})
            encoding[var] = {"chunks": (c, N)}
    for var, (dims, shape, long_name) in spec.learned_variables().items():
        for dim, size in zip(dims, shape):
            coords.setdefault(dim, (dim, np.arange(size)))
        data[var] = (("point",) + dims, da.full((K,) + shape, np.nan, chunks=(c,) + shape),
                     {"units": "1", "long_name": long_name})
        encoding[var] = {"chunks": (c,) + shape}
    data["diverged"] = (("point",), da.zeros(K, dtype=bool, chunks=c), SWEEP_VARS["diverged"])
    encoding["diverged"] = {"chunks": (c,)}
    for name in plan.metrics:
        metric = METRICS[name]
        for area in plan.metric_areas:
            data[f"{name}_{area}"] = (("point",), da.full(K, metric.fill, dtype=metric.dtype, chunks=c),
                                      metric.attrs(area, described["r"][0]))
            encoding[f"{name}_{area}"] = {"chunks": (c,)}
    if plan.summary is not None:
        for name, (extra, dtype, fill, var_attrs) in plan.summary.variables(spec).items():
            dims, shape = ("point",) + tuple(d for d, _ in extra), (K,) + tuple(n for _, n in extra)
            for dim, size in extra:
                coords.setdefault(dim, (dim, np.arange(size)))
            data[name] = (dims, da.full(shape, fill, dtype=dtype, chunks=(c,) + shape[1:]), dict(var_attrs))
            encoding[name] = {"chunks": (c,) + shape[1:]}
    data["chunk_done"] = (("chunk",), da.zeros(plan.n_chunks, dtype=bool, chunks=1), SWEEP_VARS["chunk_done"])
    encoding["chunk_done"] = {"chunks": (1,)}
    return xr.Dataset(data, coords=coords, attrs=attrs), encoding


def _coordinate(values: list) -> np.ndarray:
    """Swept values as a coordinate: numbers stay numbers; times become seconds; lists become JSON text."""
    from neuroattn.spec.quantities import parse_time

    if all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, float)
    if all(isinstance(v, str) for v in values):
        try:
            return np.asarray([parse_time(v) for v in values], float)
        except ValueError:
            return np.asarray(values, str)
    return np.asarray([json.dumps(v) for v in values], str)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SweepStore:
    """A Zarr sweep store at `path` for `plan`: create it, or reopen it to resume."""

    def __init__(self, path, plan: SweepPlan):
        self.path = Path(path)
        self.plan = plan

    def open(self, spec, attrs: dict, *, overwrite: bool = False) -> "SweepStore":
        """Create the store, or check that an existing one belongs to this sweep."""
        if self.path.exists() and overwrite:
            shutil.rmtree(self.path)
            shutil.rmtree(self._lease(0).parent, ignore_errors=True)
        if self.path.exists():
            self._check_identity()
            return self
        if not self.path.resolve().parent.is_dir():
            raise SweepError(f"store: the folder {str(self.path.resolve().parent)!r} does not exist")
        self._clean_stale_temporaries()
        ds, encoding = template(self.plan, spec, attrs)
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.{os.getpid()}.tmp")
        try:
            ds.to_zarr(tmp, mode="w", compute=False, encoding=encoding, consolidated=True, zarr_format=2)
            try:
                os.rename(tmp, self.path)
            except OSError:
                if not self.path.exists():
                    raise
                self._check_identity()  # another run created the same store meanwhile: share it
        except OSError as err:
            raise SweepError(f"store: cannot create {str(self.path)!r} ({err.strerror or err})") from None
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return self

    def _clean_stale_temporaries(self) -> None:
        """Remove temporary folders that an interrupted creation of this store left (their process is gone)."""
        for tmp in self.path.parent.glob(f".{self.path.name}.*.tmp"):  # not the .leases folder
            pid = tmp.name.rsplit(".", 2)[-2]
            if pid.isdigit() and _alive(int(pid)):
                continue
            shutil.rmtree(tmp, ignore_errors=True)

    def _check_identity(self) -> None:
        try:
            stored = xr.open_zarr(self.path, consolidated=None)
        except Exception as err:  # not a Zarr store at all
            raise SweepError(f"store: {str(self.path)!r} exists and is not a sweep store ({err}); "
                             "choose another path or pass overwrite=True") from None
        with stored:
            sweep_id = stored.attrs.get("sweep_id")
            old_spec, old_space = stored.attrs.get("spec_hash"), stored.attrs.get("space")
        if sweep_id == self.plan.identity():
            return
        if sweep_id is None:
            raise SweepError(f"store: {str(self.path)!r} exists and was not written by a neuroattn sweep; "
                             "choose another path or pass overwrite=True")
        what = []
        from neuroattn.spec import NetworkSpec, spec_hash

        if old_spec != spec_hash(NetworkSpec.from_dict(self.plan.base)):
            what.append("the spec")
        if old_space != describe_json(self.plan.describe):
            what.append("the space")
        reason = " and ".join(what) or "the seeds, duration, recording or chunk size"
        verb = "differ" if "," in reason or " and " in reason else "differs"
        raise SweepError(f"store: {str(self.path)!r} holds a different sweep ({reason} {verb}); refusing to "
                         "mix them. Use a new store path, or overwrite=True (--overwrite) to start over")

    def done(self) -> np.ndarray:
        """Which chunks are complete."""
        with xr.open_zarr(self.path, consolidated=None) as ds:
            return ds["chunk_done"].values.astype(bool)

    def is_done(self, index: int) -> bool:
        """Whether chunk `index` is complete (read without dask: this runs inside Dask workers too)."""
        with xr.open_zarr(self.path, consolidated=None, chunks=None) as ds:
            return bool(ds["chunk_done"][index].values)

    def write_chunk(self, index: int, chunk: xr.Dataset) -> None:
        """Write chunk `index`'s points to their region, then mark the chunk done (and drop its lease).

        A failed write (a full disk, say) is one line; the chunk stays not done, so a rerun redoes it.
        """
        sl = self.plan.chunk_slice(index)
        out = chunk.drop_vars(list(chunk.coords))
        try:
            out.to_zarr(self.path, region={"point": sl}, consolidated=False)
            flag = xr.Dataset({"chunk_done": (("chunk",), np.ones(1, bool))})
            flag.to_zarr(self.path, region={"chunk": slice(index, index + 1)}, consolidated=False)
        except OSError as err:
            raise SweepError(f"store: cannot write chunk {index} to {str(self.path)!r} "
                             f"({err.strerror or err}); free the space and rerun to resume") from None
        finally:
            self.release(index)

    # -- leases: runs sharing a store compute each chunk once -------------------------------------
    def _lease(self, index: int) -> Path:
        """Leases live beside the store (inside it Zarr would take them for broken arrays)."""
        return self.path.with_name(f".{self.path.name}.leases") / str(index)

    def claim(self, index: int, timeout: float = LEASE_SECONDS) -> bool:
        """Take chunk `index` for this process (an atomic file), unless a live lease of another holds it.
        A lease older than `timeout`, or whose process on this host is gone, has expired."""
        lease = self._lease(index)
        lease.parent.mkdir(exist_ok=True)
        me = f"{socket.gethostname()} {os.getpid()} {time.time():.3f} {self.plan.run or '-'}"
        for _ in range(2):
            try:
                fd = os.open(lease, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if not self._expired(lease, timeout):
                    return False
                lease.unlink(missing_ok=True)  # a dead or stale owner: take over
                continue
            with os.fdopen(fd, "w") as f:
                f.write(me)
            return True
        return False

    def _expired(self, lease: Path, timeout: float) -> bool:
        """Expired: too old, its process on this host is gone, or it is this run's own (a task of this
        run that the cluster retried elsewhere)."""
        try:
            host, pid, stamp, run = lease.read_text().split()
        except (OSError, ValueError):
            return False  # being written right now
        if time.time() - float(stamp) > timeout or (self.plan.run and run == self.plan.run):
            return True
        return host == socket.gethostname() and not _alive(int(pid))

    def release(self, index: int) -> None:
        self._lease(index).unlink(missing_ok=True)

    def dataset(self) -> xr.Dataset:
        """The store, opened lazily (dask-backed)."""
        return xr.open_zarr(self.path, consolidated=None)


def open_sweep(path) -> xr.Dataset:
    """Open a sweep store lazily; `Dataset.load()` reads it into memory.

    Examples
    --------
    >>> ds = open_sweep("results.zarr")                          # doctest: +SKIP
    >>> ds.wta_index_V1.to_dataframe()                           # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise SweepError(f"store: no such sweep store {str(path)!r}")
    ds = xr.open_zarr(path, consolidated=None)
    if "sweep_id" not in ds.attrs:
        raise SweepError(f"store: {str(path)!r} was not written by a neuroattn sweep")
    return ds


def metrics_table(ds: xr.Dataset):
    """The per-point variables (metrics, ``diverged``) with the swept values, as a pandas DataFrame."""
    names = [v for v in ds.data_vars if ds[v].dims == ("point",)]
    return ds[names].reset_coords([c for c in ds.coords if ds[c].dims == ("point",) and c != "point"]) \
        .to_dataframe()


def unstack(ds: xr.Dataset) -> xr.Dataset:
    """A sweep along ``point`` laid out by the axes of its space: one dim per grid path, one dim per zip
    (or table, or sample) with its paths as coordinates along it, and ``seed`` when it varies.

    A zip of paired conditions stays one axis (no mostly-NaN hypercube over its paths).

    Examples
    --------
    >>> grid = unstack(open_sweep("weight_sweep.zarr"))                 # doctest: +SKIP
    >>> grid.wta_index_V1.plot(x="areas.V1.competition.beta")            # doctest: +SKIP
    >>> paired = unstack(na.sweep(spec, Grid({...}) * Zip({...}, name="cue"), "1 s"))  # doctest: +SKIP
    >>> paired.r_final.sel(cue=0)                                         # doctest: +SKIP
    """
    import pandas as pd

    from neuroattn.sweeps.space import axes

    if "space" not in ds.attrs or "point" not in ds.dims:
        raise SweepError("unstack: give a sweep along 'point' (its attrs['space'] describes the axes)")
    layout = axes(json.loads(ds.attrs["space"]))
    seeds = np.asarray(ds["seed"].values) if "seed" in ds.coords else np.zeros(ds.sizes["point"], int)
    n_seeds = len(json.loads(ds.attrs.get("seeds", "[0]")))
    sizes = [size for _, _, size in layout]
    if int(np.prod(sizes)) * n_seeds != ds.sizes["point"]:
        raise SweepError(f"unstack: the space has {int(np.prod(sizes))} x {n_seeds} points but the sweep "
                         f"{ds.sizes['point']}")
    k = np.arange(ds.sizes["point"])
    index = np.unravel_index(k // n_seeds, sizes) if sizes else ()
    levels = {dim: idx for (dim, _, _), idx in zip(layout, index)}
    if n_seeds > 1:
        levels["seed"] = seeds
    out = ds.drop_vars("chunk_done", errors="ignore").drop_dims("chunk", errors="ignore")
    point_coords = [c for c in out.coords if out[c].dims == ("point",)]
    described = {c: out[c] for c in point_coords}
    out = out.drop_vars(point_coords)
    multi = pd.MultiIndex.from_arrays(list(levels.values()), names=list(levels))
    out = out.assign_coords(xr.Coordinates.from_pandas_multiindex(multi, "point")).unstack("point")
    for (dim, paths, size), idx in zip(layout, index):
        at = np.array([np.flatnonzero(idx == j)[0] for j in range(size)])  # one point of each row
        if paths == [dim]:  # a grid path: its values are the axis
            out = out.assign_coords({dim: (dim, described[dim].values[at], described[dim].attrs)})
        else:
            out = out.assign_coords({dim: (dim, np.arange(size), {"units": "1", "long_name": dim})})
            out = out.assign_coords({p: (dim, described[p].values[at], described[p].attrs) for p in paths})
    if "seed" in out.dims:
        out["seed"].attrs.update(described["seed"].attrs)
    return out.transpose(*levels, ...)


def export_netcdf(ds: xr.Dataset, path) -> Path:
    """Write a sweep (store or in-memory result) to NetCDF."""
    path = Path(path)
    if path.suffix.lower() != ".nc":
        raise SweepError(f"netcdf: the file name must end in .nc (got {str(path)!r})")
    ds.load().to_netcdf(path, engine="netcdf4")
    return path


__all__ = ["SweepStore", "open_sweep", "metrics_table", "unstack", "export_netcdf", "template"]

