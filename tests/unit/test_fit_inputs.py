"""Bad input to `fit`, `synthetic_data` and fit files: one line naming the field, before anything runs."""
import numpy as np
import pandas as pd
import pytest

import neuroattn as na
from neuroattn.exceptions import FitError
from neuroattn.fitting import synthetic_data

P = "areas.V4.dynamics.parameters."
OBJ = {"kind": "squared_error", "area": "V4", "conditions": {"c": P + "c"}}


def _data():
    return pd.DataFrame({"c": [0.5, 0.5, 1.0, 1.0], "unit": [0, 1, 0, 1], "rate": [0.1, 0.2, 0.3, 0.4]})


def _fit(tmp_path=None, **changes):
    kwargs = dict(spec=na.models.tuned_population(), data=_data(), params={P + "g": (0.5, 2.0)}, objective=OBJ,
                  duration="20 ms", dt="1 ms", population=5, generations=0, progress=False)
    kwargs.update(changes)
    if tmp_path is not None:
        kwargs["store"] = tmp_path / "fit.zarr"
    return na.fit(**kwargs)


@pytest.mark.parametrize("changes, message", [
    ({"params": {"areas.V4.dynamics.parameters.gain": (0.5, 2.0)}}, "params: "),
    ({"params": {"areas.V9.tau": (0.5, 2.0)}}, "params: "),
    ({"params": {P + "g": (2.0, 0.5)}}, f"params.{P}g: bounds must have lo < hi"),
    ({"params": {P + "g": (1.0, 1.0)}}, f"params.{P}g: bounds must have lo < hi"),
    ({"params": {P + "g": (0.0, 1.0, "log")}}, f"params.{P}g: log-scaled bounds must be positive"),
    ({"params": {P + "g": (0.0, float("nan"))}}, f"params.{P}g.hi: must be finite"),
    ({"params": {P + "g": (0.0, 1.0, "cubic")}}, f"params.{P}g: the third item must be 'log'"),
    ({"params": {P + "g": "wide"}}, f"params.{P}g: give bounds as (lo, hi)"),
    ({"params": {P + "x": (0.0, 1.0)}}, f"params: '{P}x' holds"),
    ({"params": {}}, "params: give at least one"),
    ({"params": {"objective.window": (0.0, 1.0)}}, "params: 'objective.window' is not a fittable field"),
    ({"data": _data().drop(columns="rate")}, "data: the squared_error objective needs a column 'rate'"),
    ({"data": _data().rename(columns={"c": "contrast"})}, "data: the squared_error objective needs a column 'c'"),
    ({"data": _data().assign(rate=[0.1, np.nan, 0.3, 0.4])}, "data.rate: must be a finite number in every row (row 1"),
    ({"data": _data().assign(c=[0.5, 0.5, np.inf, 1.0])}, "data.c: must be a finite number in every row (row 2"),
    ({"data": _data().iloc[:0]}, "data: has no rows"),
    ({"data": [1, 2, 3]}, "data: must be a pandas DataFrame"),
    ({"objective": "least_squares"}, "objective.kind: unknown objective 'least_squares'"),
    ({"objective": {**OBJ, "area": "V9"}}, "objective.area: no area named 'V9'"),
    ({"objective": {**OBJ, "windw": (0, 1)}}, "objective.windw: unknown field"),
    ({"objective": {**OBJ, "conditions": {"c": P + "contrast"}}}, "params: "),
    ({"objective": {**OBJ, "normalize_to": {"attention": 0}}}, "objective.normalize_to: 'attention' is not a condition"),
    ({"method": "simplex"}, "method: must be one of differential_evolution"),
    ({"local": "bfgs"}, "local: must be one of l-bfgs-b, nelder-mead"),
    ({"trials": 0}, "trials: must be a whole number >= 1"),
    ({"population": 2}, "population: must be a whole number >= 5"),
    ({"duration": "-1 s"}, "duration: must be a positive time"),
    ({"seed": -1}, "seed: must be a whole number from 0 to 2**32 - 1"),
])
def test_bad_input_is_one_line_naming_the_field(changes, message):
    with pytest.raises(FitError) as err:
        _fit(**changes)
    text = str(err.value)
    assert message in text, text
    assert "\n" not in text


def test_bad_input_writes_no_store(tmp_path):
    with pytest.raises(FitError, match=r"^params\.areas\.V4\.dynamics\.parameters\.g: bounds must have lo < hi"):
        _fit(tmp_path, params={P + "g": (2.0, 0.5)})
    assert not (tmp_path / "fit.zarr").exists()


def test_synthetic_data_needs_the_condition_columns():
    with pytest.raises(FitError, match="conditions: needs the column 'c'"):
        synthetic_data(na.models.tuned_population(), {P + "g": 1.0}, OBJ, pd.DataFrame({"contrast": [1.0]}))


def test_bad_fit_file_is_one_line_with_status_2(tmp_path, capsys):
    from neuroattn.cli import main

    fit_file = tmp_path / "fit.yaml"
    fit_file.write_text("model: nowhere.yaml\ndata: roitman_shadlen\nparams: {areas.LIP.baseline: [0.3, 0.2]}\n")
    assert main(["fit", str(fit_file), "--out", str(tmp_path / "out.zarr")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("neuroattn: error: fit file") and "model: no such file" in err and "\n" not in err
    fit_file.write_text("model: m.yaml\ndata: roitman_shadlen\nparams: {}\nmethd: x\n")
    assert main(["fit", str(fit_file), "--out", str(tmp_path / "out.zarr")]) == 2
    assert "methd: unknown field" in capsys.readouterr().err
    assert not (tmp_path / "out.zarr").exists()
