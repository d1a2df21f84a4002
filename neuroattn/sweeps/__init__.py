"""Parameter sweeps: spaces over dotted spec paths → chunks → runners → a resumable Zarr store.

Examples
--------
>>> import numpy as np, neuroattn as na
>>> ds = na.sweep(na.models.seed_competition(), {"areas.V1.competition.beta": np.linspace(0, 4, 50)},
...               "1 s", metrics=["wta_index", "regime"], store="beta.zarr")      # doctest: +SKIP
"""
from neuroattn.sweeps.conditions import compare
from neuroattn.sweeps.paths import apply, get_value, parse_path
from neuroattn.sweeps.plan import METRICS, SweepPlan
from neuroattn.sweeps.runners import BACKENDS
from neuroattn.sweeps.space import Grid, Product, Sample, Space, Table, Zip, as_space, from_config
from neuroattn.sweeps.store import SweepStore, export_netcdf, metrics_table, open_sweep, unstack
from neuroattn.sweeps.sweep import make_plan, run_plan, sweep

__all__ = ["sweep", "make_plan", "run_plan", "compare", "Grid", "Zip", "Table", "Sample", "Product", "Space",
           "as_space", "from_config", "open_sweep", "metrics_table", "unstack", "export_netcdf", "SweepStore", "SweepPlan",
           "METRICS", "BACKENDS", "parse_path", "get_value", "apply"]
