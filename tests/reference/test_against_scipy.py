"""The engine against scipy's solve_ivp at tight tolerances: errors are those of forward Euler."""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neuroattn as na
from neuroattn.analysis import RateModel


def random_spec(seed, transfer, model):
    rng = np.random.default_rng(seed)
    n = 5
    W = rng.normal(0, 0.5, (n, n))
    comp = {"seed": na.Seed(beta=float(rng.uniform(0, 2)), weights=W),
            "lateral": na.Lateral(alpha=float(rng.uniform(0, 1)), beta=float(rng.uniform(0, 1)), weights=W),
            "divisive": na.Divisive(beta=float(rng.uniform(0.5, 2)), sigma=0.5, weights=np.abs(W))}[model]
    return na.NetworkSpec(areas={"A": na.Area(n=n, tau="10 ms", transfer=transfer, competition=comp,
                                              u0=rng.uniform(0, 0.5, n).tolist())},
                          stimuli=[na.Stimulus(area="A", amplitude=rng.uniform(0.2, 1.2, n))])


def exact(spec, T):
    model = RateModel(spec)
    I = model.steady_input()
    u0 = np.array(spec.areas["A"].u0, float)
    sol = solve_ivp(lambda t, u: model.rhs(u, I), (0, T), u0, method="DOP853", rtol=1e-12, atol=1e-12)
    return sol.y[:, -1]


@pytest.mark.parametrize("model", ["seed", "lateral", "divisive"])
@pytest.mark.parametrize("transfer", [{"kind": "sigmoid", "gain": 4, "threshold": 0.5}, "relu"])
@pytest.mark.parametrize("seed", [0, 1])
def test_euler_error_is_first_order(seed, transfer, model):
    spec = random_spec(seed, transfer, model)
    T = 0.03
    truth = exact(spec, T)
    errs = []
    for dt in ("0.1 ms", "0.05 ms"):
        res = na.simulate(spec, f"{T} s", dt=dt, record_every=None)
        errs.append(np.max(np.abs(res.u_final.values - truth)))
    scale = max(1.0, np.max(np.abs(truth)))
    assert errs[0] < 2e-2 * scale  # small at dt = tau/100
    # halving dt halves the error (forward Euler is first order); ReLU kinks blur the ratio a little
    assert 1.5 < errs[0] / errs[1] < 2.6, errs
