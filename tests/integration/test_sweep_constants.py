"""Swept parameters of an area's own dynamics run as per-point arrays of one spec: the same numbers as
one validated spec per point, and the same checks."""
import dataclasses
import warnings

import numpy as np
import pytest

import neuroattn as na
from neuroattn.exceptions import NumericsWarning, SimulationError
from neuroattn.sweeps import Grid, Table, Zip, as_space, make_plan, run_plan

P = "areas.V4.dynamics.parameters."


def _spec():
    return na.models.tuned_population(n=5, noise=0.1)


def _plan(space, spec=None, **options):
    spec = spec or _spec()
    return spec, make_plan(spec, as_space(space), "60 ms", dt="1 ms", seeds=[4, 9], record="traces",
                           variables=["u", "r"], **options)


def test_per_point_constants_equal_one_spec_per_point():
    """g, beta and tau (a time) swept together, with noise: bit for bit the numbers of the spec route."""
    space = Grid({P + "g": [0.5, 2.0], P + "beta": [0.3, 3.0]}) * Zip({P + "tau": ["12 ms", "20 ms"]})
    spec, plan = _plan(space)
    assert set(plan.constants) == {P + "g", P + "beta", P + "tau"}
    assert len({id(plan.spec(k)) for k in range(plan.n_points)}) == 1
    fast = run_plan(plan, spec)
    slow = run_plan(dataclasses.replace(plan, constants=()), spec)
    assert len({id(plan.spec(k)) for k in range(plan.n_points)}) == 1
    for var in ("u", "r", "u_final", "r_final"):
        np.testing.assert_array_equal(fast[var].values, slow[var].values)
    tau = np.array([float(v.split()[0]) for v in plan.columns[P + "tau"]])
    assert not np.allclose(fast.u.values[tau == 12], fast.u.values[tau == 20])  # the values did act


def test_which_swept_paths_become_constants():
    spec = _spec()
    cases = [
        ({P + "g": [1.0, 2.0], P + "x": [[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]]}, {P + "g"}),  # a list: per-unit values
        ({P + "g": [1.0, 2.0], "areas.V4.dynamics.equations": [spec.areas["V4"].dynamics.equations] * 2}, set()),
        ({P + "tau": ["10 ms", 0.01]}, set()),  # not every value in the spec's unit: two structures
        ({P + "g": [1.0, 2.0], "stimuli[0].noise.sigma": [0.1, 0.2]}, {P + "g"}),
    ]
    for columns, constants in cases:
        rows = [dict(zip(columns, values)) for values in zip(*columns.values())]
        plan = make_plan(spec, Table(rows), "20 ms", dt="1 ms")
        assert set(plan.constants) == constants, columns


def test_time_constants_among_constants_are_checked_like_the_specs():
    """A swept tau below dt is refused and one near dt warns, as with one spec per point; a spec tau
    that every point replaces no longer counts."""
    spec, plan = _plan({P + "tau": ["10 ms", "0.5 ms"]})
    with pytest.raises(SimulationError, match=r"^dt: 1 ms is larger than the time constant "
                                              r"areas\.V4\.dynamics\.parameters\.tau = 0\.5 ms"):
        run_plan(plan, spec)
    spec, plan = _plan({P + "tau": ["10 ms", "5 ms"]})
    with pytest.warns(NumericsWarning, match=r"dt is 0\.2 of the time constant areas\.V4\.dynamics\.parameters\.tau"):
        run_plan(plan, spec)
    fast_base = _spec().replace({P + "tau": "0.5 ms", "stimuli[0].noise.tau": "20 ms"})
    _, plan = _plan({P + "tau": ["20 ms", "30 ms"]}, spec=fast_base)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericsWarning)
        run_plan(plan, fast_base)


def test_run_refuses_constants_that_are_not_per_unit_constants():
    from neuroattn.engine import RunSettings, run

    spec = _spec()
    settings = RunSettings.parse("10 ms", "1 ms", None)
    with pytest.raises(SimulationError, match=r"^constants: 'areas\.V4\.dynamics\.parameters\.x' is not a scalar"):
        run([spec, spec], settings, seeds=[0, 0], constants={P + "x": [1.0, 2.0]})
    with pytest.raises(SimulationError, match=r"^constants: 'areas\.V4\.dynamics\.parameters\.g' needs one finite "
                                              r"value per point \(2\)"):
        run([spec, spec], settings, seeds=[0, 0], constants={P + "g": [1.0, np.nan]})


def test_a_kept_runtime_network_runs_other_numbers_like_a_fresh_one():
    """One NetworkCache runs three batches of one structure (other betas, so other weight matrices,
    other transfer gains, stimuli, seeds, a delayed projection): each equals a fresh network exactly,
    and the kept network is built once."""
    from helpers import two_area_spec
    from neuroattn.engine import NetworkCache, RunSettings, run

    base = two_area_spec(delay="3 ms")
    settings = RunSettings.parse("40 ms", "0.5 ms", 4, ("u", "r", "E"))
    batches = [[base.replace({"areas.V1.competition.beta": b, "areas.PFC.transfer.gain": g,
                              "stimuli[1].amplitude": a}) for b, g, a in rows]
               for rows in ([(0.5, 5.0, [0.5, 0, 0]), (0.9, 3.0, [0.2, 0.1, 0])],
                            [(0.1, 8.0, [0, 0.4, 0]), (0.5, 5.0, [0.5, 0, 0])],
                            [(1.2, 2.0, [0.3, 0.3, 0.3]), (0.7, 6.0, [0, 0, 0.6])])]
    seeds = [[1, 2], [3, 1], [2, 2]]
    with NetworkCache() as cache:
        kept = [run(specs, settings, seeds=s, target="numpy", cache=cache, provenance=False)
                for specs, s in zip(batches, seeds)]
        network = cache._runtime
        assert network is not None and run(batches[0], settings, seeds=seeds[0], target="numpy", cache=cache,
                                           provenance=False) is not None and cache._runtime is network
    for specs, s, got in zip(batches, seeds, kept):
        fresh = run(specs, settings, seeds=s, target="numpy", provenance=False)
        for var in ("u", "r", "E", "u_final", "r_final"):
            np.testing.assert_array_equal(got[var].values, fresh[var].values)
    assert not np.array_equal(kept[0].u.values, kept[1].u.values)


def test_metrics_that_read_the_specs_see_the_swept_constants():
    """The regime metric continues unsettled runs with each point's rate equations: with the swept
    self-excitation given as an array, it still reads each point's own value (labels as with one spec
    per point, and not all alike)."""
    spec = na.NetworkSpec.from_dict({"name": "own", "areas": {"A": {"n": 3, "transfer": "relu", "dynamics": {
        "equations": "du/dt = (-u + a*r + rec + I)/tau : 1", "parameters": {"a": 0.2, "tau": "10 ms"},
        "weights": {"kind": "uniform", "value": -0.6}}}},
        "stimuli": [{"area": "A", "amplitude": [1.0, 0.95, 0.9]}]})
    plan = make_plan(spec, as_space({P.replace("V4", "A") + "a": [0.0, 0.6, 1.0, 1.4]}), "30 ms", dt="0.5 ms",
                     metrics=["regime"])
    assert plan.constants == (P.replace("V4", "A") + "a",)
    assert plan.spec(3, whole=True).areas["A"].dynamics.parameters["a"] == 1.4
    fast = run_plan(plan, spec).regime_A.values
    np.testing.assert_array_equal(fast, run_plan(dataclasses.replace(plan, constants=()), spec).regime_A.values)
    assert len(set(fast.tolist())) == 2


@pytest.mark.slow
def test_compiled_batches_in_parts_take_the_constants_of_their_points():
    """cpp_standalone, the batch split into two programs (one per core): each part runs its own
    points' values, exactly as one spec per point does."""
    from neuroattn.engine import NetworkCache

    space = Grid({P + "g": [0.5, 1.0, 2.0], P + "beta": [0.3, 3.0]})
    spec, plan = _plan(space, target="cpp_standalone")
    plan = dataclasses.replace(plan, chunk_size=plan.n_points)
    with NetworkCache(cores=2) as cache:
        fast = run_plan(plan, spec, cache=cache)
        assert cache.parts(plan.n_points, spec) == 2
    with NetworkCache(cores=2) as cache:
        slow = run_plan(dataclasses.replace(plan, constants=()), spec, cache=cache)
    for var in ("u", "r", "u_final"):
        np.testing.assert_array_equal(fast[var].values, slow[var].values)
    assert not np.allclose(fast.u_final.values[:2], fast.u_final.values[-2:])
