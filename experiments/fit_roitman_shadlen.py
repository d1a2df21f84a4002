"""Fit the Wong & Wang (2006) decision circuit to both monkeys of Roitman & Shadlen (2002).

Per monkey, five parameters are fitted to the choices and reaction times of every trial (likelihood
of the RT distributions of correct and error trials, from simulated trials): the motion input ``mu``
(nA, scaled by 1 +- coherence), the background input ``I0`` (nA), the input noise (nA), the decision
threshold on the winning population's NMDA gating ``S``, and the non-decision time. Differential evolution evaluates each generation as one
batched simulation (candidates x 6 coherences x trials, the same noise seeds for every candidate),
then Nelder-Mead refines the best; a profile of the likelihood gives 95 % intervals.

Prints the parameters with their uncertainty and the goodness of fit per coherence (data accuracy
with its 95 % binomial interval, the model's, median RTs), and saves ``roitman_shadlen_fit.png``:
psychometric and chronometric curves and RT quantiles per coherence, data and model.
Run: python experiments/fit_roitman_shadlen.py --out results   (resumes from its stores if rerun)
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

MU = "areas.LIP.dynamics.parameters.mu"
COH = "areas.LIP.dynamics.parameters.coh"
PARAMS = {MU: (0.005, 0.05, "log"), "areas.LIP.baseline": (0.30, 0.34), "stimuli[noise].noise.sigma": (0.005, 0.05, "log"),
          "objective.threshold": (0.3, 0.75), "objective.non_decision_time": (0.05, 0.5)}
OBJECTIVE = {"kind": "rt_likelihood", "area": "LIP", "var": "u", "threshold": 0.5, "conditions": {"coh": COH}}
RUN = {"duration": "2 s", "dt": "1 ms"}
#: Coherences at which the fitted model's curves are drawn (the six of the task and some between).
CURVE = np.array([0.0, 0.016, 0.032, 0.048, 0.064, 0.096, 0.128, 0.192, 0.256, 0.384, 0.512])


def fit_monkey(monkey: int, *, trials: int = 60, population: int = 20, generations: int = 30,
               local_iterations: int = 10, store=None, progress: bool = True, seed: int = 0):
    """The fit of one monkey (a `FitResult`)."""
    import neuroattn as na
    from neuroattn.data import roitman_shadlen

    return na.fit(na.models.wong_wang(), roitman_shadlen(monkey=monkey), PARAMS, OBJECTIVE,
                  method="differential_evolution", local="nelder-mead", trials=trials, seed=seed,
                  population=population, generations=generations, local_iterations=local_iterations,
                  store=store, progress=progress, **RUN)


def model_table(result, *, trials: int = 400, seed: int = 12345, coherences=CURVE) -> pd.DataFrame:
    """Behaviour of the fitted model (`trials` fresh trials per coherence), as `behaviour_table`."""
    import neuroattn as na
    from neuroattn.fitting import behaviour_table, synthetic_data

    trials_frame = synthetic_data(na.models.wong_wang(), result.params, result.objective,
                                  pd.DataFrame({"coh": coherences}), trials=trials, seed=seed, **RUN)
    return behaviour_table(trials_frame)


def goodness(data: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """Per coherence of the data: accuracy (data, its 95 % interval, model) and median RT of correct trials."""
    out = pd.DataFrame({"n": data.n, "acc_data": data.p_correct, "ci_low": data.ci_low, "ci_high": data.ci_high,
                        "acc_model": model.p_correct.reindex(data.index).to_numpy(),
                        "median_rt_data": data.rt_median,
                        "median_rt_model": model.rt_median.reindex(data.index).to_numpy()})
    out["acc_in_ci"] = (out.acc_model >= out.ci_low) & (out.acc_model <= out.ci_high)
    out["rt_error"] = out.median_rt_model / out.median_rt_data - 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results", help="folder for the fit stores and the figure")
    parser.add_argument("--monkeys", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--trials", type=int, default=60, help="simulated trials per coherence and candidate")
    parser.add_argument("--population", type=int, default=20)
    parser.add_argument("--generations", type=int, default=30)
    args = parser.parse_args()

    from neuroattn.data import ROITMAN_SHADLEN_CITATION, roitman_shadlen
    from neuroattn.fitting import behaviour_table
    from neuroattn.plotting import behaviour_fit

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"data: {ROITMAN_SHADLEN_CITATION}")
    tables = {}
    for monkey in args.monkeys:
        result = fit_monkey(monkey, trials=args.trials, population=args.population, generations=args.generations,
                            store=out / f"roitman_monkey{monkey}.zarr")
        data = behaviour_table(roitman_shadlen(monkey=monkey))
        model = model_table(result)
        tables[f"monkey {monkey}"] = (data, model)
        print(f"\nmonkey {monkey}: {result.n_data} trials, -log likelihood {result.value:.1f} "
              f"({result.history.sizes['evaluation']} candidates in {result.info['batches']} batches)")
        print(result.table().to_string(float_format=lambda v: f"{v:.4g}"))
        g = goodness(data, model)
        print(g.to_string(float_format=lambda v: f"{v:.3f}"))
        print(f"accuracy inside the data's 95 % interval at {int(g.acc_in_ci.sum())}/{len(g)} coherences; "
              f"median RTs within {100 * g.rt_error.abs().max():.1f} % (largest error)")
    path = out / "roitman_shadlen_fit.png"
    behaviour_fit(tables, path=path)
    print(f"-> {path}")


if __name__ == "__main__":
    main()
