"""Rate areas with the same dynamics share one NeuronGroup on the runtime targets (`engine.groups`).

Each area is a block of its group whose stimuli, projections and transfer constants are zero on the
other blocks. Checked against plain numpy Euler loops (`helpers.euler_reference`), against the same
network with a group per area (coupling='kernel' keeps groups apart), and batch points against runs
of their own.
"""
import numpy as np
import pytest

import neuroattn as na
from helpers import euler_reference
from neuroattn.engine import device
from neuroattn.engine.batch import batch_params
from neuroattn.engine.builder import build_network
from neuroattn.engine.groups import own_group
from neuroattn.exceptions import BuildError

DT = 1e-4


def four_areas(tau_c="10 ms", beta_d=0.8, amp_b=0.6):
    """Two passive areas (ReLU and sigmoid) and two seed-competition areas (ReLU and sigmoid, other
    time constants), each area's own stimuli (one noisy, switched on late; one switched off), bias
    and gain projections between all four, one of them delayed."""
    sig = {"kind": "sigmoid", "gain": 4, "threshold": 0.3}
    return na.NetworkSpec(
        areas={"A": na.Area(n=4, tau="8 ms", transfer="relu", baseline=0.1),
               "C": na.Area(n=5, tau=tau_c, transfer="relu", competition=na.Seed(beta=0.5, weights=-0.2)),
               "B": na.Area(n=3, tau="15 ms", transfer=sig, u0=[0.2, 0.0, -0.1]),
               "D": na.Area(n=3, tau="20 ms", transfer={**sig, "gain": 6},
                            competition=na.Seed(beta=beta_d, weights=na.Random(seed=5)))},
        projections=[na.Projection(source="A", target="C", weights=na.Random(seed=1, distribution="uniform")),
                     na.Projection(source="B", target="D", weights=0.3, mode="gain"),
                     na.Projection(source="D", target="A", weights=na.Random(seed=2), kind="feedback",
                                   scale=0.4, delay="2 ms"),
                     na.Projection(source="C", target="B", weights=0.2, mode="gain", scale=0.5)],
        stimuli=[na.Stimulus(area="A", amplitude=np.linspace(1.0, 0.4, 4), onset="3 ms",
                             noise=na.OUNoise(sigma=0.2, tau="5 ms")),
                 na.Stimulus(area="B", amplitude=amp_b),
                 na.Stimulus(area="D", amplitude=[0.5, 0.2, 0.0], offset="20 ms")])


def test_areas_of_the_same_dynamics_share_a_group():
    """Four areas of two dynamics: two groups, each area a block of K·n units, areas of one transfer
    function next to each other (one rate update each)."""
    spec = four_areas()
    params = batch_params([spec, spec])
    with device.use_target("numpy"):
        built = build_network(params, dt=DT, n_steps=10, seeds=[0, 1], target="numpy")
    groups = {rg.areas: len(rg.group) for rg in built.rate_groups}
    assert groups == {("A", "B"): 2 * (4 + 3), ("C", "D"): 2 * (5 + 3)}
    assert built.groups["B"].start == 2 * 4 and built.groups["D"].size == 2 * 3
    with device.use_target("numpy"):  # a compiled coupling addresses whole groups: one per area
        apart = build_network(params, dt=DT, n_steps=10, seeds=[0, 1], target="numpy", coupling="kernel")
    assert [rg.areas for rg in apart.rate_groups] == [("A",), ("C",), ("B",), ("D",)]
    assert own_group(apart.groups, "B") is apart.rate_groups[2].group
    with pytest.raises(BuildError, match="areas.B: a compiled coupling needs the area's own group"):
        own_group(built.groups, "B")


def test_shared_groups_equal_numpy_euler_and_groups_of_their_own():
    spec = four_areas()
    steps = 300
    res = na.simulate(spec, f"{steps * DT} s", seed=3, record=["u", "r", "I", "E"])
    ref, final = euler_reference(spec, steps, DT, seed=3)
    assert np.max(np.abs(ref)) > 0.2
    assert np.max(np.abs(res.u.values - ref)) < 1e-9
    assert np.max(np.abs(res.u_final.values - final)) < 1e-9
    apart = na.simulate(spec, f"{steps * DT} s", seed=3, record=["u", "r", "I", "E"], coupling="kernel")
    for var in ("u", "r", "I", "E", "u_final", "r_final"):
        assert np.max(np.abs(res[var].values - apart[var].values)) < 1e-12, var
    # each area's inputs are its own: the noisy late stimulus reaches A only, B's constant drive B only
    units = res.area.values
    assert np.all(res.I.values[:20, units == "A"] == pytest.approx(0.1))
    assert np.all(res.I.values[:, units == "B"] == pytest.approx(0.6))


@pytest.mark.parametrize("target", ["numpy", "cython"])
def test_batch_points_in_shared_groups_equal_runs_of_their_own(target):
    """Points with other time constants, inhibition and inputs: each equals its own run, so no
    block reads another area's or another point's numbers."""
    specs = [four_areas(), four_areas(tau_c="25 ms", beta_d=1.4, amp_b=0.1), four_areas(beta_d=0.0, amp_b=1.2)]
    batch = na.simulate_batch(specs, "25 ms", seed=[1, 2, 3], record=["u", "E"], target=target)
    assert not np.allclose(batch.u_final.values[0], batch.u_final.values[1])
    for k, spec in enumerate(specs):
        own = na.simulate(spec, "25 ms", seed=k + 1, record=["u", "E"], target=target)
        for var in ("u", "E", "u_final"):
            assert np.max(np.abs(batch[var].values[k] - own[var].values)) < 1e-12, var


EXPRESSIONS = {"A": ("u**2", lambda u: u ** 2), "B": ("u**3", lambda u: u ** 3), "C": ("tanh(u)", np.tanh),
               "D": ("1/(1 + exp(-6*(u - 0.2)))", lambda u: 1 / (1 + np.exp(-6 * (u - 0.2))))}


def test_areas_with_different_expressions_each_run_their_own_transfer():
    """Four passive areas of one dynamics (one shared group), each with its own expression transfer,
    plus a sigmoid and a ReLU kind; A drives B and C drives D, so B's and D's states depend on A's and
    C's rates. Recorded r is each area's own f of recorded u, and u follows a plain Euler loop written
    here from the README's equation (tau du/dt = -u + baseline + W r_source)."""
    areas = {name: na.Area(n=2, tau="10 ms", transfer=expr, baseline=0.7) for name, (expr, _) in EXPRESSIONS.items()}
    areas["S"] = na.Area(n=2, tau="10 ms", transfer={"kind": "sigmoid", "gain": 3, "threshold": 0.1}, baseline=0.5)
    areas["R"] = na.Area(n=2, tau="10 ms", transfer="relu", baseline=0.5)
    spec = na.NetworkSpec(areas=areas,
                          projections=[na.Projection(source="A", target="B", weights=0.4),
                                       na.Projection(source="C", target="D", weights=-0.3)])
    n_steps = 200
    ds = na.simulate(spec, f"{n_steps * DT * 1e3:g} ms", record=["u", "r"])
    f = {name: fn for name, (_, fn) in EXPRESSIONS.items()}
    f["S"] = lambda u: 1 / (1 + np.exp(-3 * (u - 0.1)))
    f["R"] = lambda u: np.maximum(u, 0.0)
    u = {name: np.zeros(2) for name in areas}
    for k in range(n_steps):
        for name in areas:
            np.testing.assert_allclose(ds.u.sel(unit=ds.area == name).values[k], u[name], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(ds.r.sel(unit=ds.area == name).values[k], f[name](u[name]),
                                       rtol=1e-9, atol=1e-12, err_msg=f"area {name}, step {k}")
        r = {name: f[name](u[name]) for name in areas}
        drive = {name: np.full(2, areas[name].baseline) for name in areas}
        drive["B"] = drive["B"] + 0.4 * r["A"].sum()
        drive["D"] = drive["D"] - 0.3 * r["C"].sum()
        u = {name: u[name] + DT / 0.01 * (-u[name] + drive[name]) for name in areas}
