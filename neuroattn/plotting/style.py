"""What every figure shares: axis labels with units, unit colours, and saving as PNG, PDF or SVG."""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Optional, Union

import numpy as np
import xarray as xr

#: Figure formats by file suffix (matplotlib's names).
FIGURE_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}
#: Distinguishable line colours (matplotlib's tab10); more units than this get a colour map and a colour bar.
MAX_LEGEND_UNITS = 10


def areas_to_draw(result: xr.Dataset, var: str, areas, what: str) -> list[str]:
    """The areas a per-area figure (`what`: traces, heatmap) draws, after checking that `result` is one
    point with traces of `var`; one-line errors otherwise."""
    from neuroattn.exceptions import NeuroAttnError

    if "point" in result.dims:
        raise NeuroAttnError(f"{what}: result has a 'point' dim; select one point first (result.isel(point=0))")
    if var not in result or "time" not in result[var].dims:
        raise NeuroAttnError(f"var: the result has no traces of {var!r} (recorded: "
                             f"{', '.join(v for v in result.data_vars if 'time' in result[v].dims)})")
    present = list(dict.fromkeys(result.area.values.tolist()))
    names = present if areas is None else list(areas)
    missing = [a for a in names if a not in present]
    if missing:
        raise NeuroAttnError(f"areas: no area named {missing[0]!r} in the result (areas: {', '.join(present)})")
    return names


def figure_format(path: Union[str, os.PathLike], what: str = "plot") -> str:
    """'png', 'pdf' or 'svg' from the suffix of `path`; anything else is a one-line error naming `what`."""
    from neuroattn.exceptions import NeuroAttnError

    suffix = Path(path).suffix.lower()
    if suffix not in FIGURE_FORMATS:
        raise NeuroAttnError(f"{what}: figures are saved as .png, .pdf or .svg, chosen by the suffix "
                             f"(got {str(path)!r})")
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise NeuroAttnError(f"{what}: the folder {str(parent)!r} does not exist")
    return FIGURE_FORMATS[suffix]


def save_figure(fig, path: Union[str, os.PathLike], what: str = "plot", dpi: int = 150) -> Path:
    """Save `fig` to `path` in the format its suffix names; the file appears only once it is complete."""
    fmt = figure_format(path, what)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight")
    Path(path).write_bytes(buffer.getvalue())
    return Path(path)


def display_unit(units: Optional[str]) -> str:
    """How a unit reads on an axis: rate-model quantities (``'1'``) are in arbitrary units."""
    units = "1" if units is None else str(units)
    return "a.u." if units == "1" or units.startswith("1 (") else units


def is_spiking(result: xr.Dataset, area: str) -> bool:
    """Whether `area` of `result` is a spiking area (its rates are binned spike counts, in Hz)."""
    if "spike_area" in result.coords and area in set(np.asarray(result.spike_area.values).tolist()):
        return True
    for var in ("u_final", "u"):  # u is NaN on spiking units
        if var in result and "unit" in result[var].dims:
            return bool(np.isnan(result[var].sel(unit=result.area == area)).all())
    return False


def quantity_label(result: xr.Dataset, var: str, area: Optional[str] = None) -> str:
    """``'rate r (a.u.)'``, ``'rate r (Hz)'``, ``'state u (a.u.)'``: the variable's name and unit."""
    names = {"r": "rate r", "u": "state u", "I": "input I", "E": "drive E", "v": "membrane potential v"}
    name = names.get(var, var)
    if var == "r" and area is not None and is_spiking(result, area):
        return f"{name} (Hz)"
    return f"{name} ({display_unit(result[var].attrs.get('units'))})"


def feature_name(result: xr.Dataset, area: str) -> str:
    """The name of the feature axis the units of `area` tile (``'location'``), from the stored spec."""
    spec = stored_spec(result)
    if spec is not None and area in spec.areas:
        return spec.areas[area].features.name
    return "feature"


def stored_spec(result: xr.Dataset):
    """The spec a result was run from (its provenance), or None."""
    text = result.attrs.get("spec")
    if not text:
        return None
    from neuroattn.spec import load_spec

    return load_spec(text)


def unit_colours(n: int):
    """`n` distinguishable colours (tab10 up to 10, a sampled colour map beyond)."""
    import matplotlib.pyplot as plt

    if n <= MAX_LEGEND_UNITS:
        return [plt.get_cmap("tab10")(k) for k in range(n)]
    return [plt.get_cmap("viridis")(k / max(n - 1, 1)) for k in range(n)]


def tidy(ax) -> None:
    """No top and right spines."""
    ax.spines[["top", "right"]].set_visible(False)


__all__ = ["FIGURE_FORMATS", "figure_format", "save_figure", "display_unit", "quantity_label", "feature_name",
           "stored_spec", "unit_colours", "is_spiking", "tidy", "MAX_LEGEND_UNITS"]
