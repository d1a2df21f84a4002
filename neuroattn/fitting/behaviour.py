"""Behaviour per condition: accuracy with binomial confidence intervals, reaction-time statistics.

The same table describes recorded trials and simulated ones (`synthetic_data` writes simulated trials
in the data's columns), so data and model are compared column by column.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

#: Reaction-time quantiles reported per condition (of correct trials).
QUANTILES = (0.1, 0.3, 0.5, 0.7, 0.9)


def clopper_pearson(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) binomial confidence interval of k successes in n trials."""
    from scipy.stats import beta

    k, n = np.asarray(k, float), np.asarray(n, float)
    a = (1 - level) / 2
    with np.errstate(all="ignore"):
        lo = np.where(k > 0, beta.ppf(a, k, n - k + 1), 0.0)
        hi = np.where(k < n, beta.ppf(1 - a, k + 1, n - k), 1.0)
    return lo, hi


def behaviour_table(data: pd.DataFrame, by: str = "coh", *, quantiles: Sequence[float] = QUANTILES,
                    level: float = 0.95) -> pd.DataFrame:
    """Per value of `by`: trials ``n``, ``p_correct`` with its ``ci_low``/``ci_high`` (Clopper-Pearson),
    and of correct trials the ``rt_median``, ``rt_mean``, ``rt_sem`` and the RT quantiles (``rt_q10`` …).

    Examples
    --------
    >>> from neuroattn.data import roitman_shadlen
    >>> behaviour_table(roitman_shadlen(monkey=1)).loc[0.512, "p_correct"]
    1.0
    """
    rows = {}
    for value, group in data.groupby(by):
        correct = group["correct"].to_numpy() > 0.5
        k, n = int(correct.sum()), len(group)
        lo, hi = clopper_pearson(k, n, level)
        rt = group["rt"].to_numpy()[correct]
        row = {"n": n, "p_correct": k / n, "ci_low": float(lo), "ci_high": float(hi),
               "rt_median": np.median(rt) if len(rt) else np.nan, "rt_mean": rt.mean() if len(rt) else np.nan,
               "rt_sem": rt.std(ddof=1) / np.sqrt(len(rt)) if len(rt) > 1 else np.nan}
        row.update({f"rt_q{round(q * 100)}": (np.quantile(rt, q) if len(rt) else np.nan) for q in quantiles})
        rows[value] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = by
    return out


__all__ = ["behaviour_table", "clopper_pearson", "QUANTILES"]
