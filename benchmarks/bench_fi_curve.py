"""Benchmark: an f-I curve of 100 current levels x 1 s for LIF and HH.

Wall time on Brian2 runtime (Cython; first run includes code generation and
compilation, second run is warm) vs cpp_standalone (first run = build +
compile + run; re-run = the compiled binary with new currents via run_args),
measured in one process, printed as ratios to the warm runtime run.

    python benchmarks/bench_fi_curve.py [--levels 100] [--duration 1]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from neurolab_snn.experiment.single_neuron import DEFAULT_CURRENT_RANGE  # noqa: E402
from neurolab_snn.files import write_json  # noqa: E402
from neurolab_snn.models import HH, LIF  # noqa: E402
from neurolab_snn.sim import SinglePopulation, StandaloneSimulation, simulate  # noqa: E402
from neurolab_snn.units import amp, ms, second, to_si  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bench(model, levels: int, duration) -> dict:
    lo, hi = DEFAULT_CURRENT_RANGE[model.name]
    currents = np.linspace(to_si(lo), to_si(hi), levels) * amp
    dt = 0.1 * ms if model.name == "LIF" else 0.01 * ms
    run = lambda I: simulate(model, duration, n=levels, I_ext=I, record=(), dt=dt)  # noqa: E731
    t_rt1, r1 = timed(lambda: run(currents))
    t_rt2, _ = timed(lambda: run(currents * 1.01))
    factory = SinglePopulation(model, n=levels, I_ext=currents, record=())
    t_sa1, sim = timed(lambda: StandaloneSimulation(factory, duration, dt=dt))
    with sim:
        t_sa_run, r2 = timed(lambda: sim.run())
        t_sa2, _ = timed(lambda: sim.run({"group.I_ext": currents * 1.01}))
        compilations = sim.compilations
    same = np.array_equal(r1.spike_times, r2.spike_times)
    return {"model": model.name, "dt_ms": float(dt / ms), "runtime_first_s": t_rt1,
            "runtime_warm_s": t_rt2, "standalone_first_s": t_sa1 + t_sa_run,
            "standalone_rerun_s": t_sa2, "standalone_compilations": compilations,
            "identical_spikes": bool(same), "spikes": int(r1.spike_times.size)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, default=100)
    parser.add_argument("--duration", type=float, default=1.0, help="seconds per level")
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks"))
    args = parser.parse_args(argv)
    rows = [bench(m, args.levels, args.duration * second) for m in (LIF(), HH())]
    print(f"\nf-I curve: {args.levels} levels x {args.duration} s (wall seconds; ratio = time / "
          "warm runtime)")
    print(f"{'model':6s} {'dt':>6s} {'runtime 1st':>12s} {'runtime warm':>13s} "
          f"{'standalone 1st':>15s} {'standalone rerun':>17s} {'compiles':>9s} {'same spikes':>12s}")
    for r in rows:
        base = r["runtime_warm_s"]
        print(f"{r['model']:6s} {r['dt_ms']:5.2f}ms {r['runtime_first_s']:6.2f} ({r['runtime_first_s'] / base:4.1f}x)"
              f" {base:7.2f} (1.0x) {r['standalone_first_s']:8.2f} ({r['standalone_first_s'] / base:4.1f}x)"
              f" {r['standalone_rerun_s']:9.2f} ({r['standalone_rerun_s'] / base:4.2f}x)"
              f" {r['standalone_compilations']:9d} {str(r['identical_spikes']):>12s}")
    write_json(args.out / "fi_curve_benchmark.json", {"levels": args.levels,
                                                      "duration_s": args.duration, "rows": rows})
    return rows


if __name__ == "__main__":
    main()
