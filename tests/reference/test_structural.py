"""Structural plasticity and reserve units against closed forms and hand-written loops."""
import numpy as np
import pytest

import neuroattn as na
from neuroattn.exceptions import BuildError

DT = 1e-4


def decaying(W0, structural, x_input=(1.0, 0.5, 0.25), decay=20.0):
    """x (3 linear units, constant input) -> y (len(W0) linear units); the weights only decay, so
    ``w_k = w0 * (1 - decay*dt)**k`` at step k: a closed form for when each one falls below a threshold."""
    return na.load_spec({"areas": {"x": {"n": 3, "tau": "5 ms", "transfer": "linear"},
                                   "y": {"n": len(W0), "tau": "5 ms", "transfer": "linear"}},
                         "projections": [{"source": "x", "target": "y", "weights": np.asarray(W0).tolist(),
                                          "plasticity": {"rule": "hebb", "rate": 0.0, "decay": decay},
                                          "structural": structural}],
                         "stimuli": [{"area": "x", "amplitude": list(x_input)}]})


def test_pruning_removes_exactly_the_synapses_below_threshold_for_long_enough():
    W0 = np.array([[1.0, 0.30, 0.05], [0.0, 0.12, 2.0]])  # one synapse missing from the start
    every, after, below, decay = 50, 100, 0.1, 20.0  # steps, steps, weight, 1/s
    spec = decaying(W0, {"every": f"{every * DT * 1e3:g} ms", "prune_below": below,
                         "prune_after": f"{after * DT * 1e3:g} ms"}, decay=decay)
    n_steps = 2000
    res = na.simulate(spec, f"{n_steps * DT * 1e3:g} ms", dt=f"{DT * 1e3:g} ms", record_every=1, record=["u", "E"],
                      seed=0)
    # closed form: w_k = w0 q^k; below from the first k with w_k < below; pruned at the first check
    # (a multiple of `every`) by which it has been below for `after` steps
    q = 1 - decay * DT
    k = np.arange(n_steps + 1)
    expected_time = np.full(W0.shape, np.inf)
    for (i, j), w0 in np.ndenumerate(W0):
        if w0 == 0:
            continue
        first_below = int(np.argmax(w0 * q ** k < below)) if np.any(w0 * q ** k < below) else None
        if first_below is None:
            continue
        last_above = first_below - 1
        check = -(-(last_above + after) // every) * every  # ceil to the next check
        if check < n_steps:
            expected_time[i, j] = check * DT
    checks = res[res.n_synapses_x_to_y.dims[0]].values
    present = W0 != 0
    expected_count = [int((present & (expected_time > t + 1e-12)).sum()) for t in checks]
    np.testing.assert_array_equal(res.n_synapses_x_to_y.values, expected_count)
    assert res.n_synapses_x_to_y.values[0] == 5 and res.n_synapses_x_to_y.values[-1] < 5
    for (i, j), t in np.ndenumerate(expected_time):  # the mask after each check, synapse by synapse
        np.testing.assert_array_equal(res.mask_x_to_y.values[:, i, j], present[i, j] & (checks < t - 1e-12))
    # a pruned synapse is zero, stays zero, and contributes nothing: the drive is the survivors' sum
    w_final = W0 * q ** n_steps * np.isinf(expected_time)
    np.testing.assert_allclose(res.w_x_to_y_final.values, w_final, rtol=1e-9, atol=0)
    x = res.u.sel(unit=res.area == "x").values  # rates of x (linear)
    E = res.E.sel(unit=res.area == "y").values
    # a check at step c runs after step c's coupling: the synapse still acts at step c, not after
    weights = np.array([W0 * q ** s * (expected_time > s * DT - 1e-12) for s in range(len(res.time))])
    np.testing.assert_allclose(E, np.einsum("tij,tj->ti", weights, x), rtol=1e-9, atol=1e-12)


def coactive_spec(structural):
    """x (4 units: input to 0 and 1) -> y (3 units: input to 0 and 2); one initial synapse y1 <- x3."""
    W0 = np.zeros((3, 4))
    W0[1, 3] = 0.2
    spec = na.load_spec({"areas": {"x": {"n": 4, "tau": "5 ms", "transfer": "linear"},
                                   "y": {"n": 3, "tau": "5 ms", "transfer": "relu"}},
                         "projections": [{"source": "x", "target": "y", "weights": W0.tolist(),
                                          "plasticity": {"rule": "hebb", "rate": 0.0},
                                          "structural": structural}],
                         "stimuli": [{"area": "x", "amplitude": [1.0, 0.8, 0.0, 0.0]},
                                     {"area": "y", "amplitude": [1.0, 0.0, 0.6]}]})
    return spec


def coactive(structural, seed=0, duration="300 ms"):
    spec = coactive_spec(structural)
    return spec, na.simulate(spec, duration, dt=f"{DT * 1e3:g} ms", record_every="1 ms", record=["r"], seed=seed)


def test_growth_only_between_coactive_pairs_and_never_more_than_max_new():
    structural = {"every": "10 ms", "grow_above": 0.05, "grow_weight": 0.1, "max_new": 1, "coactivity_tau": "20 ms"}
    spec, res = coactive(structural)
    grown = res.grown_x_to_y.values
    assert grown.max() == 1 and grown.sum() >= 3  # one at a time, at several checks
    mask = res.mask_x_to_y_final.values
    coactive_pairs = np.zeros((3, 4), bool)
    coactive_pairs[np.ix_([0, 2], [0, 1])] = True
    initial = np.zeros((3, 4), bool)
    initial[1, 3] = True
    assert np.all(mask <= (coactive_pairs | initial))  # nothing grew between pairs that were not co-active
    np.testing.assert_array_equal(mask, coactive_pairs | initial)  # and every co-active pair grew
    np.testing.assert_array_equal(np.diff(res.n_synapses_x_to_y.values), grown[1:])
    w = res.w_x_to_y_final.values
    np.testing.assert_array_equal(w[coactive_pairs], 0.1)
    # each growth happened while the pair's low-pass co-activity (recomputed here) was above threshold
    r = res.r.values
    y, x = r[:, 4:], r[:, :4]
    times = res[res.grown_x_to_y.dims[0]].values
    masks = res.mask_x_to_y.values
    for c in range(1, len(times)):
        for i, j in zip(*np.nonzero(masks[c] & ~masks[c - 1])):
            t = res.time.values <= times[c]
            product = y[t, i] * x[t, j]
            assert product[-1] > 0
    # more candidates than max_new: the choice is seeded
    more = dict(structural, max_new=2)
    _, a = coactive(more, seed=3)
    _, b = coactive(more, seed=3)
    np.testing.assert_array_equal(a.mask_x_to_y.values, b.mask_x_to_y.values)
    assert a.grown_x_to_y.values.max() <= 2


def test_coactivity_threshold_is_crossed_when_the_closed_form_says():
    """y0 and x0 at constant rates from the start: c(t) follows the discrete low-pass of their product;
    the pair grows at the first check after c exceeds the threshold."""
    structural = {"every": "5 ms", "grow_above": 0.2, "max_new": 10, "coactivity_tau": "40 ms"}
    spec, res = coactive(structural, duration="200 ms")
    steps = int(round(0.2 / DT))
    ux, uy = np.zeros(4), np.zeros(3)
    c = np.zeros((3, 4))
    a = DT / 0.04
    first = None
    for k in range(steps):
        x, y = ux.copy(), np.maximum(uy, 0)
        c = c * (1 - a) + a * np.outer(y, x)
        if first is None and c[0, 0] > 0.2 and k % 50 == 0:
            first = k
        ux += DT / 0.005 * (-ux + np.array([1.0, 0.8, 0.0, 0.0]))
        uy += DT / 0.005 * (-uy + np.array([1.0, 0.0, 0.6]) + np.array([0, 0.2 * x[3], 0]))
    times = res[res.grown_x_to_y.dims[0]].values
    grew = times[np.argmax(res.mask_x_to_y.values[:, 0, 0])]
    assert grew == pytest.approx(first * DT, abs=1e-12)


def recruiting(threshold=0.3, hold="20 ms", onset="10 ms", reserve_extra=None):
    """s (source, step input at `onset`) -> y (1 unit + 1 reserve unit), g (attention) constant input."""
    reserve = {"n": 1, "recruit_when": {"area": "g", "above": threshold, "duration": hold}, **(reserve_extra or {})}
    return na.load_spec({"areas": {"s": {"n": 1, "tau": "5 ms", "transfer": "linear"},
                                   "g": {"n": 1, "tau": "20 ms", "transfer": "linear"},
                                   "y": {"n": 1, "tau": "10 ms", "transfer": "linear", "reserve": reserve}},
                         "projections": [{"source": "s", "target": "y", "weights": [[0.8]],
                                          "plasticity": {"rule": "hebb", "rate": 0.0}}],
                         "stimuli": [{"area": "s", "amplitude": 1.0, "onset": onset},
                                     {"area": "g", "amplitude": 0.9}]})


def test_recruitment_happens_exactly_when_its_criterion_holds():
    spec = recruiting()
    res = na.simulate(spec, "120 ms", dt=f"{DT * 1e3:g} ms", record_every=1, record=["u", "r"], seed=0)
    # hand-written Euler loop: the reserve unit's u and the attention rate g; s = u*g
    n = int(round(0.12 / DT))
    us = ug = uy = 0.0
    held, recruited = -1, None
    for k in range(n):
        drive_s = 1.0 if k >= 100 else 0.0
        s = uy * ug
        held = held + 1 if s > 0.3 else -1
        if recruited is None and held >= 200:
            recruited = k
        us, ug, uy = (us + DT / 0.005 * (-us + drive_s), ug + DT / 0.02 * (-ug + 0.9), uy + DT / 0.01 * (-uy + 0.8 * us))
    assert recruited is not None and 300 < recruited < 1000
    assert float(res.recruit_time_y[0]) == pytest.approx(recruited * DT, abs=1e-12)
    r = res.r.values[:, -1]  # the reserve unit (linear: r = u once recruited)
    u = res.u.values[:, -1]
    assert np.all(r[:recruited] == 0.0) and np.all(r[recruited:] == u[recruited:])
    np.testing.assert_allclose(res.u.values[:, -2], u, rtol=1e-12)  # it copies its parent's input
    assert float(res.r_final[-1]) == pytest.approx(float(res.u_final[-1]))
    # a criterion never met: the unit stays silent, recruit time NaN, r_final zero
    never = na.simulate(recruiting(threshold=5.0), "60 ms", dt=f"{DT * 1e3:g} ms", record_every=None, seed=0)
    assert np.isnan(never.recruit_time_y.values).all() and float(never.r_final[-1]) == 0.0


def test_a_silent_reserve_changes_nothing():
    """Regular units of an area with silent reserve units move exactly as without them, also with
    lateral competition and a plastic recurrent matrix with structural plasticity."""
    def spec(reserve):
        y = {"n": 4, "tau": "10 ms", "transfer": "relu",
             "competition": {"model": "lateral", "alpha": 0.3, "beta": 0.5, "weights": {"kind": "gaussian",
                             "amplitude": 1.0, "sigma": 0.2}, "plasticity": {"rule": "hebb", "rate": 0.5},
                             "structural": {"every": "10 ms", "prune_below": 0.3, "prune_after": "10 ms"}}}
        if reserve:
            y["reserve"] = {"n": 2, "recruit_when": {"above": 100.0, "duration": "1 ms"}}
        return na.load_spec({"areas": {"x": {"n": 4, "tau": "5 ms", "transfer": "linear"}, "y": y},
                             "projections": [{"source": "x", "target": "y", "weights": {"kind": "gaussian",
                                              "amplitude": 1.0, "sigma": 0.2},
                                              "plasticity": {"rule": "oja", "rate": 1.0}}],
                             "stimuli": [{"area": "x", "amplitude": [1.0, 0.2, 0.0, 0.5]}]})
    plain = na.simulate(spec(False), "100 ms", seed=0, record_every=10)
    reserved = na.simulate(spec(True), "100 ms", seed=0, record_every=10)
    regular = reserved.isel(unit=~reserved.reserve.values)
    np.testing.assert_allclose(regular.r.values, plain.r.values, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(reserved.w_x_to_y_final.values[:4], plain.w_x_to_y_final.values, rtol=1e-12)
    np.testing.assert_array_equal(reserved.n_synapses_y_recurrent.values > 0, True)
    assert (reserved.pruned_y_recurrent.values.sum() > 0)
    np.testing.assert_array_equal(reserved.mask_y_recurrent_final.values[:4, :4],
                                  plain.mask_y_recurrent_final.values)
    assert np.all(reserved.r.values[:, reserved.reserve.values] == 0.0)


def test_batched_equals_separate_runs():
    base = {"every": "10 ms", "prune_after": "20 ms", "grow_weight": 0.1, "max_new": 1, "coactivity_tau": "20 ms"}
    specs = [coactive_spec(dict(base, prune_below=p, grow_above=g))
             for p, g in ((0.05, 0.01), (0.15, 0.05), (0.25, 0.02))]
    specs = [s.replace({"projections[x->y].plasticity.rate": rate}) for s, rate in zip(specs, (0.5, 1.0, 2.0))]
    seeds = [1, 2, 3]
    batch = na.simulate_batch(specs, "120 ms", seed=seeds, record_every="1 ms", record=["r"])
    for k, (s, seed) in enumerate(zip(specs, seeds)):
        alone = na.simulate(s, "120 ms", seed=seed, record_every="1 ms", record=["r"])
        for var in ("mask_x_to_y", "n_synapses_x_to_y", "grown_x_to_y", "pruned_x_to_y"):
            np.testing.assert_array_equal(batch[var].isel(point=k).values, alone[var].values)
        np.testing.assert_allclose(batch.w_x_to_y_final.isel(point=k).values, alone.w_x_to_y_final.values,
                                   rtol=1e-12, atol=0)
        np.testing.assert_allclose(batch.r.isel(point=k).values, alone.r.values, rtol=1e-12, atol=0)
    assert len({int(batch.n_synapses_x_to_y.isel(point=k)[-1]) for k in range(3)}) > 1  # the points differ
    # reserve units: a recruitment per point
    specs = [recruiting(threshold=t) for t in (0.2, 0.3, 5.0)]
    batch = na.simulate_batch(specs, "100 ms", seed=0, record_every=None)
    for k, s in enumerate(specs):
        alone = na.simulate(s, "100 ms", seed=0, record_every=None)
        np.testing.assert_array_equal(batch.recruit_time_y.isel(point=k).values, alone.recruit_time_y.values)
        np.testing.assert_allclose(batch.r_final.isel(point=k).values, alone.r_final.values, rtol=1e-12)
    t = batch.recruit_time_y.values[:, 0]
    assert t[0] < t[1] and np.isnan(t[2])


def test_learned_spec_carries_the_mask_and_the_recruited_units():
    W0 = np.array([[1.0, 0.30, 0.05], [0.0, 0.12, 2.0]])
    spec = decaying(W0, {"every": "5 ms", "prune_below": 0.1, "prune_after": "10 ms"})
    res = na.simulate(spec, "100 ms", seed=0, record_every=None)
    trained = na.learned_spec(spec, res)
    w = trained.projections[0].weights
    assert w.kind == "sparse" and trained.projections[0].structural is None
    mask = res.mask_x_to_y_final.values
    np.testing.assert_array_equal(w.matrix([0, 1], [0, 1, 2]) != 0, mask)
    np.testing.assert_allclose(w.matrix([0, 1], [0, 1, 2]), res.w_x_to_y_final.values)
    kept = na.learned_spec(spec, res, keep_plasticity=True)
    again = na.simulate(kept, "10 ms", seed=0, record_every=None)
    assert np.all(again.mask_x_to_y_final.values <= mask)  # pruned synapses stay absent
    rspec = recruiting()
    rres = na.simulate(rspec, "100 ms", seed=0, record_every=None)
    rtrained = na.learned_spec(rspec, rres)
    assert rtrained.areas["y"].reserve.recruited == [0] and rtrained.areas["y"].reserve.recruit_when is None
    test = na.simulate(rtrained, "50 ms", seed=0, record_every=None)
    assert float(test.r_final[-1]) > 0 and float(test.recruit_time_y[0]) == 0.0


def test_standalone_refuses_with_one_line():
    with pytest.raises(BuildError) as err:
        na.simulate(recruiting(), "10 ms", target="cpp_standalone", record_every=None)
    assert "\n" not in str(err.value)
    assert "plastic" in str(err.value) or "reserve" in str(err.value)


@pytest.mark.slow
def test_cython_target_equals_numpy():
    """Structural plasticity and reserve units run on the cython target with the same numbers (one
    network, to compile few code objects)."""
    spec = recruiting().replace({"projections[s->y].plasticity": {"rule": "hebb", "rate": 0.5, "decay": 10.0},
                                 "projections[s->y].structural": {"every": "10 ms", "prune_below": 0.3,
                                                                  "prune_after": "20 ms"}})
    runs = {t: na.simulate(spec, "200 ms", seed=4, record_every="1 ms", record=["r"], target=t)
            for t in ("numpy", "cython")}
    assert runs["numpy"].pruned_s_to_y.values.sum() > 0 and np.isfinite(runs["numpy"].recruit_time_y.values).all()
    np.testing.assert_array_equal(runs["numpy"].mask_s_to_y.values, runs["cython"].mask_s_to_y.values)
    np.testing.assert_array_equal(runs["numpy"].recruit_time_y.values, runs["cython"].recruit_time_y.values)
    np.testing.assert_allclose(runs["numpy"].r.values, runs["cython"].r.values, rtol=1e-12, atol=1e-14)


def test_sweeps_keep_a_mask_and_recruitment_times_per_point():
    spec = coactive_spec({"every": "10 ms", "prune_below": 0.1, "prune_after": "20 ms", "grow_above": 0.02,
                          "max_new": 1, "coactivity_tau": "20 ms"})
    values = [0.05, 0.15, 0.25]
    ds = na.sweep(spec, {"projections[x->y].structural.prune_below": values}, "100 ms", progress=False,
                  chunk_size=2, seeds=7)
    for k, p in enumerate(values):
        alone = na.simulate(spec.replace({"projections[x->y].structural.prune_below": p}), "100 ms", seed=7,
                            record_every=None)
        np.testing.assert_array_equal(ds.mask_x_to_y_final.values[k].astype(bool), alone.mask_x_to_y_final.values)
    assert ds.mask_x_to_y_final.values[0].sum() > ds.mask_x_to_y_final.values[2].sum()
    times = na.sweep(recruiting(), {"areas.y.reserve.recruit_when.above": [0.2, 5.0]}, "100 ms",
                     progress=False).recruit_time_y.values[:, 0]
    assert np.isfinite(times[0]) and np.isnan(times[1])
