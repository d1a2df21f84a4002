"""Property-based: random valid specs round-trip through YAML; corruptions raise SpecError only."""
from hypothesis import HealthCheck, given, settings

import neuroattn as na
from neuroattn.exceptions import NeuroAttnError
from strategies import corrupted, spec_data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec_data())
def test_random_valid_specs_round_trip(data):
    spec = na.load_spec(data)
    assert na.load_spec(na.dump_spec(spec)) == spec


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted())
def test_corruptions_raise_neuroattn_errors_only(case):
    data, how = case
    try:
        na.load_spec(data)
    except NeuroAttnError as err:
        message = str(err)
        assert message and "\n" not in message, how
        assert "Traceback" not in message
    # Some corruptions are still valid specs (e.g. True for a float field is refused, but an int may fit);
    # what must never happen is an exception of another type, which would escape this test.
