"""Divergence flags: true exactly where a rate unit's state is non-finite or beyond the limit."""
import numpy as np
import pytest

import neuroattn as na
from neuroattn.engine.collect import DIVERGENCE_LIMIT

BETA = "areas.V1.competition.beta"


def _one_area(transfer, baseline=0.7):
    """Rates feed back into the state (lateral competition), so a non-finite rate reaches u."""
    return na.NetworkSpec(areas={"A": na.Area(n=2, tau="10 ms", transfer=transfer, baseline=baseline,
                                              competition=na.Lateral(alpha=0.2, beta=0.5, weights=0.5))})


def _beyond(ds, K):
    """Per point: is some final u or r non-finite or beyond the limit (computed here from the values)?"""
    state = np.concatenate([ds.u_final.values.reshape(K, -1), ds.r_final.values.reshape(K, -1)], axis=1)
    return ~np.all(np.isfinite(state), axis=1) | np.any(np.abs(np.nan_to_num(state)) > DIVERGENCE_LIMIT, axis=1)


@pytest.mark.parametrize("transfer", ["log(u - 10)", "sqrt(u - 10)", "1/u"])
def test_nan_runs_are_flagged_with_and_without_traces(transfer):
    spec = _one_area(transfer)
    for record in (None, ["u"]):
        with pytest.warns(na.DivergenceWarning):
            ds = na.simulate(spec, "5 ms", record=record)
        state = np.concatenate([ds.u_final.values, ds.r_final.values])
        assert not np.all(np.isfinite(state))  # the premise: the rate (or state) is not finite
        assert bool(ds.diverged)


def test_batch_flags_exactly_the_points_whose_state_is_not_finite():
    # r = sqrt(u): a positive drive keeps u >= 0, a negative one makes u < 0 and r NaN (second point only)
    with pytest.warns(na.DivergenceWarning):
        ds = na.simulate_batch([_one_area("sqrt(u)", b) for b in (0.7, -0.7, 0.3)], "5 ms")
    expected = _beyond(ds, 3)
    assert expected.tolist() == [False, True, False]
    assert ds.diverged.values.tolist() == expected.tolist()


@pytest.mark.parametrize("backend", ["batched", "processes"])
def test_beta_sweep_beyond_the_window_is_flagged(backend):
    from neuroattn.models import seed_competition

    with pytest.warns(na.DivergenceWarning):
        ds = na.sweep(seed_competition(), {BETA: [40.0, 50.0]}, "2 s", backend=backend, progress=False)
    expected = _beyond(ds, 2)
    assert expected.all()  # the premise: beyond the window the state leaves the finite range
    assert ds.diverged.values.tolist() == expected.tolist()
