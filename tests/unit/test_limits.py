"""analysis.limits: a run continued by its rate equations, against closed forms (no simulation)."""
import numpy as np
import pytest

import neuroattn as na
from neuroattn.analysis.limits import cannot_continue, continue_run, input_after
from neuroattn.exceptions import NeuroAttnError

# Seed model, 4 ReLU units, uniform w = -0.3, inputs I_i, tau = 10 ms: a lone winner (input 1) has
# u_w = 1 / (1 - 1.2 beta) and silences unit j where u_j = I_j - 0.3 u_w < 0; its own mode grows at
# (1.2 beta - 1) / tau.
INPUTS = np.array([1.0, 0.98, 0.96, 0.94])


def test_a_continued_run_reaches_the_closed_form_lone_winner():
    beta = 0.6
    spec = na.models.seed_competition(beta=beta)
    windows = list(continue_run(spec, [0.5, 0.4, 0.3, 0.2], 1.0, window=0.05))
    u_w = 1 / (1 - 1.2 * beta)
    expected = np.r_[u_w, INPUTS[1:] - 0.3 * u_w]
    assert windows[-1].fixed_point is not None and all(w.fixed_point is None for w in windows[:-1])
    np.testing.assert_allclose(windows[-1].fixed_point, expected, rtol=1e-9)
    np.testing.assert_allclose(windows[-1].r[-1], np.maximum(expected, 0), rtol=1e-5, atol=1e-6)
    lengths = [w.times[-1] - w.times[0] for w in windows]
    np.testing.assert_allclose(lengths, 0.05 * 2.0 ** np.arange(len(windows)))
    assert windows[1].times[0] == pytest.approx(windows[0].times[-1])


def test_a_continued_runaway_grows_at_the_winner_s_rate_and_stops_before_overflowing():
    beta = 0.9
    spec = na.models.seed_competition(beta=beta)
    windows = list(continue_run(spec, [2.0, 0.0, 0.0, 0.0], 1.0, window=0.1))
    assert all(w.fixed_point is None for w in windows)
    last = windows[-1]
    assert np.all(np.isfinite(last.r)) and last.r[-1, 0] > 1e5
    # the others silent, the winner moves away from u* = -1 / (1.2 beta - 1) as exp((1.2 beta - 1) t / tau)
    step = np.diff(windows[1].r[:, 0])
    rate = np.log(step[-1] / step[-2]) / np.diff(windows[1].times)[-1]
    assert rate == pytest.approx((1.2 * beta - 1) / 0.01, rel=1e-6)


def test_the_input_after_the_end_counts_only_stimuli_still_on():
    spec = na.models.seed_competition().replace({"stimuli[0].offset": "0.5 s"})
    np.testing.assert_array_equal(input_after(spec, 1.0), 0.0)
    np.testing.assert_array_equal(input_after(na.models.seed_competition(), 1.0), INPUTS)


def test_runs_that_only_their_equations_do_not_decide_are_not_continued():
    seed = na.models.seed_competition()
    assert cannot_continue(seed, 1.0) is None
    assert cannot_continue(seed.replace({"stimuli[0].offset": "0.5 s"}), 1.0) is None  # already off
    cases = {
        "noise": seed.replace({"stimuli[0].noise": {"sigma": 0.05, "tau": "20 ms"}}),
        "offset": seed.replace({"stimuli[0].offset": "2 s"}),
        "onset": seed.replace({"stimuli[0].onset": "1.5 s"}),
        "spiking": na.models.spiking_form(seed),
        "plastic": na.load_spec("""
areas: {x: {n: 2, tau: 10 ms, transfer: linear}, y: {n: 1, tau: 10 ms, transfer: linear}}
projections: [{source: x, target: y, weights: [[0.1, 0.2]], plasticity: {rule: oja, rate: 2.0}}]
stimuli: [{area: x, amplitude: [1.0, 0.5]}]
"""),
    }
    for word, spec in cases.items():
        reason = cannot_continue(spec, 1.0)
        assert reason is not None and word in reason, (word, reason)
        with pytest.raises(NeuroAttnError, match=word):
            next(continue_run(spec, np.zeros(spec.n_units), 1.0, window=0.1))
    delayed = na.load_spec("""
areas: {A: {n: 1, tau: 10 ms, transfer: relu}, B: {n: 1, tau: 10 ms, transfer: relu}}
projections: [{source: A, target: B, weights: 1.0, delay: 5 ms}]
stimuli: [{area: A, amplitude: 1.0}]
""")
    assert "delay" in cannot_continue(delayed, 1.0)
