"""Hypothesis strategies for random valid specs (as plain YAML-like data) and corruptions of them."""
from hypothesis import strategies as st

small = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
positive = st.floats(0.05, 3, allow_nan=False, allow_infinity=False)


@st.composite
def transfers(draw):
    kind = draw(st.sampled_from(["sigmoid", "relu", "linear", "expression"]))
    if kind == "sigmoid":
        return {"kind": kind, "gain": draw(positive), "threshold": draw(small)}
    if kind == "relu":
        return {"kind": kind, "threshold": draw(small)}
    if kind == "linear":
        return {"kind": kind, "slope": draw(st.floats(-1, 1))}
    return {"kind": "expression", "expr": draw(st.sampled_from(["tanh(u)", "u**2/(1 + u**2)", "clip(u, 0, 2)",
                                                               "1/(1 + exp(-3*u))", "log(1 + exp(u))"]))}


@st.composite
def weights(draw, n_post, n_pre, non_negative=False):
    kind = draw(st.sampled_from(["uniform", "matrix", "gaussian", "random"]))
    lo = 0.0 if non_negative else -1.0
    if kind == "uniform":
        return {"kind": kind, "value": draw(st.floats(lo, 1))}
    if kind == "matrix":
        return {"kind": kind, "value": draw(st.lists(st.lists(st.floats(lo, 1), min_size=n_pre, max_size=n_pre),
                                                    min_size=n_post, max_size=n_post))}
    if kind == "gaussian":
        return {"kind": kind, "amplitude": draw(st.floats(0 if non_negative else -1, 1)),
                "sigma": draw(st.floats(0.05, 1)), "offset": draw(st.floats(0, 0.2) if non_negative else small)}
    return {"kind": "random", "distribution": "uniform", "low": lo, "high": 1.0, "seed": draw(st.integers(0, 99))}


@st.composite
def competitions(draw, n):
    model = draw(st.sampled_from(["seed", "lateral", "divisive", None]))
    if model is None:
        return None
    comp = {"model": model, "beta": draw(st.floats(0, 2)), "weights": draw(weights(n, n, model == "divisive"))}
    if model == "seed":
        comp["include_self"] = draw(st.booleans())
    if model == "lateral":
        comp["alpha"] = draw(st.floats(0, 1))
    if model == "divisive":
        comp["sigma"] = draw(st.floats(0.1, 2))
    return comp


@st.composite
def spec_data(draw):
    names = draw(st.lists(st.sampled_from(["V1", "A1", "PFC", "LIP"]), min_size=1, max_size=3, unique=True))
    areas = {}
    for name in names:
        n = draw(st.integers(1, 5))
        area = {"n": n, "tau": f"{draw(st.integers(2, 50))} ms", "transfer": draw(transfers())}
        comp = draw(competitions(n))
        if comp is not None:
            area["competition"] = comp
        areas[name] = area
    projections = []
    for src in names:
        for tgt in names:
            if src != tgt and draw(st.booleans()):
                projections.append({"source": src, "target": tgt, "scale": draw(st.floats(-1, 1)),
                                    "mode": draw(st.sampled_from(["bias", "gain"])),
                                    "delay": f"{draw(st.integers(0, 3))} ms",
                                    "weights": draw(weights(areas[tgt]["n"], areas[src]["n"]))})
    stimuli = []
    for name in draw(st.lists(st.sampled_from(names), max_size=3)):
        n = areas[name]["n"]
        stim = {"area": name, "amplitude": draw(st.one_of(small, st.lists(small, min_size=n, max_size=n))),
                "onset": f"{draw(st.integers(0, 10))} ms"}
        if draw(st.booleans()):
            stim["offset"] = f"{draw(st.integers(11, 30))} ms"
        if draw(st.booleans()):
            stim["noise"] = {"sigma": draw(st.floats(0, 0.5)), "tau": "5 ms"}
        stimuli.append(stim)
    return {"name": "random", "areas": areas, "projections": projections, "stimuli": stimuli}


def _paths(data, prefix=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for k, value in enumerate(data):
            yield prefix + (k,)
            yield from _paths(value, prefix + (k,))


#: Values that are wrong almost anywhere they land.
BAD_VALUES = [float("nan"), float("inf"), -1e300, "-5 ms", "10 mV", "bogus(u)", [], {}, {"kind": "nope"},
              None, "V9", -3, [[1, 2], [3]], True]


@st.composite
def corrupted(draw):
    """(data, description): valid spec data with one field replaced, removed, or an unknown key added."""
    data = draw(spec_data())
    paths = [p for p in _paths(data) if p and p[0] != "name"]
    path = draw(st.sampled_from(paths))
    how = draw(st.sampled_from(["replace", "unknown-key"]))
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if how == "unknown-key" and isinstance(parent, dict):
        parent["not_a_field"] = 1
    else:
        parent[path[-1]] = draw(st.sampled_from(BAD_VALUES))
    return data, f"{how} at {path}"
