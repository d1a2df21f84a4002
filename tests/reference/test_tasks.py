"""Closed-loop tasks and the reward-gated rule: a hand-written loop (1e-9) and learning a mapping."""
import numpy as np
import pytest

import neuroattn as na

W0 = np.array([[0.5, 0.2], [0.3, 0.4]])


def choice_task(rule=None, task=None, w0=W0):
    """x shows pattern 0 or 1 (10 ms each, cycling); y must answer with the same unit, read at 8 ms."""
    return na.load_spec({"name": "choice", "areas": {
        "x": {"n": 2, "tau": "1 ms", "transfer": "linear"},
        "y": {"n": 2, "tau": "2 ms", "transfer": "relu"}},
        "projections": [{"source": "x", "target": "y", "weights": w0.tolist(),
                         "plasticity": {"rule": "reward", "rate": 50.0, "tau_e": "5 ms", "task": "choose",
                                        **(rule or {})}}],
        "stimuli": [{"area": "x", "patterns": [[1.0, 0.0], [0.0, 1.0]],
                     "presentation": {"duration": "10 ms", "order": "cycle"}}],
        "tasks": [{"name": "choose", "area": "y", "decide_at": "8 ms", "rewarded": [0, 1],
                   "expected_trials": 4, "delta_duration": "2 ms", **(task or {})}]})


def reference(n_steps, dt=1e-4):
    ux, uy, w, e = np.zeros(2), np.zeros(2), W0.copy(), np.zeros((2, 2))
    expected, delta, off, choices, deltas = 0.0, 0.0, -1, [], []
    for k in range(n_steps):
        x, y = ux, np.maximum(uy, 0)
        if k == off:
            delta = 0.0
        if k % 100 == 80:  # decision 8 ms into each 10 ms trial
            pattern = (k // 100) % 2
            choice = int(np.argmax(y))
            reward = 1.0 if choice == pattern else 0.0
            delta = reward - expected
            expected += delta / 4
            off = k + 20
            choices.append(choice)
            deltas.append(delta)
        dw = 50.0 * delta * e
        de = (np.outer(y, x) - e) / 0.005
        ux, uy = ux + dt * (-ux + np.eye(2)[(k // 100) % 2]) / 0.001, uy + dt * (-uy + w @ x) / 0.002
        w, e = w + dt * dw, e + dt * de
    return w, np.array(choices), np.array(deltas)


def test_reward_rule_and_task_agree_with_a_hand_written_loop():
    res = na.simulate(choice_task(), "200 ms", record_every=None, seed=0, progress=False)
    w, choices, deltas = reference(2000)
    np.testing.assert_array_equal(res.choice_choose.values, choices)
    np.testing.assert_allclose(res.delta_choose.values, deltas, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.w_x_to_y_final.values, w, rtol=0, atol=1e-9)
    assert res.sizes["trial_choose"] == 20 and res.trial_time_choose.values[0] == pytest.approx(0.008)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.filterwarnings("ignore::neuroattn.exceptions.NumericsWarning")  # dt = tau on purpose
def test_a_noisy_winner_take_all_learns_the_rewarded_mapping(seed):
    """AGREL in miniature: y is a noisy winner-take-all, so only the chosen unit's synapses are
    eligible; reward strengthens them, its absence weakens them."""
    spec = choice_task(w0=np.full((2, 2), 0.3)).replace({
        "areas.y.competition": {"model": "lateral", "alpha": 0.0, "beta": 3.0, "weights": 1.0},
        "stimuli": [*[s.model_dump(mode="json") for s in choice_task().stimuli],
                    {"area": "y", "amplitude": 0.0, "noise": {"sigma": 0.3, "tau": "2 ms"}}]})
    res = na.simulate(spec, "6 s", dt="0.5 ms", record_every=None, seed=seed, progress=False)
    correct = res.choice_choose.values == res.trial_pattern_choose.values
    assert correct[:50].mean() < 0.8  # starts near chance
    assert correct[-100:].mean() > 0.95  # ends choosing the rewarded unit
    w = res.w_x_to_y_final.values
    assert w[0, 0] > w[0, 1] and w[1, 1] > w[1, 0]


def test_batched_softmax_choices_depend_only_on_each_points_seed():
    spec = choice_task(task={"choice": "softmax", "temperature": 0.2})
    batch = na.simulate_batch([spec, spec], "300 ms", seed=[3, 4], record_every=None, progress=False)
    for k, seed in enumerate([3, 4]):
        one = na.simulate(spec, "300 ms", seed=seed, record_every=None, progress=False)
        np.testing.assert_array_equal(batch.choice_choose.values[k], one.choice_choose.values)


@pytest.mark.parametrize("change, match", [
    ({"tasks": [{"name": "choose", "area": "PFC", "decide_at": "8 ms", "rewarded": [0, 1]}]},
     r"tasks\[0\]\.area: no area named 'PFC'"),
    ({"tasks": [{"name": "choose", "area": "y", "decide_at": "8 ms", "rewarded": [0, 5]}]},
     r"tasks\[0\]\.rewarded: area 'y' has units 0\.\.1"),
    ({"tasks": []}, r"plasticity\.task: no task named 'choose'"),
])
def test_bad_tasks_are_refused_in_one_line(change, match):
    data = na.spec.spec_to_dict(choice_task())
    data.update(change)
    with pytest.raises(na.SpecError, match=match):
        na.load_spec(data)
