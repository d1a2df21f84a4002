"""Property-based: every random valid spec simulates to a finite result or one flagged as diverged."""
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings

import neuroattn as na
from strategies import spec_data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec_data())
def test_random_specs_simulate_finite_or_flagged(data):
    spec = na.load_spec(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = na.simulate(spec, "20 ms", dt="0.1 ms", seed=0, record_every=20)
    diverged = bool(res.attrs["diverged"])
    finite = np.all(np.isfinite(res.u.values)) and np.all(np.isfinite(res.u_final.values))
    assert diverged or finite
    assert diverged == any(issubclass(w.category, na.DivergenceWarning) for w in caught)
