"""Objectives: how a fit compares simulated trials with recorded data. One class per kind, in one table.

Every objective is a frozen spec class registered in `OBJECTIVES` under its ``kind``. It says

- which data columns it needs (`columns`), and checks them (`check_data`);
- what each simulated trial keeps (`record`, `record_every`, `variables`, `summarise`): the fit's
  sweep stores hold these per-trial numbers (a decision time, a choice, window rates), not traces;
- how to score one candidate's trials against the data (`loss`, lower is better; `losses` scores a
  whole batch, by default one `loss` per candidate, in array code where an objective overrides it),
  what its model predicts per condition (`predict`), and how far the loss may rise above its minimum
  inside a 95 % interval of one parameter (`profile_delta`).

``conditions`` maps data columns to spec paths: each distinct row of those columns is one experimental
condition, simulated by setting the paths to the row's values (``{coh: areas.LIP.dynamics.parameters.coh}``).

A new objective is one class::

    @OBJECTIVES.register
    class MeanRate(Objective):
        kind: Literal["mean_rate"] = "mean_rate"
        ...
"""
from __future__ import annotations

import json
from typing import Any, ClassVar, Literal, Optional

import numpy as np
import pandas as pd
import xarray as xr
from pydantic import Field, PositiveFloat

from neuroattn.analysis.decisions import decision_times, first_crossing
from neuroattn.exceptions import FitError
from neuroattn.spec.base import SpecModel
from neuroattn.spec.kinds import KindTable

#: Chi-square quantile (1 degree of freedom, 95 %) over two: the rise of a negative log-likelihood
#: that bounds a 95 % profile interval.
HALF_CHI2_95 = 1.920729


def _shorthand(value: Any) -> Any:
    return {"kind": value} if isinstance(value, str) else value


OBJECTIVES = KindTable("kind", "objective", shorthand=_shorthand)


class Objective(SpecModel):
    """Base of every objective; see the module docstring for what a subclass provides."""

    kind: str
    conditions: dict[str, str] = Field(default_factory=dict)

    #: Fields that a fit may vary as parameters (``objective.<field>``); they act on the readout only.
    fittable: ClassVar[tuple[str, ...]] = ()

    @property
    def record(self) -> tuple[str, ...]:
        """Variables traced for `summarise` (none: it reads the final state)."""
        return ()

    @property
    def record_every(self) -> float:
        """Seconds between the samples of the traced variables."""
        return 1e-3

    def columns(self) -> list[str]:
        """The data columns this objective reads."""
        return list(self.conditions)

    def check_data(self, data: pd.DataFrame) -> pd.DataFrame:
        """`data` reduced to its needed columns; a one-line `FitError` for a missing column or a NaN."""
        if not isinstance(data, pd.DataFrame):
            raise FitError(f"data: must be a pandas DataFrame (got {type(data).__name__})")
        if len(data) == 0:
            raise FitError("data: has no rows")
        for column in self.columns():
            if column not in data.columns:
                raise FitError(f"data: the {self.kind} objective needs a column {column!r} "
                               f"(data has: {', '.join(map(str, data.columns))})")
            values = pd.to_numeric(data[column], errors="coerce")
            bad = np.flatnonzero(~np.isfinite(values.to_numpy(float)))
            if len(bad):
                raise FitError(f"data.{column}: must be a finite number in every row (row {bad[0]} holds "
                               f"{data[column].iloc[bad[0]]!r})")
        return data[self.columns()].apply(pd.to_numeric).reset_index(drop=True)

    def variables(self, spec) -> dict[str, tuple]:
        """Per-trial numbers kept in the store: name -> (extra dims as ((dim, size), ...), dtype, fill, attrs)."""
        raise NotImplementedError

    def summarise(self, result: xr.Dataset) -> dict[str, xr.DataArray]:
        """The per-trial numbers of a batch result (one DataArray over ``point`` per variable)."""
        raise NotImplementedError

    def loss(self, trials: pd.DataFrame, data: pd.DataFrame) -> float:
        """Score one candidate: `trials` holds its simulated trials (the `variables`, a ``condition``
        column indexing `condition_table` rows) and `data` the checked data with a ``condition`` column."""
        raise NotImplementedError

    def losses(self, values: dict[str, np.ndarray], condition: np.ndarray, data: pd.DataFrame,
               table: pd.DataFrame) -> np.ndarray:
        """Scores of S candidates at once: ``values[name]`` holds each candidate's trials, shape
        ``(S, R, ...)`` (the `variables`, every candidate's R trials in the same order), and
        `condition` (R,) the row of `table` each trial ran. This default scores one candidate after
        another with `loss`; an objective whose score is array code overrides it (one pass for a
        whole generation) and defines `loss` through it."""
        n = len(next(iter(values.values())))
        out = np.empty(n)
        for s in range(n):
            frame = pd.DataFrame({"condition": condition})
            for name, v in values.items():
                frame[name] = list(v[s]) if v.ndim > 2 else v[s]
            frame.attrs["table"] = table
            out[s] = self.loss(frame, data)
        return out

    def predict(self, trials: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
        """What the model predicts per condition (one row per row of the condition table)."""
        raise NotImplementedError

    def profile_delta(self, value: float, n_data: int, n_params: int) -> float:
        """How far the loss may rise above its minimum inside a 95 % interval of one parameter."""
        return HALF_CHI2_95

    def synthetic(self, trials: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
        """Simulated trials written as data this objective reads (for parameter-recovery studies)."""
        raise NotImplementedError

    def n_data(self, data: pd.DataFrame) -> int:
        return len(data)

    def identity(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True)


class _Decisions(Objective):
    """Trials decided by the first threshold crossing of one unit of `area` (a race).

    With `levels` (set by `fit` when ``objective.threshold`` is fitted), each trial keeps its crossing at
    every level, and the crossing at `threshold` is interpolated between the two levels around it: the
    running maximum of the race rises monotonically, so the interpolation is faithful, and the
    threshold can vary between candidates that share one simulation.
    """

    area: str
    threshold: float
    var: str = "r"
    correct_unit: int = Field(0, ge=0)
    sample_every: PositiveFloat = 5e-3  # seconds between samples of the traced variable (interpolated)
    levels: Optional[tuple[float, ...]] = None

    @property
    def record(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.var,)

    @property
    def record_every(self) -> float:
        return self.sample_every

    def variables(self, spec) -> dict[str, tuple]:
        if self.area not in spec.areas:
            raise FitError(f"objective.area: no area named {self.area!r} (areas: {', '.join(spec.areas)})")
        extra = () if self.levels is None else (("level", len(self.levels)),)
        return {"decision_time": (extra, np.float64, np.nan, {"units": "s", "long_name": "first threshold crossing"}),
                "choice": (extra, np.int64, -1, {"units": "1", "long_name": "unit that crossed first (-1: none)"})}

    def summarise(self, result: xr.Dataset) -> dict[str, xr.DataArray]:
        if self.levels is None:
            out = decision_times(result, self.area, self.threshold, var=self.var)
            return {name: out[name].drop_vars([c for c in out[name].coords if c != "point"]) for name in out}
        x = result[self.var].sel(unit=(result.area == self.area).values).transpose("point", "time", "unit")
        crossings = [first_crossing(x.values, x.time.values, level) for level in self.levels]
        return {name: xr.DataArray(np.stack([c[i] for c in crossings], axis=1), dims=("point", "level"))
                for i, name in enumerate(("decision_time", "choice"))}

    def decisions(self, trials: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(decision time, choice) of every trial at `threshold`."""
        if self.levels is None:
            return trials["decision_time"].to_numpy(float), trials["choice"].to_numpy()
        levels = np.asarray(self.levels)
        if not levels[0] <= self.threshold <= levels[-1]:
            raise FitError(f"objective.threshold: {self.threshold:g} lies outside the recorded levels "
                           f"[{levels[0]:g}, {levels[-1]:g}]")
        times = np.stack(trials["decision_time"].to_numpy())
        choices = np.stack(trials["choice"].to_numpy())
        k = int(np.clip(np.searchsorted(levels, self.threshold) - 1, 0, len(levels) - 2))
        w = (self.threshold - levels[k]) / (levels[k + 1] - levels[k])
        time = (1 - w) * times[:, k] + w * times[:, k + 1]
        choice = np.where(w > 0, choices[:, k + 1], choices[:, k])
        undecided = choice < 0
        return np.where(undecided, np.nan, time), choice

    def synthetic(self, trials, table) -> pd.DataFrame:
        time, choice = self.decisions(trials)
        decided = choice >= 0
        out = table.iloc[trials["condition"].to_numpy()[decided]].reset_index(drop=True)
        out["rt"] = time[decided] + getattr(self, "non_decision_time", 0.0)
        out["correct"] = (choice[decided] == self.correct_unit).astype(float)
        return out


@OBJECTIVES.register
class Binomial(_Decisions):
    """Binomial likelihood of choices: ``-sum log p(choice)`` with p the simulated share of correct
    choices per condition, ``(k + 1/2) / (n + 1)`` so that no share is 0 or 1. A trial without a
    crossing counts as a guess (half correct). Data: the condition columns and ``correct`` (0 or 1)."""

    kind: Literal["binomial"] = "binomial"

    def columns(self) -> list[str]:
        return list(self.conditions) + ["correct"]

    fittable: ClassVar[tuple[str, ...]] = ("threshold",)

    def _p_correct(self, trials: pd.DataFrame) -> pd.Series:
        choice = self.decisions(trials)[1]
        score = np.where(choice < 0, 0.5, (choice == self.correct_unit).astype(float))
        grouped = pd.Series(score, index=trials.index).groupby(trials["condition"])
        return (grouped.sum() + 0.5) / (grouped.count() + 1.0)

    def loss(self, trials, data) -> float:
        p = self._p_correct(trials).reindex(data["condition"]).to_numpy()
        y = data["correct"].to_numpy(float)
        return float(-np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))

    def predict(self, trials, table) -> pd.DataFrame:
        out = table.copy()
        out["p_correct"] = self._p_correct(trials).reindex(range(len(table))).to_numpy()
        return out


@OBJECTIVES.register
class RTLikelihood(_Decisions):
    """Likelihood of choices and reaction times, from simulated trials (probability density
    approximation, Turner & Sederberg 2014).

    Per condition and response (correct or error) the simulated reaction times (decision time plus
    `non_decision_time`) give a Gaussian kernel density (Silverman's bandwidth, at least
    `min_bandwidth`) scaled by the share of trials with that response, so choices and times are scored
    together; trials without a crossing are mass the data cannot use. Each data trial's density is
    mixed with a uniform contaminant (`contaminant`, over [0, `rt_max`]) so that one odd trial cannot
    dominate. Loss: ``-sum log density``. Data: the condition columns, ``rt`` (s) and ``correct``."""

    kind: Literal["rt_likelihood"] = "rt_likelihood"
    non_decision_time: float = Field(0.3, ge=0)
    min_bandwidth: PositiveFloat = 0.01
    contaminant: float = Field(0.01, ge=0, lt=1)
    rt_max: PositiveFloat = 3.0
    fittable: ClassVar[tuple[str, ...]] = ("threshold", "non_decision_time")

    def columns(self) -> list[str]:
        return list(self.conditions) + ["rt", "correct"]

    def _groups(self, trials: pd.DataFrame):
        time, choice = self.decisions(trials)
        rt = time + self.non_decision_time
        for c, index in trials.groupby("condition").indices.items():
            yield c, len(index), {1: rt[index][choice[index] == self.correct_unit],
                                  0: rt[index][(choice[index] != self.correct_unit) & (choice[index] >= 0)]}

    def _density(self, sims: np.ndarray, n_total: int, x: np.ndarray) -> np.ndarray:
        if len(sims) == 0:
            return np.zeros_like(x)
        sd = np.std(sims)
        iqr = np.subtract(*np.percentile(sims, [75, 25])) / 1.34 if len(sims) > 1 else 0.0
        spread = min(sd, iqr) if iqr > 0 else sd
        h = max(0.9 * spread * len(sims) ** -0.2, self.min_bandwidth)
        z = (x[:, None] - sims[None, :]) / h
        return np.exp(-0.5 * z * z).sum(1) / (n_total * h * np.sqrt(2 * np.pi))

    def loss(self, trials, data) -> float:
        total = 0.0
        by_condition = data.groupby("condition").indices
        for c, n, sims in self._groups(trials):
            rows = by_condition.get(c)
            if rows is None:
                continue
            rt = data["rt"].to_numpy()[rows]
            correct = data["correct"].to_numpy()[rows] > 0.5
            dens = np.empty(len(rows))
            for response in (0, 1):
                mask = correct == bool(response)
                dens[mask] = self._density(sims[response], n, rt[mask])
            mixed = (1 - self.contaminant) * dens + self.contaminant * 0.5 / self.rt_max
            total -= float(np.sum(np.log(np.maximum(mixed, 1e-300))))
        return total

    def predict(self, trials, table) -> pd.DataFrame:
        rows = []
        for c, n, sims in self._groups(trials):
            decided = len(sims[0]) + len(sims[1])
            q = np.quantile(sims[1], [0.1, 0.3, 0.5, 0.7, 0.9]) if len(sims[1]) else [np.nan] * 5
            rows.append({"condition": c, "p_correct": (len(sims[1]) + 0.5 * (n - decided)) / n,
                         "p_decided": decided / n, "rt_mean_correct": np.mean(sims[1]) if len(sims[1]) else np.nan,
                         **{f"rt_q{int(p * 100)}": v for p, v in zip((0.1, 0.3, 0.5, 0.7, 0.9), q)}})
        return table.join(pd.DataFrame(rows).set_index("condition"))


@OBJECTIVES.register
class SquaredError(Objective):
    """Sum of squared differences between data and model rates (a tuning curve, a population profile).

    The model's value per unit is `var` averaged over `window` (seconds; the final value when None)
    and over trials. Data: the condition columns, ``unit`` (index within `area`) and ``rate``. With
    `normalize_to` (``{attention: 0}``), model and data are each divided by their maximum over the rows
    of that reference condition, so shapes and relative gains are fitted, not absolute scales. The
    profile interval assumes Gaussian errors of variance ``SSE/(n - p)``."""

    kind: Literal["squared_error"] = "squared_error"
    area: str
    var: str = "r"
    window: Optional[tuple[float, float]] = None
    normalize_to: Optional[dict[str, float]] = None
    sample_every: PositiveFloat = 1e-3

    @property
    def record(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.var,) if self.window is not None else ()

    @property
    def record_every(self) -> float:
        return self.sample_every

    def columns(self) -> list[str]:
        return list(self.conditions) + ["unit", "rate"]

    def check_data(self, data):
        checked = super().check_data(data)
        if self.normalize_to is not None:
            missing = [c for c in self.normalize_to if c not in self.conditions]
            if missing:
                raise FitError(f"objective.normalize_to: {missing[0]!r} is not a condition column "
                               f"(conditions: {', '.join(self.conditions) or 'none'})")
        return checked

    def variables(self, spec) -> dict[str, tuple]:
        if self.area not in spec.areas:
            raise FitError(f"objective.area: no area named {self.area!r} (areas: {', '.join(spec.areas)})")
        return {"rates": ((("area_unit", spec.areas[self.area].n),), np.float64, np.nan,
                          {"units": "1", "long_name": f"{self.var} of {self.area} per unit"})}

    def summarise(self, result: xr.Dataset) -> dict[str, xr.DataArray]:
        from neuroattn.analysis import area_rates

        window = None if self.window is None else tuple(self.window)
        rates = area_rates(result, self.area, window=window, var=self.var).transpose("point", "unit")
        return {"rates": xr.DataArray(rates.values, dims=("point", "area_unit"))}

    @staticmethod
    def _models(rates: np.ndarray, condition: np.ndarray, n_conditions: int) -> np.ndarray:
        """(S, conditions, units) model values of S candidates' trials `rates` (S, R, units), averaged
        over each condition's trials."""
        out = np.full((rates.shape[0], n_conditions, rates.shape[2]), np.nan)
        for c in np.unique(condition):
            out[:, c] = rates[:, condition == c].mean(1)
        return out

    def _model(self, trials: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
        """(conditions, units) model values, averaged over trials."""
        return self._models(np.stack(trials["rates"].to_numpy())[None], trials["condition"].to_numpy(), len(table))[0]

    def _reference(self, table: pd.DataFrame) -> np.ndarray:
        return np.all([table[k].to_numpy() == v for k, v in self.normalize_to.items()], axis=0)

    def _pairs(self, model: np.ndarray, data, table) -> tuple[np.ndarray, np.ndarray]:
        """(predicted (S, rows), observed (rows,)) for the data's rows, from S candidates' `model`."""
        units = data["unit"].to_numpy().astype(int)
        if units.min() < 0 or units.max() >= model.shape[2]:
            raise FitError(f"data.unit: must index a unit of {self.area} (0 to {model.shape[2] - 1}; "
                           f"got {units.min() if units.min() < 0 else units.max()})")
        predicted = model[:, data["condition"].to_numpy(), units]
        observed = data["rate"].to_numpy(float)
        if self.normalize_to is not None:
            ref = self._reference(table)
            in_ref = ref[data["condition"].to_numpy()]
            if not in_ref.any():
                raise FitError(f"objective.normalize_to: no data row has {self.normalize_to}")
            predicted = predicted / np.max(np.abs(model[:, ref].reshape(len(model), -1)), axis=1)[:, None]
            observed = observed / np.max(np.abs(observed[in_ref]))
        return predicted, observed

    def losses(self, values, condition, data, table) -> np.ndarray:
        predicted, observed = self._pairs(self._models(values["rates"], condition, len(table)), data, table)
        # rows in C order: each candidate's sum runs in the same order as for that candidate alone
        err = np.sum(np.ascontiguousarray(predicted - observed) ** 2, axis=1)
        return np.where(np.isfinite(err), err, np.inf)

    def loss(self, trials, data) -> float:
        values = {"rates": np.stack(trials["rates"].to_numpy())[None]}
        return float(self.losses(values, trials["condition"].to_numpy(), data, trials.attrs["table"])[0])

    def predict(self, trials, table) -> pd.DataFrame:
        model = self._model(trials, table)
        rows = [{**table.iloc[c].to_dict(), "unit": u, "rate": model[c, u]}
                for c in range(len(table)) for u in range(model.shape[1])]
        out = pd.DataFrame(rows)
        if self.normalize_to is not None:
            out["rate_normalized"] = out["rate"] / np.max(np.abs(model[self._reference(table)]))
        return out

    def profile_delta(self, value, n_data, n_params) -> float:
        return 2 * HALF_CHI2_95 * value / max(n_data - n_params, 1)

    def synthetic(self, trials, table) -> pd.DataFrame:
        return self.predict(trials, table)[list(table.columns) + ["unit", "rate"]]


__all__ = ["OBJECTIVES", "Objective", "Binomial", "RTLikelihood", "SquaredError", "HALF_CHI2_95"]
