"""Benchmark: a fit whose generations are batched simulations vs the same optimiser simulating each candidate.

    python benchmarks/bench_fit.py                      # population 30 x 40 generations, both sides
    python benchmarks/bench_fit.py --generations 10     # shorter, same comparison

Workload: the parameter-recovery fit of the tests. `neuroattn.models.tuned_population` (8 units,
Gaussian tuning, divisive normalisation, OU input noise) with three free parameters (gain, tuning
width, normalisation), data simulated from known values at three contrasts; each candidate runs
3 contrasts x 4 noise seeds of 200 ms at dt 1 ms and is scored by the squared error of its window
rates. scipy's `differential_evolution` (population 30, Latin hypercube start, same seed, tol 0.01,
no polish) runs twice in this process:

- batched: `neuroattn.fit`, where each generation (30 candidates x 12 trials) is one sweep, i.e.
  one batched Brian2 network of 360 points (built at the first generation and run again with each
  generation's numbers; the swept parameters reach it as per-point arrays of one spec);
- per candidate: the same optimiser calling `neuroattn.simulate_batch` once per candidate (its 12
  trials), with the same noise seeds and the same objective code.

Both use common random numbers, so they see the same losses and should end at the same optimum.
Brian2's import and first network are excluded by a warm-up on each side. The last line reads
``fit speedup <ratio>x, same optimum <True|False>``.
"""
import argparse
import time

import numpy as np
import pandas as pd

import neuroattn as na

P = "areas.V4.dynamics.parameters."
TRUE = {P + "g": 1.5, P + "width": 1.2, P + "beta": 2.0}
BOUNDS = {P + "g": (0.5, 4.0, "log"), P + "width": (0.5, 3.0), P + "beta": (0.1, 10.0, "log")}
OBJ = {"kind": "squared_error", "area": "V4", "window": (0.1, 0.2), "conditions": {"c": P + "c"}}
RUN = dict(duration="200 ms", dt="1 ms")
TRIALS, SEED = 4, 0


def data() -> pd.DataFrame:
    from neuroattn.fitting import synthetic_data

    return synthetic_data(na.models.tuned_population(), TRUE, OBJ, pd.DataFrame({"c": [0.25, 0.5, 1.0]}),
                          trials=20, seed=1000, **RUN)


def batched(frame, population: int, generations: int):
    started = time.perf_counter()
    res = na.fit(na.models.tuned_population(), frame, BOUNDS, OBJ, trials=TRIALS, seed=SEED, population=population,
                 generations=generations, local=None, profile=False, progress=False, **RUN)
    return time.perf_counter() - started, res.params, res.value, res.history.sizes["evaluation"]


def per_candidate(frame, population: int, generations: int):
    """scipy's optimiser exactly as `fit` sets it up, calling `simulate_batch` once per candidate."""
    from scipy.optimize import differential_evolution
    from scipy.stats import qmc

    from neuroattn.fitting.fit import _Evaluator
    from neuroattn.fitting.parameters import parse_params

    spec = na.models.tuned_population()
    objective = na.fitting.as_objective(OBJ)
    parameters = parse_params(BOUNDS, spec, objective)
    ev = _Evaluator(spec, frame, parameters, objective, trials=TRIALS, seed=SEED, store=None, backend="batched",
                    workers=None, scheduler=None, chunk_size=None, target=None, **RUN)
    coh = ev.table["c"].to_numpy()
    record_every = int(round(objective.record_every / 1e-3))
    evaluated = []

    def one(z):
        values = {p.path: p.spec_value(p.value(zi)) for p, zi in zip(parameters, z)}
        specs = [spec.replace({**values, P + "c": float(c)}) for c in coh for _ in ev.seeds]
        res = na.simulate_batch(specs, RUN["duration"], dt=RUN["dt"], seed=ev.seeds * len(coh), record=["r"],
                                record_every=record_every, progress=False)
        trials = pd.DataFrame({"condition": np.repeat(np.arange(len(coh)), len(ev.seeds))})
        trials["rates"] = list(objective.summarise(res)["rates"].values)
        trials.attrs["table"] = ev.table
        loss = objective.loss(trials, ev.data)
        evaluated.append((loss, np.asarray(z).copy()))
        return loss

    rng = np.random.default_rng(np.random.SeedSequence([SEED, 1]))
    init = qmc.LatinHypercube(d=len(parameters), rng=rng).random(population)
    started = time.perf_counter()
    differential_evolution(lambda Z: np.array([one(z) for z in Z.T]), [(0.0, 1.0)] * len(parameters),
                           vectorized=True, updating="deferred", init=init, maxiter=generations, tol=0.01,
                           polish=False, rng=rng)
    wall = time.perf_counter() - started
    loss, z = min(evaluated, key=lambda e: e[0])
    return wall, {p.path: float(p.value(zi)) for p, zi in zip(parameters, z)}, loss, len(evaluated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=30)
    parser.add_argument("--generations", type=int, default=40)
    args = parser.parse_args()
    frame = data()
    batched(frame, 5, 0)  # warm-up: imports, first network
    per_candidate(frame, 5, 0)
    t_b, params_b, loss_b, n_b = batched(frame, args.population, args.generations)
    t_l, params_l, loss_l, n_l = per_candidate(frame, args.population, args.generations)
    print(f"population {args.population}, at most {args.generations} generations, 3 parameters, "
          f"{TRIALS} trials x 3 contrasts per candidate")
    print(f"{'':28s}{'wall':>10s}{'candidates':>12s}{'per candidate':>15s}{'loss':>12s}   optimum")
    for name, t, n, loss, params in (("batched (fit)", t_b, n_b, loss_b, params_b),
                                     ("simulate per candidate", t_l, n_l, loss_l, params_l)):
        shown = ", ".join(f"{k.split('.')[-1]}={v:.4f}" for k, v in params.items())
        print(f"{name:28s}{t:9.1f}s{n:12d}{1e3 * t / n:13.1f}ms{loss:12.3g}   {shown}")
    same = all(abs(params_b[k] - params_l[k]) <= 1e-3 * abs(params_l[k]) for k in params_b)
    print("true values: " + ", ".join(f"{k.split('.')[-1]}={v:g}" for k, v in TRUE.items()))
    print(f"fit speedup {t_l / t_b:.1f}x, same optimum {same}")


if __name__ == "__main__":
    main()
