"""Benchmark: Brian2's CUBA network built by neuroattn versus the same network written directly in Brian2.

    python benchmarks/bench_spiking.py                       # cython and cpp_standalone, best of 3
    python benchmarks/bench_spiking.py --targets numpy,cython

Workload (Brian2's CUBA example; Vogels & Abbott 2005): 4000 LIF neurons, 3200 excitatory and 800
inhibitory, 2 % random connectivity, excitatory weight 1.62 mV, inhibitory -9 mV, tau_m 20 ms,
synaptic time constants 5 and 10 ms, threshold -50 mV, reset -60 mV, rest -49 mV, refractory 5 ms,
initial potentials uniform between reset and threshold, 1 s at dt 0.1 ms. neuroattn builds it from a
spec (two spiking areas, four projections with seeded random weight patterns); the direct version is
one NeuronGroup and two Synapses with the same connections, the same initial potentials and the same
equations integrated with Euler (neuroattn's method). Both sides build and run in this process,
interleaved, best of `--repeats`; on cython the code is compiled once beforehand (excluded, shared);
on cpp_standalone each side generates and compiles its own program, and what is compared is the
compiled program's own run time. The spike counts must be identical. Target: neuroattn <= 1.1x
direct Brian2.
"""
import argparse
import time

import numpy as np

import neuroattn as na

N_E, N_I, P, DURATION = 3200, 800, 0.02, 1.0
WE, WI = 60 * 0.27 / 10, -20 * 4.5 / 10  # mV


def cuba_spec() -> na.NetworkSpec:
    neuron = {"model": "lif", "tau_m": "20 ms", "v_rest": "-49 mV", "v_threshold": "-50 mV",
              "v_reset": "-60 mV", "refractory": "5 ms", "tau_exc": "5 ms", "tau_inh": "10 ms"}
    rng = np.random.default_rng(0)
    start = lambda n: (rng.uniform(0, 1, n) * 10.0 - 11.0).tolist()  # v(0) - v_rest in mV: -60 .. -50 mV
    w = lambda value, seed: {"kind": "random", "distribution": "uniform", "low": value, "high": value,
                             "density": P, "seed": seed}
    return na.load_spec({"name": "cuba", "areas": {
        "E": {"n": N_E, "neuron": neuron, "u0": start(N_E)}, "I": {"n": N_I, "neuron": neuron, "u0": start(N_I)}},
        "projections": [{"source": "E", "target": "E", "weights": w(WE, 1)}, {"source": "E", "target": "I", "weights": w(WE, 2)},
                        {"source": "I", "target": "E", "weights": w(WI, 3)}, {"source": "I", "target": "I", "weights": w(WI, 4)}]})


def direct(spec: na.NetworkSpec, target: str):
    """The same network in plain Brian2: one group, excitatory and inhibitory Synapses.
    Returns the spike count and, on cpp_standalone, the compiled program's run time."""
    import shutil
    import tempfile

    import brian2 as b
    from brian2.devices.device import reset_device

    standalone = target == "cpp_standalone"
    if standalone:
        b.set_device("cpp_standalone", build_on_run=False)
    else:
        b.prefs.codegen.target = target
    ns = dict(v_rest=-49 * b.mV, tau_m=20 * b.ms, tau_exc=5 * b.ms, tau_inh=10 * b.ms, v_threshold=-50 * b.mV,
              v_reset=-60 * b.mV, t_ref=5 * b.ms)
    eqs = """dv/dt = (v_rest - v + s_exc + s_inh)/tau_m : volt (unless refractory)
             ds_exc/dt = -s_exc/tau_exc : volt
             ds_inh/dt = -s_inh/tau_inh : volt"""
    dt = 0.1 * b.ms
    G = b.NeuronGroup(N_E + N_I, eqs, threshold="v > v_threshold", reset="v = v_reset", refractory="t_ref",
                      method="euler", namespace=ns, dt=dt)
    G.v = (np.concatenate([spec.areas["E"].u0, spec.areas["I"].u0]) * 1e-3 - 0.049) * b.volt
    offset = {"E": 0, "I": N_E}
    syn = []
    for channel, sources in (("exc", "E"), ("inh", "I")):
        pre, post, weight = [], [], []
        for p in spec.projections:
            if p.source != sources:
                continue
            w = spec.projection_matrix(p)
            j, i = np.nonzero(w)
            pre.append(i + offset[p.source])
            post.append(j + offset[p.target])
            weight.append(w[j, i])
        S = b.Synapses(G, G, "w : 1", on_pre=f"s_{channel}_post += w*mV", dt=dt)
        S.connect(i=np.concatenate(pre), j=np.concatenate(post))
        S.w = np.concatenate(weight)
        syn.append(S)
    mon = b.SpikeMonitor(G)
    net = b.Network(G, *syn, mon)
    net.run(DURATION * b.second, namespace={})
    if not standalone:
        return int(mon.num_spikes), None
    directory = tempfile.mkdtemp(prefix="cuba_direct_")
    try:
        b.device.build(directory=directory, compile=True, run=True, with_output=False)
        return int(mon.num_spikes), b.device._last_run_time
    finally:
        b.device.reinit()
        reset_device()
        shutil.rmtree(directory, ignore_errors=True)


def neuroattn(spec, target: str):
    ds = na.simulate(spec, f"{DURATION} s", record_every=None, target=target, seed=0, progress=False)
    run_time = float(ds.standalone_run_time) if "standalone_run_time" in ds else None
    return int(ds.sizes["spike"]), run_time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="cython,cpp_standalone")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    spec = cuba_spec()
    ratios, equal = {}, True
    for target in args.targets.split(","):
        if target != "cpp_standalone":
            neuroattn(spec, target), direct(spec, target)  # compile (shared cache), warm up
        best = {"direct": np.inf, "neuroattn": np.inf}
        counts = {}
        for _ in range(args.repeats):
            for name, fn in (("direct", direct), ("neuroattn", neuroattn)):
                t0 = time.perf_counter()
                counts[name], run_time = fn(spec, target)
                # standalone: the compiled program's run (generating and compiling the code is excluded)
                best[name] = min(best[name], run_time if run_time is not None else time.perf_counter() - t0)
        ratio = best["neuroattn"] / best["direct"]
        ratios[target] = ratio
        equal &= counts["direct"] == counts["neuroattn"]
        what = "program run" if target == "cpp_standalone" else "build + run"
        print(f"CUBA, 4000 LIF, 1 s, target {target} ({what}): direct Brian2 {best['direct']:.2f} s, neuroattn "
              f"{best['neuroattn']:.2f} s, ratio {ratio:.2f}x (target <= 1.1x); spikes {counts['direct']} vs "
              f"{counts['neuroattn']}")
    print("cuba ratio " + " ".join(f"{t} {r:.2f}x" for t, r in ratios.items()) + f" spikes equal {equal}")


if __name__ == "__main__":
    main()
