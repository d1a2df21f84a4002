"""Property-based: random valid specs round-trip through YAML; corruptions raise SpecError only."""
import ast

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
        assert isinstance(err, na.SpecError), how  # the type, not just "some error"
        assert message and "\n" not in message, how
        assert "Traceback" not in message
        # the field: the message's path starts in the part of the spec that was corrupted
        kind, text = how.split(" at ", 1)
        path = ast.literal_eval(text)  # the corrupted location, e.g. ('areas', 'V1', 'tau')
        if kind == "unknown-key":  # the unknown key sits beside the sampled one
            path = path[:-1] + ("not_a_field",)
        where = message.split(":", 1)[0]
        top = str(path[0])
        assert where.startswith((top, "NetworkSpec")) or (top == "areas" and where.startswith("areas")), \
            (how, message)
        if top == "areas" and len(path) > 2 and where.startswith("areas."):
            assert where.startswith(f"areas.{path[1]}"), (how, message)
    # Some corruptions are still valid specs (e.g. True for a float field is refused, but an int may fit);
    # what must never happen is an exception of another type, which would escape this test.
