"""Results: the Dataset schema, provenance, and NetCDF/Zarr input and output."""
from neuroattn.results.attrs import describe, path_attrs
from neuroattn.results.dataset import make_dataset, squeeze_point, unit_coords
from neuroattn.results.io import load, result_format_check, save
from neuroattn.results.learned import learned_spec
from neuroattn.results.provenance import provenance, versions

__all__ = ["describe", "path_attrs", "make_dataset", "squeeze_point", "unit_coords", "load", "save",
           "result_format_check", "provenance", "versions", "learned_spec"]
