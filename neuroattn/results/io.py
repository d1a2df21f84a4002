"""Saving and loading results as NetCDF (``.nc``) or Zarr (``.zarr``), chosen by the file suffix."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Union

import xarray as xr

from neuroattn.exceptions import NeuroAttnError

FORMATS = {".nc": "netcdf", ".zarr": "zarr"}


def result_format(path: Union[str, os.PathLike]) -> str:
    """'netcdf' or 'zarr' from the suffix of `path`; anything else is an error."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise NeuroAttnError(f"out: result files end in .nc (NetCDF) or .zarr (Zarr) (got {str(path)!r})")
    return FORMATS[suffix]


def result_format_check(path: Union[str, os.PathLike]) -> None:
    """Fail early (before a long run) if `path` is not a result file name, or its folder is missing."""
    result_format(path)
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise NeuroAttnError(f"out: the folder {str(parent)!r} does not exist")


def save(result: xr.Dataset, path: Union[str, os.PathLike]) -> Path:
    """Write `result` to `path` (overwriting); returns the path."""
    path = Path(path)
    if result_format(path) == "netcdf":
        result.to_netcdf(path, engine="netcdf4")
    else:
        result.to_zarr(path, mode="w", consolidated=True, zarr_format=2)  # v2: widely readable, strings stable
    return path


def load(path: Union[str, os.PathLike]) -> xr.Dataset:
    """Read a result written by `save`, fully into memory."""
    path = Path(path)
    fmt = result_format(path)
    if not path.exists():
        raise NeuroAttnError(f"result: no such file {str(path)!r}")
    if fmt == "netcdf":
        with xr.open_dataset(path, engine="netcdf4") as ds:
            return ds.load()
    with xr.open_zarr(path, consolidated=True) as ds:
        return ds.load()
