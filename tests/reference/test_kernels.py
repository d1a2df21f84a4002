"""Compiled dense couplings (coupling='kernel') and the automatic target choice.

The kernel's numpy implementation runs on the numpy target without compiling, so the wiring (which
coupling becomes a product, its weights, the schedule of rates, products and monitors) is checked in
the fast suite against plain numpy Euler loops; the Cython and C++ code of the same functions is
checked in the slow tests (they compile).
"""
import numpy as np
import pytest

import neuroattn as na
from helpers import euler_reference, two_area_spec as _two_area_spec
from neuroattn.engine import device
from neuroattn.engine.batch import batch_params
from neuroattn.engine.builder import coupling_plan, couplings_of

DT = 1e-4


def two_area_spec(delay="0 ms", noise=True):
    """The shared two-area spec with only the gain feedback delayed (one delayed coupling)."""
    return _two_area_spec(delay, noise, delay_bias=False)


def seed_specs(betas, n=7, per_point_weights=False):
    rng = np.random.default_rng(4)
    W = rng.normal(0, 0.3, (n, n))
    I = rng.uniform(0, 1, n)
    out = []
    for k, beta in enumerate(betas):
        w = W * (1 + 0.5 * k) if per_point_weights else W
        out.append(na.NetworkSpec(name="seed", areas={"A": na.Area(
            n=n, tau="10 ms", transfer={"kind": "sigmoid", "gain": 4, "threshold": 0.5},
            competition=na.Seed(beta=float(beta), weights=w))}, stimuli=[na.Stimulus(area="A", amplitude=I)]))
    return out


def test_kernel_coupling_equals_numpy_euler():
    """Every coupling of a two-area network with noise as a dense product: equal to a numpy loop."""
    spec = two_area_spec()
    res = na.simulate(spec, "60 ms", seed=3, coupling="kernel", record=["u", "E"])
    ref, final = euler_reference(spec, 600, DT, seed=3)
    assert res.attrs["coupling"] == "kernel"
    assert np.max(np.abs(ref)) > 0.1
    assert np.max(np.abs(res.u.values - ref)) < 1e-9
    assert np.max(np.abs(res.u_final.values - final)) < 1e-9
    # the recorded drive E reads the products of the same step as the matmul path does
    matmul = na.simulate(spec, "60 ms", seed=3, coupling="matmul", record=["u", "E"])
    assert np.max(np.abs(res.E.values - matmul.E.values)) < 1e-12


@pytest.mark.parametrize("per_point", [False, True], ids=["shared-weights", "weights-per-point"])
def test_kernel_batch_equals_separate_loops(per_point):
    """K points in one network (one matrix for all, or one per point) equal K hand-written loops."""
    specs = seed_specs([0.0, 0.7, 1.9], per_point_weights=per_point)
    ds = na.simulate_batch(specs, "40 ms", coupling="kernel", record_every=None)
    for k, spec in enumerate(specs):
        comp = spec.areas["A"].competition
        W = np.array(comp.weights.value)
        W_off = W - np.diag(np.diag(W))
        rs = W.sum(1) if comp.include_self else W.sum(1) - np.diag(W)
        I = np.array(spec.stimuli[0].amplitude)
        u = np.zeros(W.shape[0])
        for _ in range(400):
            r = 1 / (1 + np.exp(-4 * (u - 0.5)))
            u = u + DT / 0.01 * (-u + W_off @ r - comp.beta * rs * r + I)
        assert np.max(np.abs(ds.u_final.values[k] - u)) < 1e-9


def test_plastic_and_delayed_couplings_stay_on_the_step_operation():
    spec = two_area_spec(delay="3 ms")
    params = batch_params([spec])
    couplings = couplings_of(params, DT)
    plan = coupling_plan(params, couplings, "kernel", "cython")
    delayed = next(c.name for c in couplings if c.delay_steps)
    assert plan[delayed] == "matmul"
    assert sorted(v for k, v in plan.items() if k != delayed) == ["kernel"] * 4
    for target in ("numpy", "cython"):
        assert set(coupling_plan(params, couplings, "auto", target).values()) == {"matmul"}
    assert coupling_plan(params, couplings, "auto", "cpp_standalone")[delayed] == "synapses"
    # a run mixing both equals the numpy loop
    res = na.simulate(spec, "40 ms", seed=2, coupling="kernel", record_every=None)
    assert res.attrs["coupling"] == "kernel+matmul"
    _, final = euler_reference(spec, 400, DT, seed=2)
    assert np.max(np.abs(res.u_final.values - final)) < 1e-9
    with pytest.raises(na.BuildError, match=r"delays need coupling='matmul'"):
        na.simulate(spec, "5 ms", target="cpp_standalone", progress=False)


def test_plastic_coupling_learns_beside_kernels():
    """A delayed Hebbian projection stays in the numpy step operation; the recurrent couplings are
    products (an undelayed one learns inside a product: `test_plastic_kernels.py`)."""
    spec = na.load_spec({"name": "plastic", "areas": {
        "x": {"n": 3, "tau": "5 ms", "transfer": "relu", "competition": {"model": "seed", "beta": 0.2, "weights": 0.1}},
        "y": {"n": 2, "tau": "5 ms", "transfer": "relu"}},
        "stimuli": [{"area": "x", "amplitude": [1.0, 0.5, 0.2]}],
        "projections": [{"source": "x", "target": "y", "weights": [[0.1, 0.2, 0.0], [0.0, 0.1, 0.3]],
                         "delay": "1 ms", "plasticity": {"rule": "hebb", "rate": 5.0}}]})
    a = na.simulate(spec, "30 ms", coupling="kernel", record_every=None)
    b = na.simulate(spec, "30 ms", coupling="matmul", record_every=None)
    assert a.attrs["coupling"] == "kernel+matmul"
    w = [v for v in a.data_vars if v.startswith("w_") and v.endswith("_final")][0]
    assert np.max(np.abs(a[w].values - b[w].values)) < 1e-12
    assert np.max(np.abs(a[w].values - np.array([[0.1, 0.2, 0.0], [0.0, 0.1, 0.3]]))) > 1e-3  # it learned
    assert np.max(np.abs(a.u_final.values - b.u_final.values)) < 1e-12


def test_automatic_target_choice(monkeypatch):
    monkeypatch.delenv("NEUROATTN_TARGET", raising=False)
    monkeypatch.setattr(device, "compiled_targets", lambda: ("cython", "cpp_standalone"))
    mid, big = device.CYTHON_FROM, device.STANDALONE_FROM
    assert device.choose_target("numpy", work=big)[0] == "numpy"
    assert device.choose_target(None, work=mid / 10)[0] == "numpy"
    assert device.choose_target(None, work=mid)[0] == "cython"
    target, why = device.choose_target(None, work=big)
    assert target == "cpp_standalone" and "unit-steps" in why
    assert device.choose_target(None, work=big, standalone=False)[0] == "cython"
    monkeypatch.setattr(device, "compiled_targets", lambda: ())
    assert device.choose_target(None, work=big) == ("numpy", f"automatic: {big:.2g} unit-steps, but no Cython "
                                                             "and C++ compiler found")
    monkeypatch.setenv("NEUROATTN_TARGET", "cython")
    assert device.choose_target(None, work=1.0) == ("cython", "from NEUROATTN_TARGET")
    monkeypatch.setenv("NEUROATTN_TARGET", "gpu")
    with pytest.raises(na.SimulationError, match="target: must be one of numpy, cython, cpp_standalone"):
        device.choose_target(None)


def test_compiled_batches_split_over_cores_only_where_it_pays_and_is_per_point(monkeypatch):
    monkeypatch.delenv("NEUROATTN_CORES", raising=False)
    monkeypatch.setattr(device.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    big = device.SPLIT_FROM
    assert device.program_parts(None, units=big, splittable=True) == 4  # every core
    assert device.program_parts(None, units=big - 1, splittable=True) == 1  # too little per step
    assert device.program_parts(None, units=big, splittable=False) == 1  # learns, recruits or spikes
    assert device.program_parts(1, units=big, splittable=True) == 1  # a sweep's worker process
    monkeypatch.setenv("NEUROATTN_CORES", "2")
    assert device.program_parts(None, units=big - 1, splittable=True) == 2
    monkeypatch.setenv("NEUROATTN_CORES", "two")
    with pytest.raises(na.SimulationError, match="NEUROATTN_CORES: must be a whole number"):
        device.program_parts(None, units=big, splittable=True)
    with pytest.raises(na.SimulationError, match="cores: must be at least 1"):
        device.program_parts(0, units=big, splittable=True)
    from neuroattn.engine.compiled import splittable

    assert splittable(two_area_spec()) and not splittable(two_area_spec(delay="3 ms"))
    assert not splittable(na.models.seed_competition().replace({"areas.V1.reserve": {"n": 2}}))


def test_result_says_which_target_and_why(monkeypatch):
    monkeypatch.delenv("NEUROATTN_TARGET", raising=False)
    spec = seed_specs([0.5])[0]
    res = na.simulate(spec, "2 ms", record_every=None)
    assert res.attrs["target"] == "numpy"
    assert res.attrs["target_choice"].startswith("automatic: 1.4e+02 unit-steps <")  # 7 units x 20 steps
    given = na.simulate(spec, "2 ms", record_every=None, target="numpy")
    assert given.attrs["target_choice"] == "given"
    assert not na.engine.standalone_capable(two_area_spec(delay="3 ms"))
    assert na.engine.standalone_capable(two_area_spec())


@pytest.mark.slow
@pytest.mark.parametrize("target", ["cython", "cpp_standalone"])
def test_compiled_kernels_equal_numpy_euler(target):
    """The Cython and C++ products (batched, several couplings per group, a gain projection) equal
    the numpy loop; the per-point-weights layout too."""
    spec = two_area_spec()
    res = na.simulate(spec, "50 ms", seed=4, target=target, record=["u", "E"], coupling="kernel")
    ref, _ = euler_reference(spec, 500, DT, seed=4)
    assert res.attrs["coupling"] == "kernel"
    assert np.max(np.abs(res.u.values - ref)) < 1e-9
    specs = seed_specs([0.0, 0.7, 1.9], per_point_weights=True)
    ds = na.simulate_batch(specs, "30 ms", target=target, record_every=None, coupling="kernel")
    for k, spec in enumerate(specs):
        _, final = euler_reference(spec, 300, DT)
        assert np.max(np.abs(ds.u_final.values[k] - final)) < 1e-9
