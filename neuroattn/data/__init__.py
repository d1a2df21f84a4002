"""Recorded data shipped with neuroattn (see ``README.md`` in this folder for sources and citations).

Examples
--------
>>> from neuroattn.data import roitman_shadlen
>>> len(roitman_shadlen())
6149
>>> sorted(roitman_shadlen(monkey=1).coh.unique())[-1]
0.512
"""
from __future__ import annotations

from importlib import resources
from typing import Optional

#: How to cite the Roitman & Shadlen data.
ROITMAN_SHADLEN_CITATION = ("Roitman, J. D. & Shadlen, M. N. (2002). Response of neurons in the lateral "
                            "intraparietal area during a combined visual discrimination reaction time task. "
                            "J. Neurosci. 22(21):9475-9489. Table via the PyDDM project (MIT licence).")


def roitman_shadlen(monkey: Optional[int] = None):
    """The random-dot reaction-time task of Roitman & Shadlen (2002): one row per trial.

    Columns: ``monkey`` (1, 2), ``rt`` (s, saccade onset minus stimulus onset), ``coh`` (motion
    coherence, a proportion), ``correct`` (1.0 or 0.0), ``trgchoice`` (target chosen, 1 or 2).
    `monkey` selects one animal. Cite `ROITMAN_SHADLEN_CITATION`.
    """
    import pandas as pd

    from neuroattn.exceptions import NeuroAttnError

    with resources.files(__package__).joinpath("roitman_rts.csv").open("r") as f:
        data = pd.read_csv(f)
    if monkey is not None:
        if monkey not in (1, 2):
            raise NeuroAttnError(f"monkey: must be 1 or 2 (got {monkey!r})")
        data = data[data.monkey == monkey].reset_index(drop=True)
    data.attrs["citation"] = ROITMAN_SHADLEN_CITATION
    return data


__all__ = ["roitman_shadlen", "ROITMAN_SHADLEN_CITATION"]
