"""Points that share a spec object or a seed are computed once and repeated, with the same numbers."""
import dataclasses

import numpy as np

import neuroattn as na
from helpers import two_area_spec
from neuroattn.engine import OUProcess
from neuroattn.engine.batch import batch_params


def _assert_same(a, b, where="params"):
    """Every array of two BatchParams (recursively through dataclasses, dicts and lists) equal."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            if f.name != "specs":
                _assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _assert_same(a[k], b[k], f"{where}[{k}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}[{k}]")
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
        assert a.shape == b.shape, where


def test_repeated_spec_objects_batch_like_distinct_copies():
    """A sweep's rows run for several seeds repeat one spec object; its numbers are computed once,
    and every array equals the batch of independent copies (plastic weights included)."""
    a = two_area_spec().replace({"areas.V1.competition.beta": 0.7, "projections[0].scale": 0.4})
    b = a.replace({"areas.V1.competition.beta": 0.2, "stimuli[0].noise.sigma": 0.1})
    c = a.replace({"projections[0].plasticity": {"rule": "hebb", "rate": 0.5}})
    d = c.replace({"projections[0].plasticity.rate": 0.1, "areas.PFC.tau": "20 ms"})
    for x, y in ((a, b), (c, d)):
        shared = [x, x, y, x, y, y]
        copies = [na.NetworkSpec.from_dict(s.model_dump(mode="json")) for s in shared]
        assert len({id(s) for s in copies}) == 6
        fast, reference = batch_params(shared), batch_params(copies)
        _assert_same(fast, reference)
        assert fast.specs == shared and fast.n_points == 6
    plastic = batch_params([c, c]).projections[0]
    assert plastic.shape[0] == 2 and not np.shares_memory(plastic[0], plastic[1])


def test_points_with_one_seed_get_the_noise_of_their_own_process():
    """OU noise drawn once per distinct seed equals each point's own process, step by step."""
    seeds = [7, 3, 7, 7, 3]
    sigma = np.linspace(0.1, 0.5, 5 * 4).reshape(5, 4)
    tau = np.full((5, 4), 0.01)
    shared = OUProcess(seeds, 1, sigma, tau, 1e-3, n_steps=50).trajectory(50)
    for k, seed in enumerate(seeds):
        own = OUProcess([seed], 1, sigma[k:k + 1], tau[k:k + 1], 1e-3, n_steps=50).trajectory(50)
        np.testing.assert_array_equal(shared[:, 4 * k:4 * (k + 1)], own)
