"""Benchmark: the CUBA network built with the circuit API vs written directly in Brian2.

The CUBA benchmark of Brette et al. (2007, J Comput Neurosci 23:349, benchmark 2):
4000 LIF neurons (3200 excitatory, 800 inhibitory), 2 % random connectivity,
exponential currents (tau_e = 5 ms, tau_i = 10 ms, w_e = 1.62 mV, w_i = -9 mV),
rest -49 mV (self-sustained activity), threshold -50 mV, reset -60 mV,
refractory 5 ms, tau_m = 20 ms, dt = 0.1 ms.

* direct: the Brian2 example ``CUBA.py`` (one NeuronGroup with ``ge``/``gi``,
  two Synapses ``on_pre='ge += we'``);
* circuit: ``Population('P', LIF('brette2007_cuba', E_L=-49 mV), 4000,
  parts={'E': ..., 'I': ...})`` and two :class:`Projection` s with
  ``CurrentSynapse.brette2007_cuba``.

Both get the same random graph (2 %, drawn once in numpy with ``--seed``;
``Probability(0.02)`` draws it the same way) and the same initial potentials,
so they simulate the same network.

Both are timed in this process, interleaved (direct, circuit, circuit, direct,
...), after a warm-up run that compiles the code: on runtime (Cython) the
``network.run`` wall and CPU time and the build+run time; on cpp_standalone the
binary's run time and CPU time (each compiled once, then re-run).  The
ratios circuit/direct of the medians are printed (goal: <= 1.03); the CPU-time
ratio is the robust one on a loaded machine.  Also the wall time of the
``song2000`` protocol on runtime and cpp_standalone.  Not run by CI:
``python benchmarks/bench_cuba_circuit.py [--duration 1] [--repeats 3] [--song full|quick|skip]``.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from brian2 import (Network, NeuronGroup, SpikeMonitor, Synapses, mV, ms,  # noqa: E402
                    second, volt)
from brian2 import seed as brian2_seed  # noqa: E402
from brian2.devices.device import runtime_device  # noqa: E402

from neurolab_snn.circuits import (Circuit, Explicit, Population, Probability,  # noqa: E402
                                   Projection, Uniform)
from neurolab_snn.models import LIF  # noqa: E402
from neurolab_snn.sim import StandaloneSimulation  # noqa: E402
from neurolab_snn.built_network import BuiltNetwork  # noqa: E402
from neurolab_snn.sim.devices import active_device, scoped_prefs  # noqa: E402
from neurolab_snn.synapses import CurrentSynapse  # noqa: E402

DT = 0.1 * ms


def random_graph(seed: int = 0) -> dict:
    """One realisation of the CUBA graph and initial state, shared by both versions."""
    rng = np.random.default_rng(seed)
    ie, je, _ = Probability(0.02).pairs(3200, 4000, rng)
    ii, ji, _ = Probability(0.02).pairs(800, 4000, rng)
    return {"i_e": ie, "j_e": je, "i_i": ii + 3200, "j_i": ji,
            "v0": -60e-3 + 10e-3 * rng.random(4000)}


class DirectCUBA:
    """Brian2's CUBA example, written directly (a network factory for the same harness).

    The graph and initial potentials are given (``connect(i=..., j=...)``), so
    both versions simulate the same network.
    """

    def __init__(self, graph: dict):
        self.graph = graph

    def build_network(self, dt):
        taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
        Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
        eqs = """
        dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
        dge/dt = -ge/taue : volt
        dgi/dt = -gi/taui : volt
        """
        ns = dict(taum=taum, taue=taue, taui=taui, Vt=Vt, Vr=Vr, El=El,
                  we=(60 * 0.27 / 10) * mV, wi=(-20 * 4.5 / 10) * mV)
        P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                        method="exact", namespace=ns, dt=dt, name="P")
        g = self.graph
        P.v = g["v0"] * volt
        Ce = Synapses(P, P, on_pre="ge += we", namespace=ns, dt=dt, name="Ce")
        Ci = Synapses(P, P, on_pre="gi += wi", namespace=ns, dt=dt, name="Ci")
        Ce.connect(i=g["i_e"], j=g["j_e"])
        Ci.connect(i=g["i_i"], j=g["j_i"])
        mon = SpikeMonitor(P, name="P_spikes")
        return BuiltNetwork(Network(P, Ce, Ci, mon), {"P": (mon, 4000)}, {})


def circuit_cuba(graph: dict | None = None, seed: int = 0) -> Circuit:
    """The same network with the circuit API (``Probability(0.02)``, or the given graph)."""
    model = LIF("brette2007_cuba", E_L=-49 * mV)
    init = ({"v": Uniform(-60 * mV, -50 * mV)} if graph is None
            else {"v": graph["v0"] * volt})
    pop = Population("P", model, 4000, parts={"E": (0, 3200), "I": (3200, 4000)},
                     initial_values=init)
    conn_e = Probability(0.02) if graph is None else Explicit(graph["i_e"], graph["j_e"])
    conn_i = Probability(0.02) if graph is None else Explicit(graph["i_i"] - 3200,
                                                                  graph["j_i"])
    return Circuit([pop], [Projection("E", "P", CurrentSynapse.brette2007_cuba("excitatory"),
                                      conn_e, name="Ce"),
                           Projection("I", "P", CurrentSynapse.brette2007_cuba("inhibitory"),
                                      conn_i, name="Ci")], seed=seed)


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def time_runtime(factories: dict, duration, repeats: int) -> dict:
    """Build and run each factory on the runtime device, interleaved (A B B A ...).

    The first round compiles (warm-up, not timed).  Returns per factory the
    median build and run wall times and the median run CPU time of this process
    (less sensitive than wall time to other load on the machine).
    """
    out = {name: {"build": [], "run": [], "cpu": [], "rate": []} for name in factories}
    names = list(factories)
    with active_device(runtime_device), scoped_prefs(codegen__target="cython"):
        for k in range(repeats + 1):
            for name in (names if k % 2 else names[::-1]):
                brian2_seed(k)
                t0 = time.perf_counter()
                built = factories[name].build_network(DT)
                t1, c1 = time.perf_counter(), time.process_time()
                built.network.run(duration, namespace={})
                t2, c2 = time.perf_counter(), time.process_time()
                mon, n = built.spike_monitors["P"]
                if k:  # round 0 compiles: warm-up
                    out[name]["build"].append(t1 - t0)
                    out[name]["run"].append(t2 - t1)
                    out[name]["cpu"].append(c2 - c1)
                    out[name]["rate"].append(mon.num_spikes / n / float(duration / second))
    return {name: {"build_s": statistics.median(v["build"]), "run_s": statistics.median(v["run"]),
                   "run_cpu_s": statistics.median(v["cpu"]),
                   "total_s": statistics.median(np.add(v["build"], v["run"])),
                   "rate_Hz": float(np.mean(v["rate"]))} for name, v in out.items()}


def time_standalone(factories: dict, duration, repeats: int) -> dict:
    """Compile each factory once (timed); then run the binaries interleaved.

    Returns the compile time, the median wall time of a run and the median CPU
    time of the binary (child-process CPU).
    """
    sims, out = {}, {}
    try:
        for name, factory in factories.items():
            t0 = time.perf_counter()
            sims[name] = StandaloneSimulation(factory, duration, dt=DT, seed=0)
            out[name] = {"compile_s": time.perf_counter() - t0, "run": [], "cpu": [], "rate": []}
        names = list(factories)
        for k in range(repeats):
            for name in (names if k % 2 else names[::-1]):
                t1, c1 = time.perf_counter(), _cpu_children()
                rec = sims[name].run()
                out[name]["run"].append(time.perf_counter() - t1)
                out[name]["cpu"].append(_cpu_children() - c1)
                out[name]["rate"].append(len(rec["P"].spike_times) / 4000
                                         / float(duration / second))
    finally:
        for sim in sims.values():
            sim.close()
    return {name: {"compile_s": v["compile_s"], "run_s": statistics.median(v["run"]),
                   "run_cpu_s": statistics.median(v["cpu"]), "rate_Hz": float(np.mean(v["rate"]))}
            for name, v in out.items()}


def song_times(mode: str) -> dict:
    from neurolab_snn.experiment import run_protocol
    out = {}
    for backend in ("runtime", "cpp_standalone"):
        t0 = time.perf_counter()
        result = run_protocol("song2000", backend=backend, quick=(mode == "quick"))
        out[backend] = {"wall_s": time.perf_counter() - t0,
                        "fraction_near_zero": result.numbers["fraction_near_zero"],
                        "fraction_near_max": result.numbers["fraction_near_max"],
                        "duration_s": result.numbers["duration_s"]}
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=1.0, help="simulated time (s)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the random graph")
    parser.add_argument("--song", choices=("full", "quick", "skip"), default="full")
    parser.add_argument("--out", type=Path, default=None, help="write the numbers as JSON")
    args = parser.parse_args(argv)
    duration = args.duration * second
    graph = random_graph(args.seed)
    factories = {"direct": DirectCUBA(graph), "circuit": circuit_cuba(graph)}
    report = {"runtime": time_runtime(factories, duration, args.repeats),
              "cpp_standalone": time_standalone(factories, duration, args.repeats)}
    for backend in ("runtime", "cpp_standalone"):
        d, c = report[backend]["direct"], report[backend]["circuit"]
        report[backend]["ratio_run"] = c["run_s"] / d["run_s"]
        report[backend]["ratio_run_cpu"] = c["run_cpu_s"] / d["run_cpu_s"]
        if backend == "runtime":
            report[backend]["ratio_build_plus_run"] = c["total_s"] / d["total_s"]
        print(f"CUBA {backend}: direct run {d['run_s']:.3f} s wall / {d['run_cpu_s']:.3f} s CPU "
              f"({d['rate_Hz']:.1f} Hz); circuit {c['run_s']:.3f} s / {c['run_cpu_s']:.3f} s "
              f"({c['rate_Hz']:.1f} Hz); ratio circuit/direct: wall "
              f"{report[backend]['ratio_run']:.3f}, CPU {report[backend]['ratio_run_cpu']:.3f} "
              "(goal <= 1.03)")
        if backend == "runtime":
            print(f"CUBA runtime build+run: direct {d['total_s']:.3f} s, circuit "
                  f"{c['total_s']:.3f} s; ratio = {report[backend]['ratio_build_plus_run']:.3f}")
        else:
            print(f"CUBA cpp_standalone compile: direct {d['compile_s']:.1f} s, circuit "
                  f"{c['compile_s']:.1f} s")
    if args.song != "skip":
        report["song2000"] = song_times(args.song)
        for backend, v in report["song2000"].items():
            print(f"song2000 ({args.song}, {v['duration_s']:g} s simulated) on {backend}: "
                  f"{v['wall_s']:.1f} s wall; near 0 {v['fraction_near_zero']}, "
                  f"near w_max {v['fraction_near_max']}")
    if args.out is not None:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
