"""The engine against the independent reference (`tests/independent.py`) on generated networks.

Random rate networks (1-3 areas, mixed transfers with distinct expressions, every competition model
or none, random projection graphs with cycles and self-projections, bias and gain, delays, tau equal
to dt, stimuli with onsets, offsets, ramps and OU noise) run on the numpy target, as single runs and
as a batch; every recorded variable and the final state must equal the reference to 1e-9 relative.
``NEUROATTN_FUZZ_EXAMPLES`` sets the number of examples (default 15). The hypothesis database is
off; a failing example's spec is printed as YAML.
"""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import independent
import neuroattn as na
from helpers import two_area_spec
from neuroattn.spec.io import dump_spec

DT = 1e-4
EXAMPLES = int(os.environ.get("NEUROATTN_FUZZ_EXAMPLES", "15"))
EXPRESSIONS = ["tanh(u)", "u**2/(1 + u**2)", "1/(1 + exp(-3*u))", "clip(u, 0, 2)", "log(1 + exp(u))"]


@st.composite
def transfers(draw):
    kind = draw(st.sampled_from(["sigmoid", "relu", "linear", "expression"]))
    if kind == "sigmoid":
        return {"kind": kind, "gain": draw(st.floats(0.5, 6)), "threshold": draw(st.floats(-0.5, 0.5))}
    if kind == "relu":
        return {"kind": kind, "threshold": draw(st.floats(-0.3, 0.3))}
    if kind == "linear":
        return {"kind": kind, "slope": draw(st.floats(-0.5, 0.5))}
    return draw(st.sampled_from(EXPRESSIONS))


@st.composite
def competitions(draw):
    model = draw(st.sampled_from(["seed", "lateral", "divisive", None]))
    if model == "seed":
        return na.Seed(beta=draw(st.floats(0, 1)), weights=draw(st.floats(-0.3, 0.3)),
                       include_self=draw(st.booleans()))
    if model == "lateral":
        return na.Lateral(alpha=draw(st.floats(0, 0.5)), beta=draw(st.floats(0, 1)), weights=draw(st.floats(0, 0.3)))
    if model == "divisive":
        return na.Divisive(beta=draw(st.floats(0, 1)), sigma=draw(st.floats(0.5, 2)), weights=draw(st.floats(0, 0.5)))
    return None


@st.composite
def networks(draw):
    names = [f"A{i}" for i in range(draw(st.integers(1, 3)))]
    shared = draw(st.booleans())  # one dynamics for all areas: they share a NeuronGroup
    taus = st.just("10 ms") if shared else st.sampled_from(["0.1 ms", "5 ms", "10 ms", "30 ms"])
    comps = st.none() if shared else competitions()
    areas = {name: na.Area(n=draw(st.integers(1, 4)), tau=draw(taus), transfer=draw(transfers()),
                           baseline=draw(st.floats(-0.2, 0.5)), competition=draw(comps)) for name in names}
    projections = []
    for _ in range(draw(st.integers(0, 3))):
        src, tgt = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        projections.append(na.Projection(source=src, target=tgt, name=f"p{len(projections)}",
                                         weights=draw(st.floats(-0.3, 0.3)), mode=draw(st.sampled_from(["bias", "gain"])),
                                         delay=draw(st.sampled_from(["0 ms", "0 ms", "0.3 ms", "1 ms"]))))
    stimuli = []
    for _ in range(draw(st.integers(0, 2))):
        area = draw(st.sampled_from(names))
        onset = draw(st.sampled_from([0.0, 1.0, 2.5]))
        stimuli.append(na.Stimulus(area=area, amplitude=draw(st.floats(-0.5, 1)), onset=f"{onset} ms",
                                   offset=draw(st.sampled_from([None, f"{onset + 2} ms"])),
                                   ramp=draw(st.sampled_from(["0 ms", "0.5 ms"])),
                                   noise=draw(st.sampled_from([None, na.OUNoise(sigma=0.1, tau="2 ms")]))))
    return na.NetworkSpec(areas=areas, projections=projections, stimuli=stimuli)


def assert_equal_to_reference(ds, ref, label=""):
    for var in ("u", "r", "I", "E"):
        if var in ds:
            np.testing.assert_allclose(ds[var].values, ref.traces[var], rtol=1e-9, atol=1e-12,
                                       err_msg=f"{label} {var}")
    for var in ("u_final", "r_final"):
        np.testing.assert_allclose(ds[var].values, ref.final[var], rtol=1e-9, atol=1e-12, err_msg=f"{label} {var}")
    assert bool(np.asarray(ds.diverged).any()) == ref.diverged


@pytest.mark.parametrize("delay", ["0 ms", "1 ms"])
def test_two_area_network_equals_the_reference(delay):
    spec = two_area_spec(delay=delay)
    n_steps = 300
    ds = na.simulate(spec, f"{n_steps * DT * 1e3:g} ms", record=["u", "r", "I", "E"], seed=3)
    assert_equal_to_reference(ds, independent.simulate(spec, n_steps, DT, seed=3))


@settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
          suppress_health_check=list(HealthCheck))
@given(networks())
def test_generated_networks_equal_the_reference(spec):
    note(dump_spec(spec))
    n_steps = 60
    ds = na.simulate(spec, f"{n_steps * DT * 1e3:g} ms", record=["u", "r", "I", "E"], seed=1)
    ref = independent.simulate(spec, n_steps, DT, seed=1)
    if ref.diverged:
        assert bool(ds.diverged)
        return
    assert_equal_to_reference(ds, ref, "single run")
