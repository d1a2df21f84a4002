"""classify_regime against linear stability (analysis.jacobian) for uniform seed and lateral models."""
import itertools
import warnings

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neuroattn as na
from neuroattn.analysis import REGIMES, classify_regime, jacobian


def two_units(model, beta, u0=(0.0, 0.0)):
    comp = ({"model": "seed", "beta": beta, "weights": {"kind": "uniform", "value": -0.5}} if model == "seed"
            else {"model": "lateral", "alpha": 0.5, "beta": beta, "weights": {"kind": "uniform", "value": 0.5}})
    return na.NetworkSpec.from_dict({
        "name": f"{model}-{beta:g}",
        "areas": {"A": {"n": 2, "tau": "10 ms", "transfer": {"kind": "sigmoid", "gain": 4, "threshold": 0.5},
                        "competition": comp, "u0": list(u0)}},
        "stimuli": [{"area": "A", "amplitude": 0.5}]})


@pytest.mark.parametrize("model, betas", [("seed", np.linspace(0.0, 3.0, 13)), ("lateral", np.linspace(0.0, 3.0, 13))])
def test_winner_take_all_exactly_where_the_symmetric_state_is_unstable(model, betas):
    """Symmetric input: the symmetric fixed point (reached from a symmetric start) is linearised; the
    run from a slightly asymmetric start is winner-take-all exactly when a mode there grows."""
    symmetric = na.simulate_batch([two_units(model, b) for b in betas], "2 s", record_every=None, seed=0,
                                  progress=False)
    perturbed = na.simulate_batch([two_units(model, b, u0=(1e-3, 0.0)) for b in betas], "3 s", record_every=20,
                                  record=("r",), seed=0, progress=False)
    labels = classify_regime(perturbed, "A").values
    checked = 0
    for k, beta in enumerate(betas):
        spec = two_units(model, beta)
        state = symmetric.u_final.isel(point=k).values
        assert np.ptp(state) < 1e-9  # the symmetric run stays symmetric
        lam = np.linalg.eigvals(jacobian(spec, state).values).real.max()
        if abs(lam) < 2.0:  # within 2/s of the bifurcation the 3 s run has not settled; skip
            continue
        checked += 1
        expected = "winner-take-all" if lam > 0 else ("coexistence", "quiescent")
        assert labels[k] in np.atleast_1d(expected), (model, beta, lam, labels[k])
    kinds = set(labels)
    assert checked >= 9 and "winner-take-all" in kinds and kinds & {"coexistence", "quiescent"}


def test_excitatory_seed_weights_never_select_a_winner():
    specs = [na.NetworkSpec.from_dict({
        "areas": {"A": {"n": 3, "tau": "10 ms", "transfer": {"kind": "sigmoid", "gain": 4, "threshold": 0.5},
                        "competition": {"model": "seed", "beta": float(b), "weights": {"kind": "uniform", "value": 0.3}},
                        "u0": [0.01, 0.0, -0.01]}},
        "stimuli": [{"area": "A", "amplitude": [0.5, 0.49, 0.48]}]}) for b in np.linspace(0, 4, 9)]
    res = na.simulate_batch(specs, "2 s", record_every=20, record=("r",), seed=0, progress=False)
    assert "winner-take-all" not in set(classify_regime(res, "A").values)


def ei_oscillator(noise: str = ""):
    """Two self-exciting E units and a slower I unit: a limit cycle (`noise`: extra stimulus fields)."""
    return na.load_spec(f"""
name: ei
areas:
  E: {{n: 2, tau: 10 ms, transfer: {{kind: sigmoid, gain: 8, threshold: 0.5}}}}
  I: {{n: 1, tau: 30 ms, transfer: {{kind: sigmoid, gain: 8, threshold: 0.5}}}}
projections:
  - {{source: E, target: I, weights: 0.75}}
  - {{source: I, target: E, weights: -2.0}}
  - {{source: E, target: E, weights: [[1.5, 0.0], [0.0, 1.5]]}}
stimuli:
  - {{area: E, amplitude: 0.8{noise}}}
""")


def test_oscillation_and_runaway_are_recognised():
    ei = ei_oscillator()
    res = na.simulate(ei, "2 s", record_every=10, seed=0, progress=False)
    assert str(classify_regime(res, "E").values) == "oscillation"
    with pytest.warns(na.DivergenceWarning):
        run = na.simulate(na.models.seed_competition(beta=3.0), "1 s", record_every=10, progress=False)
    assert str(classify_regime(run).values) == "runaway"
    assert set(REGIMES) == {"quiescent", "coexistence", "winner-take-all", "runaway", "oscillation", "unsettled"}


# -- labels that do not depend on run length, against closed-form boundaries -----------------------
# Seed model, n units, uniform inhibitory w < 0 (beta's sum includes j = i), ReLU, equal inputs I > 0,
# tau du_i/dt = -u_i + w sum_{j!=i} r_j - beta n w r_i + I. Where the units are active (r = u):
#   difference modes of the symmetric state:  tau lambda_d = -1 - w - beta n w
#   the lone winner's own mode:               tau lambda_w = -1 - beta n w
# The lone-winner state u_w = I / (1 + beta n w) silences the others (I + w u_w < 0) exactly when
# lambda_d > 0, so: coexistence for lambda_d < 0, winner-take-all for lambda_d > 0 > lambda_w, and
# runaway (no stable state; the winner grows as exp(lambda_w t)) for lambda_w > 0.
# Lateral model, tau du_i/dt = -u_i + alpha r_i - beta w sum_{j!=i} r_j + I, w > 0:
#   tau lambda_d = -1 + alpha + beta w,  tau lambda_w = -1 + alpha (the same three regimes).
TAU, N_UNITS = 0.01, 4


def uniform_area(model, beta, alpha=0.5, w=None):
    if model == "seed":
        comp = {"model": "seed", "beta": beta, "weights": {"kind": "uniform", "value": -0.3 if w is None else w}}
    else:
        comp = {"model": "lateral", "alpha": alpha, "beta": beta,
                "weights": {"kind": "uniform", "value": 0.5 if w is None else w}}
    return na.NetworkSpec.from_dict({
        "name": model, "areas": {"A": {"n": N_UNITS, "tau": "10 ms", "transfer": "relu", "competition": comp,
                                       "u0": [0.05, 0.0, 0.0, 0.0]}},
        "stimuli": [{"area": "A", "amplitude": 1.0}]})


def analytic(model, beta, alpha=0.5):
    """(expected label, the slowest of the two deciding rates |lambda_d|, |lambda_w| in 1/s)."""
    if model == "seed":
        w, nw = -0.3, N_UNITS * -0.3
        lam_d, lam_w = (-1 - w - beta * nw) / TAU, (-1 - beta * nw) / TAU
    else:
        lam_d, lam_w = (-1 + alpha + beta * 0.5) / TAU, (-1 + alpha) / TAU
    label = "runaway" if lam_w > 0 else ("winner-take-all" if lam_d > 0 else "coexistence")
    return label, min(abs(lam_d), abs(lam_w))


CASES = {  # case: (swept path, values, the regimes it crosses); no value falls on a boundary
    "seed": ("areas.A.competition.beta", np.linspace(0.0, 1.2, 41),
             {"coexistence", "winner-take-all", "runaway"}),
    "lateral-beta": ("areas.A.competition.beta", np.linspace(0.0, 2.0, 40), {"coexistence", "winner-take-all"}),
    "lateral-alpha": ("areas.A.competition.alpha", np.linspace(0.4, 1.4, 40), {"winner-take-all", "runaway"}),
}


@pytest.mark.parametrize("duration", ["1 s", "4 s"])
@pytest.mark.parametrize("case", list(CASES))
def test_sweep_labels_match_the_closed_form_boundaries_at_any_duration(case, duration):
    """Every point is labelled as the closed form says, at 1 s as at 4 s: a run whose deciding mode is
    too slow to have acted within the run is continued by its rate equations, never left `unsettled`."""
    model = case.split("-")[0]
    path, values, regimes = CASES[case]
    base = uniform_area(model, beta=1.5 if case == "lateral-alpha" else 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", na.DivergenceWarning)
        ds = na.sweep(base, {path: values}, duration, metrics=["regime"], progress=False)
    labels = [REGIMES[c] for c in ds.regime_A.values]
    for v, label in zip(values, labels):
        beta, alpha = (1.5, v) if case == "lateral-alpha" else (v, 0.5)
        expected, slowest = analytic(model, beta, alpha)
        assert label == expected, (case, duration, v, label, expected, slowest)
    assert set(labels) == regimes


def test_noise_driven_runs_are_labelled_by_their_mean_not_their_fluctuations():
    """Input noise makes rates fluctuate for ever: they neither settle exactly nor oscillate. Labels
    follow the deterministic ones (coexistence at beta = 0.3, a winner at 0.7, the E-I rhythm)."""
    noise = {"sigma": 0.05, "tau": "20 ms"}
    specs = [na.models.seed_competition(beta=b).replace({"stimuli[0].noise": noise}) for b in (0.3, 0.7)]
    for seed in range(4):
        res = na.simulate_batch(specs, "2 s", record_every=50, record=("r", "I"), seed=seed, progress=False)
        assert classify_regime(res, "V1").values.tolist() == ["coexistence", "winner-take-all"], seed
    ei = ei_oscillator(noise=", noise: {sigma: 0.02, tau: 10 ms}")
    res = na.simulate_batch([ei] * 3, "2 s", record_every=10, seed=[0, 1, 2], progress=False)
    assert classify_regime(res, "E").values.tolist() == ["oscillation"] * 3


# The shipped beta sweep: seed model, 4 ReLU units, w = -0.3, unequal inputs I = (1, 0.98, 0.96, 0.94), u0 = 0,
# tau du/dt = -u + A r + I with A = w (1 - eye) - beta n w eye. With the units of an active set S at r = u
# and the others at r = 0, a fixed point solves (eye - A D_S) u = I (D_S: diagonal, 1 on S); it exists when
# u > 0 exactly on S, and it is stable when every eigenvalue of (-eye + A D_S) / tau is negative.
SHIPPED_INPUTS = np.array([1.0, 0.98, 0.96, 0.94])


def seed_fixed_points(beta, w=-0.3, I=SHIPPED_INPUTS):
    """[(rates, stable)] of every fixed point of the ReLU seed model, one per consistent active set."""
    n = I.size
    A = w * (np.ones((n, n)) - np.eye(n)) - beta * n * w * np.eye(n)
    out = []
    for mask in itertools.product([0.0, 1.0], repeat=n):
        M = -np.eye(n) + A * np.array(mask)[None, :]
        if not any(mask) or abs(np.linalg.det(M)) < 1e-12:
            continue
        u = np.linalg.solve(-M, I)
        if np.array_equal(u > 0, np.array(mask) > 0):
            out.append((np.maximum(u, 0), np.linalg.eigvals(M).real.max() < 0))
    return out


def label_of(r, I=SHIPPED_INPUTS):
    """classify_regime's rule for a settled state: winner-take-all when the runner-up is at most half the
    winner's rate times their input ratio, coexistence otherwise."""
    first, second = np.argsort(r)[::-1][:2]
    return "winner-take-all" if r[second] <= 0.5 * r[first] * I[second] / I[first] else "coexistence"


def shipped_expected(beta):
    """The closed-form label: runaway where no stable fixed point exists (the lone winner's own mode grows,
    1.2 beta > 1), else the label every stable fixed point shares (asserted: they agree)."""
    labels = {label_of(r) for r, stable in seed_fixed_points(beta) if stable}
    if not labels:
        assert 1.2 * beta > 1, beta
        return "runaway"
    assert len(labels) == 1, (beta, labels)
    return labels.pop()


def long_run_label(beta, w=-0.3, I=SHIPPED_INPUTS, tau=0.01, T=60.0):
    """The label of the end state of a 60 s scipy integration from u = 0 (an independent solver)."""
    n = I.size
    A = w * (np.ones((n, n)) - np.eye(n)) - beta * n * w * np.eye(n)
    sol = solve_ivp(lambda t, u: (-u + A @ np.maximum(u, 0) + I) / tau, (0, T), np.zeros(n), method="LSODA",
                    rtol=1e-10, atol=1e-12)
    u = sol.y[:, -1]
    assert np.max(np.abs(-u + A @ np.maximum(u, 0) + I)) < 1e-5 * np.max(np.abs(u))  # at rest
    return label_of(np.maximum(u, 0))


def test_closed_form_boundaries_of_the_shipped_beta_sweep():
    """The expected labels: coexistence, then winner-take-all from where the stable state's runner-up drops
    below half the winner (between beta 0.567 and 0.573, before the lone winner silences the runner-up at
    (1 - 0.3/0.98)/1.2 = 0.578), then runaway from 1/1.2 = 0.833; a long scipy run agrees near the edges."""
    beta = np.linspace(0, 1.2, 200)
    expected = np.array([shipped_expected(b) for b in beta])
    lone = beta[[any(stable and np.count_nonzero(r) == 1 for r, stable in seed_fixed_points(b)) for b in beta]]
    assert lone.min() == pytest.approx((1 - 0.3 / 0.98) / 1.2, abs=0.0061)
    np.testing.assert_array_equal(expected == "runaway", 1.2 * beta > 1)
    assert beta[expected == "coexistence"].max() < 0.57 < beta[expected == "winner-take-all"].min() < 0.578
    for b in beta[(np.abs(beta - 0.58) < 0.02) | (np.abs(beta - 1 / 1.2) < 0.015) & (1.2 * beta < 1)]:
        assert long_run_label(b) == shipped_expected(b), b


def test_a_run_that_has_not_settled_is_labelled_by_where_its_equations_take_it():
    """tau = 1 s makes every mode of the shipped model 100 times slower: at beta = 0.573 the stable state
    has two active units, winner-take-all by the label rule (runner-up 0.34 of the winner), approached at
    1.26/s (x 1/100). Runs of 0.3 s and 1 s are still on their way; each is continued by its rate equations
    (the spec from the result's provenance, or given per point) and labelled as the closed form says."""
    beta = float(np.linspace(0, 1.2, 200)[95])
    stable = [r for r, ok in seed_fixed_points(beta) if ok]
    assert len(stable) == 1 and label_of(stable[0]) == "winner-take-all"
    slow = na.models.seed_competition(beta=beta, tau="1 s")
    for duration in ("0.3 s", "1 s"):
        res = na.simulate(slow, duration, dt="1 ms", record_every=10, record=("r", "I"), seed=0, progress=False)
        assert np.ptp(res.r.values[-10:, 0]) > 1e-3 * res.r.values[-1, 0]  # still moving
        assert str(classify_regime(res).values) == "winner-take-all", duration
    batch = na.simulate_batch([slow, slow.replace({"areas.V1.competition.beta": 0.3})], "0.3 s", dt="1 ms",
                              record_every=10, record=("r", "I"), seed=0, progress=False)
    labels = classify_regime(batch, spec=[slow, slow.replace({"areas.V1.competition.beta": 0.3})])
    assert labels.values.tolist() == ["winner-take-all", shipped_expected(0.3)]
    with pytest.raises(na.NeuroAttnError, match="one per run"):
        classify_regime(batch, spec=[slow])


def test_continued_runs_show_runaway_and_oscillation_by_the_same_rules():
    """After 0.1 s the E-I network is still in its transient and a winner just past the runaway edge
    (beta = 0.84: 1.2 beta > 1) has not yet shown a clean growth; continued, they are what 2 s runs show."""
    ei = na.simulate(ei_oscillator(), "0.1 s", record_every=5, seed=0, progress=False)
    runaway = na.simulate(na.models.seed_competition(beta=0.84), "0.1 s", record_every=5, progress=False)
    for res, area, label in ((ei, "E", "oscillation"), (runaway, "V1", "runaway")):
        bare = res.copy()
        bare.attrs = {}  # no spec: nothing to continue
        assert str(classify_regime(bare, area).values) == "unsettled"
        assert str(classify_regime(res, area).values) == label


def test_runs_that_cannot_be_continued_stay_unsettled():
    """The same slow decision at beta = 0.573 (tau = 10 ms, 1 s): labelled when the run is continued, but
    `unsettled` when a stimulus is switched off after the run's end (the input to come is not the input
    now) or when noise drives it (its future is not the equations' alone)."""
    beta = float(np.linspace(0, 1.2, 200)[95])
    spec = na.models.seed_competition(beta=beta)
    specs = [spec, spec.replace({"stimuli[0].offset": "5 s"}),
             spec.replace({"stimuli[0].noise": {"sigma": 0.005, "tau": "20 ms"}})]
    labels = [str(classify_regime(na.simulate(s, "1 s", record_every=20, record=("r", "I"), seed=0,
                                              progress=False)).values) for s in specs]
    assert labels == ["winner-take-all", "unsettled", "unsettled"]


@pytest.mark.slow
def test_the_shipped_beta_sweep_gives_the_same_labels_at_1_s_and_4_s():
    """experiments/beta_sweep.yaml: every one of the 200 labels is the closed form's
    (`shipped_expected`), at 1 s and at 4 s alike; none is `unsettled` (the points next to 0.58 whose
    deciding modes are slower than a few per second are continued by their rate equations)."""
    from paths import EXPERIMENTS

    from neuroattn.sweeps.config import load_sweep

    spec, space, kwargs = load_sweep(EXPERIMENTS / "beta_sweep.yaml")
    kwargs.update(progress=False, metrics=["regime"])
    labels = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", na.DivergenceWarning)
        for duration in ("1 s", "4 s"):
            ds = na.sweep(spec, space, **{**kwargs, "duration": duration})
            labels[duration] = np.array([REGIMES[c] for c in ds.regime_V1.values])
    beta = ds["areas.V1.competition.beta"].values
    expected = np.array([shipped_expected(b) for b in beta])
    for duration, lab in labels.items():
        np.testing.assert_array_equal(lab, expected, err_msg=duration)
    np.testing.assert_array_equal(labels["1 s"], labels["4 s"])
