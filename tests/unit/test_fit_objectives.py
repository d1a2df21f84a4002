"""Objectives, parameter scales and behaviour tables against closed forms and scipy (no simulation)."""
import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from neuroattn.analysis.decisions import first_crossing
from neuroattn.fitting import Binomial, RTLikelihood, behaviour_table, clopper_pearson
from neuroattn.fitting.parameters import Parameter


def _trials(choices, times, conditions):
    return pd.DataFrame({"condition": conditions, "choice": choices, "decision_time": times})


def test_binomial_loss_is_the_closed_form_likelihood():
    obj = Binomial(area="A", threshold=0.5)
    # condition 0: 3 of 4 simulated trials correct (one undecided counts half); condition 1: 1 of 2
    trials = _trials([0, 0, 1, -1, 0, 1], [0.1] * 6, [0, 0, 0, 0, 1, 1])
    data = pd.DataFrame({"condition": [0, 0, 1], "correct": [1.0, 0.0, 1.0]})
    p0, p1 = (2.5 + 0.5) / 5, (1 + 0.5) / 3
    expected = -(np.log(p0) + np.log(1 - p0) + np.log(p1))
    assert obj.loss(trials, data) == pytest.approx(expected, rel=1e-12)


def test_rt_densities_integrate_to_the_choice_shares():
    """Per condition the defective densities of correct and error RTs integrate to their shares of the
    simulated trials; undecided trials are the missing mass."""
    rng = np.random.default_rng(0)
    n = 200
    choice = np.where(rng.random(n) < 0.7, 0, 1)
    choice[:10] = -1
    obj = RTLikelihood(area="A", threshold=0.5, non_decision_time=0.3)
    time = rng.gamma(4.0, 0.1, n)
    trials = _trials(choice, np.where(choice >= 0, time, np.nan), np.zeros(n, int))
    groups = list(obj._groups(trials))
    assert len(groups) == 1
    _, total, sims = groups[0]
    for response, share in ((1, np.mean(choice == 0)), (0, np.mean(choice == 1))):
        mass, _ = integrate.quad(lambda t: obj._density(sims[response], total, np.array([t]))[0], -2, 5, limit=200)
        assert mass == pytest.approx(share, abs=1e-6)
    assert np.all(sims[1] >= 0.3)  # the non-decision time is added


def test_rt_likelihood_prefers_the_distribution_the_data_came_from():
    rng = np.random.default_rng(1)
    obj = RTLikelihood(area="A", threshold=0.5, non_decision_time=0.0)
    data = pd.DataFrame({"condition": 0, "rt": rng.gamma(4.0, 0.1, 300), "correct": 1.0})
    near = _trials(np.zeros(400, int), rng.gamma(4.0, 0.1, 400), np.zeros(400, int))
    far = _trials(np.zeros(400, int), rng.gamma(4.0, 0.14, 400), np.zeros(400, int))
    assert obj.loss(near, data) < obj.loss(far, data)


def test_clopper_pearson_matches_scipy():
    for k, n in ((0, 10), (3, 10), (10, 10), (431, 436)):
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        lo, hi = clopper_pearson(k, n)
        assert (lo, hi) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_behaviour_table_of_a_small_data_set():
    data = pd.DataFrame({"coh": [0, 0, 0, 0.5, 0.5], "rt": [0.5, 0.7, 0.9, 0.3, 0.4], "correct": [1, 0, 1, 1, 1.0]})
    table = behaviour_table(data)
    assert table.loc[0.0, "p_correct"] == pytest.approx(2 / 3)
    assert table.loc[0.0, "rt_median"] == pytest.approx(0.7)  # of correct trials: 0.5 and 0.9
    assert table.loc[0.5, "rt_mean"] == pytest.approx(0.35)
    assert table.loc[0.5, "n"] == 2


def test_first_crossing_interpolates_and_breaks_ties_by_time():
    t = np.array([0.0, 1.0, 2.0])
    x = np.array([[[0.0, 0.0], [0.4, 0.9], [1.0, 1.0]],     # unit 1 crosses 0.5 at 1 - 0.4/0.9... inside step 0->1
                  [[0.6, 0.0], [0.7, 0.0], [0.8, 0.0]],     # already above at the first sample
                  [[0.0, 0.0], [0.1, 0.2], [0.3, 0.2]]])    # never
    time, choice = first_crossing(x, t, 0.5)
    assert choice.tolist() == [1, 0, -1]
    assert time[0] == pytest.approx(0.5 / 0.9) and time[1] == 0.0 and np.isnan(time[2])


@pytest.mark.parametrize("log", [False, True])
def test_parameter_scale_maps_the_unit_cube_onto_the_bounds(log):
    p = Parameter("x", 0.01, 10.0, log)
    assert p.value(0.0) == pytest.approx(0.01) and p.value(1.0) == pytest.approx(10.0)
    assert p.value(0.5) == pytest.approx(np.sqrt(0.1) if log else 5.005)
    assert p.z(p.value(0.3)) == pytest.approx(0.3)
    assert Parameter("tau", 0.01, 0.1, False, "second").spec_value(0.05) == "0.05 s"


@pytest.mark.parametrize("normalize", [False, True])
def test_squared_error_scores_a_batch_like_a_loop_over_candidates(normalize):
    """A batch of candidates scored at once equals the sum of squares written out candidate by
    candidate: trial means per condition and unit, each divided by the largest of the reference
    condition where asked."""
    from neuroattn.fitting import SquaredError

    rng = np.random.default_rng(2)
    S, n_c, n_t, n = 5, 3, 4, 6
    table = pd.DataFrame({"attention": [0.0, 1.0, 1.0], "c": [0.5, 0.5, 1.0]})
    condition = np.repeat(np.arange(n_c), n_t)[rng.permutation(n_c * n_t)]
    rates = rng.gamma(2.0, 0.3, (S, n_c * n_t, n))
    data = pd.DataFrame({"condition": np.repeat(np.arange(n_c), n)[:-2], "unit": np.tile(np.arange(n), n_c)[:-2]})
    data["rate"] = rng.gamma(2.0, 0.3, len(data))
    obj = SquaredError(area="A", conditions={"attention": "x.a", "c": "x.c"},
                       normalize_to={"attention": 0.0} if normalize else None)
    losses = obj.losses({"rates": rates}, condition, data, table)
    for s in range(S):
        model = np.array([[np.mean([rates[s, r, u] for r in range(n_c * n_t) if condition[r] == c]) for u in range(n)]
                          for c in range(n_c)])
        predicted = np.array([model[c, u] for c, u in zip(data.condition, data.unit)])
        observed = data.rate.to_numpy()
        if normalize:
            predicted = predicted / model[0].max()
            observed = observed / observed[data.condition.to_numpy() == 0].max()
        assert losses[s] == pytest.approx(np.sum((predicted - observed) ** 2), rel=1e-12)
        frame = pd.DataFrame({"condition": condition, "rates": list(rates[s])})
        frame.attrs["table"] = table
        assert obj.loss(frame, data) == losses[s]


def test_the_default_batch_score_is_the_loss_of_each_candidate():
    """Objectives without array code score a batch candidate by candidate with `loss`, including
    per-trial arrays (crossings at several threshold levels)."""
    rng = np.random.default_rng(3)
    obj = Binomial(area="A", threshold=0.45, levels=(0.3, 0.4, 0.5, 0.6))
    S, R = 4, 10
    condition = np.repeat([0, 1], R // 2)
    times = np.sort(rng.random((S, R, 4)), axis=2)
    choices = rng.integers(-1, 2, (S, R, 4))
    data = pd.DataFrame({"condition": [0, 0, 1, 1, 1], "correct": [1.0, 0.0, 1.0, 1.0, 0.0]})
    losses = obj.losses({"decision_time": times, "choice": choices}, condition, data, pd.DataFrame(index=[0, 1]))
    for s in range(S):
        assert losses[s] == obj.loss(pd.DataFrame({"condition": condition, "decision_time": list(times[s]),
                                                   "choice": list(choices[s])}), data)
    assert len(set(losses)) > 1
