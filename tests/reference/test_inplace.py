"""The numpy target's in-place state update against Brian2's own numpy code generation.

Brian2's stock numpy target is the independent reference: the same group, built twice from the same
equations and start, runs once with Brian2's `NumpyCodeObject` and once with
`InplaceNumpyCodeObject`; the states must agree to 1e-15 relative (in fact to the bit: the ufuncs
are those numpy calls for the operators). Each case also checks that the statement it is about was
written as ufunc calls (or, for what the generator leaves to Brian2, that it was not).
"""
import re
import tracemalloc
from unittest import mock

import brian2 as b
import numpy as np
import pytest

from brian2.codegen.runtime.numpy_rt import NumpyCodeObject

import neuroattn as na
from neuroattn.engine.inplace import InplaceNumpyCodeObject, inplace_target
from neuroattn.spec.competition import COMPETITIONS
from neuroattn.spec.transfer import TRANSFERS, Expression

STEPS = 40
N_UNITS = 7


def _identifiers(code: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code))


def run_group(target, equations, *, n=N_UNITS, values=None, namespace=None, steps=STEPS, method="euler",
              **group_kwds):
    """A NeuronGroup run for `steps` steps of 0.1 ms on `target`; returns (group, its state updater's code)."""
    b.prefs.codegen.target = target
    group = b.NeuronGroup(n, equations, method=method, dt=0.1 * b.ms, namespace=namespace or {}, **group_kwds)
    for name, value in (values or {}).items():
        setattr(group, name, value)
    net = b.Network(group)
    net.run(steps * 0.1 * b.ms, namespace=namespace or {})
    return group, group.state_updater.codeobj.code.run


def both(equations, variables=("u",), **kwds):
    """States of `variables` after the run on Brian2's numpy target and on the in-place one, and the
    in-place target's code."""
    stock, _ = run_group("numpy", equations, **kwds)
    inplace, code = run_group(inplace_target(), equations, **kwds)
    return ({v: np.asarray(getattr(stock, v)[:]) for v in variables},
            {v: np.asarray(getattr(inplace, v)[:]) for v in variables}, code)


def assert_same(stock, inplace):
    for name in stock:
        assert np.all(np.isfinite(stock[name])), name
        np.testing.assert_allclose(inplace[name], stock[name], rtol=1e-15, atol=0, err_msg=name)


def per_unit_values(names, n=N_UNITS, seed=0):
    rng = np.random.default_rng(seed)
    return {name: rng.uniform(0.2, 1.2, n) for name in names}


def transfers():
    """One instance of every registered transfer kind (with non-trivial constants)."""
    out = []
    for cls in TRANSFERS.classes():
        if cls is Expression:
            out.append(Expression(expr="u**2/(1 + u**2) + 0.1*abs(u)"))
        elif "gain" in cls.model_fields:
            out.append(cls(gain=4.0, threshold=0.3))
        elif "threshold" in cls.model_fields:
            out.append(cls(threshold=0.1))
        else:
            out.append(cls())
    return out


@pytest.mark.parametrize("model", COMPETITIONS.names())
@pytest.mark.parametrize("transfer", transfers(), ids=lambda t: t.kind)
def test_registered_dynamics_equal_brian2_numpy(model, transfer):
    """Every registered competition model with every registered transfer, as the engine writes them:
    ``tau du/dt = -u + g(r, rec, I)`` with ``r = f(u)`` and per-unit constants."""
    competition = dict(zip(COMPETITIONS.names(), COMPETITIONS.classes()))[model]
    g = competition.equation
    f = transfer.brian2_code()
    constants = sorted((_identifiers(g) | _identifiers(f)) - {"u", "r", "rec", "I", "exp", "clip", "inf", "abs"})
    equations = "\n".join([f"du/dt = (-u + {g})/tau : 1", f"r = {f} : 1", "rec : 1 (constant)",
                           "I : 1 (constant)", "tau : second (constant)"]
                          + [f"{c} : 1 (constant)" for c in constants])
    values = per_unit_values(["rec", "I", *constants])
    values["u"] = np.linspace(-1, 1.5, N_UNITS)
    values["tau"] = np.linspace(5, 20, N_UNITS) * b.ms
    stock, inplace, code = both(equations, values=values)
    assert "_ufunc_" in code and "_u = _inplace_" in code, code
    assert_same(stock, inplace)


USER_EQUATIONS = {
    "exp, powers, unary minus": ("du/dt = (-u + a*exp(-u**2/2) - (u/3)**3 + I)/tau : 1", {}),
    "clip, division, sqrt, log": ("du/dt = (clip(u, -0.5, 2)/(1 + b*abs(u)) - u + sqrt(abs(u) + 1)*log(2 + u**2))"
                                   "/tau : 1", {}),
    "trigonometry, sign, floor division and remainder": (
        "du/dt = (sin(u)*cos(2*u) + tanh(u) - 0.1*sign(u) + u % 0.7 + u // 1.3 - u)/tau : 1", {}),
    "scalar constants with units": ("du/dt = (E_L - u*mV + I*mV)/(tau_m*mV) : 1", {"E_L": -0.3 * b.mV,
                                                                                   "tau_m": 12 * b.ms}),
    "per-unit constants with units": ("du/dt = (v_rest - u*volt + I*volt)/(tau*volt) : 1\n"
                                      "v_rest : volt (constant)", {}),
    "second state variable and a subexpression": ("du/dt = (-u + a*r - c*w + I)/tau : 1\n"
                                                   "dw/dt = (-w + r**2)/(3*tau) : 1\n"
                                                   "r = 1/(1 + exp(-4*(u - 0.5))) : 1", {}),
    "time and the unit index (integer leaf)": ("du/dt = (-u + 0.1*i + I*sin(2*pi*t/(7*ms)))/tau : 1", {}),
}


@pytest.mark.parametrize("case", USER_EQUATIONS)
def test_user_equations_equal_brian2_numpy(case):
    text, namespace = USER_EQUATIONS[case]
    names = {"a", "b", "c", "I"} & _identifiers(text)
    equations = "\n".join([text, "tau : second (constant)", *(f"{x} : 1 (constant)" for x in sorted(names))])
    values = per_unit_values(names)
    values["u"], values["tau"] = np.linspace(-1, 2, N_UNITS), np.linspace(5, 20, N_UNITS) * b.ms
    if "v_rest" in text:
        values["v_rest"] = np.linspace(-0.2, 0.2, N_UNITS) * b.volt
    variables = ("u", "w") if "dw/dt" in text else ("u",)
    stock, inplace, code = both(equations, variables=variables, values=values, namespace=namespace)
    assert "_u = _inplace_" in code, code
    assert_same(stock, inplace)


def test_timed_array_calls_stay_calls():
    """TimedArray calls (1-D in time, and 2-D in time and unit) are made as Brian2 makes them; their
    results enter the ufunc sequence."""
    rng = np.random.default_rng(3)
    namespace = {"drive": b.TimedArray(rng.uniform(0, 1, (50, N_UNITS)), dt=0.1 * b.ms),
                 "env": b.TimedArray(np.linspace(0, 1, 50), dt=0.1 * b.ms)}
    equations = "du/dt = (-u + drive(t, i)*env(t)*a + I)/tau : 1\na : 1 (constant)\nI : 1 (constant)\n" \
                "tau : second (constant)"
    values = per_unit_values(["a", "I"])
    values["tau"] = 10 * b.ms
    stock, inplace, code = both(equations, values=values, namespace=namespace)
    assert "_inplace_call_" in code and "_ufunc_" in code, code
    assert_same(stock, inplace)


def test_conditions_and_integers_keep_brian2s_code():
    """Comparisons, integer arithmetic and ``int()`` stay Brian2's expressions (same numbers)."""
    equations = "du/dt = (-u + int(u > 0.2)*a + (i % 3)*0.1 + I)/tau : 1\na : 1 (constant)\nI : 1 (constant)\n" \
                "tau : second (constant)"
    values = per_unit_values(["a", "I"])
    values["u"], values["tau"] = np.linspace(-1, 1, N_UNITS), 10 * b.ms
    stock, inplace, code = both(equations, values=values)
    assert "_ufunc_" not in code and "_u = ((dt" in code, code
    assert_same(stock, inplace)


def test_refractory_spiking_group_equals_brian2_numpy():
    """A leaky integrate-and-fire group with refractoriness: the conditional write (``where``
    over ``not_refractory``) stays Brian2's; spikes and voltages are equal."""
    equations = "dv/dt = (I - v)/(10*ms) : 1 (unless refractory)\nI : 1 (constant)"
    kwds = dict(values={"I": np.linspace(0.8, 2.5, N_UNITS)}, threshold="v > 1", reset="v = 0",
                refractory=2 * b.ms, steps=300)
    stock, inplace, code = both(equations, variables=("v", "lastspike"), **kwds)
    assert "_numpy.where(not_refractory" in code and "v[not_refractory] = " in code and "_ufunc_" not in code
    assert_same({"v": stock["v"]}, {"v": inplace["v"]})
    np.testing.assert_array_equal(inplace["lastspike"], stock["lastspike"])
    assert (stock["lastspike"] > 0).sum() >= 3  # units did spike (Brian2 starts lastspike at -1e4 s)


def test_synapse_state_update_allocates_buffers_at_run_time():
    """A Synapses state update (its N is known only when it runs) asks for its buffers each step."""
    codes, results = {}, {}
    for target in ("numpy", inplace_target()):
        b.prefs.codegen.target = target
        group = b.NeuronGroup(5, "v : 1", namespace={})
        group.v = np.linspace(0, 1, 5)
        syn = b.Synapses(group, group, "dw/dt = (-w + v_pre*exp(-v_post))/(5*ms) : 1 (clock-driven)",
                         method="euler", dt=0.1 * b.ms, namespace={})
        syn.connect(condition="i != j")
        syn.w = np.linspace(0, 1, 20)
        b.Network(group, syn).run(2 * b.ms, namespace={})
        results[target] = np.asarray(syn.w[:])
        codes[target] = syn.state_updater.codeobj.code.run
    assert "_inplace_scratch(N, " in codes[inplace_target()], codes[inplace_target()]
    np.testing.assert_allclose(results[inplace_target()], results["numpy"], rtol=1e-15, atol=0)


def _seed_code_object(n_points, target):
    """The warm state-update code object of the seed model's area, batched `n_points` times, on
    the numpy target (`target`: the in-place code object's name, or Brian2's ``numpy``)."""
    made = []
    original = NumpyCodeObject.__init__

    def keep(self, *a, **k):
        original(self, *a, **k)
        made.append(self)
    spec = na.load_spec("seed_competition")
    with mock.patch.object(NumpyCodeObject, "__init__", keep), \
            mock.patch("neuroattn.engine.device.inplace_target", lambda: target):
        na.simulate_batch([spec] * n_points, "2 ms", record_every=None, target="numpy", progress=False)
    return next(co for co in made if co.name.startswith("area_V1_stateupdater"))


def _peak_bytes(code_object, steps=100):
    """The most memory allocated at once, above what was allocated before, over `steps` calls."""
    code_object()  # warm
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            code_object()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_seed_state_update_allocates_no_array_per_step():
    """Many steps of the seed model's warm state update allocate nothing of the group's size; the
    same measurement of Brian2's numpy code sees its temporaries (and its copy of ``u``)."""
    inplace = _seed_code_object(2_500, inplace_target())
    stock = _seed_code_object(2_500, "numpy")
    assert type(inplace) is InplaceNumpyCodeObject and type(stock) is NumpyCodeObject
    n = inplace.namespace["N"]
    assert n == 2_500 * 4 and "_ufunc_" in inplace.code.run and ".copy()" not in inplace.code.run
    assert _peak_bytes(inplace) < n * 8 / 4  # not even a quarter of one array
    assert _peak_bytes(stock) >= 2 * n * 8


def test_numpy_target_results_unchanged_for_the_hierarchy():
    """The cortical hierarchy (stimuli, projections, gain) on the numpy target: the in-place code gives
    Brian2's numbers to the bit."""
    spec = na.models.cortical_hierarchy()
    inplace = na.simulate(spec, "30 ms", record_every="1 ms", target="numpy", progress=False)
    with mock.patch("neuroattn.engine.device.inplace_target", lambda: "numpy"):
        stock = na.simulate(spec, "30 ms", record_every="1 ms", target="numpy", progress=False)
    assert inplace.attrs["target"] == "numpy"
    np.testing.assert_array_equal(inplace.u.values, stock.u.values)
    assert np.ptp(stock.u.values) > 0
