"""Benchmark: wall time per second of biological time vs network size, CPU and GPU backends.

Networks (:mod:`benchmarks.gpu_networks`, after brian2genn_benchmarks): COBAHH
(``4000*scale`` HH neurons, 80% excitatory, ~1000 synapses per neuron, dt
0.1 ms) and the mushroom-body STDP network (``2500*scale`` Kenyon cells), at
sizes up to ~1M neurons.  Backends: cpp_standalone on one thread, cuda
(brian2cuda) and genn (brian2genn; GPU where present, else GeNN's
single-threaded CPU mode).  Measured per network, backend and size: code
generation and compile time, the binary's wall time, and the time of the
simulation loop as the binary reports it, divided by the simulated time
(s per bio-s).

cuda and genn each need their own environment (``docs/backends.md``), so the
script runs once per environment, appending to one JSON file, and every run
rewrites the table (Markdown) and the log-log figure from all rows so far::

    python benchmarks/bench_gpu_scaling.py --quick                    # default env
    .venv-genn/bin/python benchmarks/bench_gpu_scaling.py --quick --backends genn
    .venv-cuda/bin/python benchmarks/bench_gpu_scaling.py --backends cuda
    python benchmarks/bench_gpu_scaling.py --report                   # table + figure only

Unavailable backends are skipped with the reason printed; without a GPU,
cuda is generated and compiled (compile time recorded) but not run.  The
COBAHH goal on an H100: 1M neurons at <= 4 s per bio-s (GeNN on a V100:
9.77 s, brian2genn_benchmarks).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.gpu_networks import COBAHH, MushroomBody  # noqa: E402
from neurolab_snn.sim.devices import BackendUnavailable, BackendUnsupported  # noqa: E402
from neurolab_snn.units import ms, second  # noqa: E402

#: Scale factors: COBAHH has 4000*scale neurons (1,024,000 at 256), the mushroom
#: body 200 + 2500*scale (1,000,200 at 400).
SCALES = {"cobahh": (0.25, 1, 4, 16, 64, 256), "mbody": (0.1, 1, 4, 16, 64, 400)}
QUICK_SCALES = {"cobahh": (0.05, 0.25), "mbody": (0.04, 0.2)}
BACKENDS = ("cpp_standalone", "cuda", "genn")
COLUMNS = ("network", "backend", "where", "neurons", "synapses", "duration_s", "generate_s",
           "compile_s", "run_s", "network_s", "s_per_bio_s", "spikes", "rate_hz", "note")


def make_factory(network: str, scale: float, duration: float):
    if network == "cobahh":
        return COBAHH(scale=scale, init="device")
    if network == "mbody":
        return MushroomBody(scale=scale, duration=duration, init="device")
    raise ValueError(f"network={network!r}: expected 'cobahh' or 'mbody'")


def n_neurons(network: str, scale: float) -> int:
    return int(4000 * scale) if network == "cobahh" else 200 + int(2500 * scale)


def backend_plan(backend: str, compute_capability: float | None):
    """(simulation class, keyword arguments, where, note) or a skip reason (str)."""
    try:
        if backend == "cpp_standalone":
            from neurolab_snn.sim.devices import check_backend
            from neurolab_snn.sim.standalone import StandaloneSimulation
            check_backend(backend)
            return (StandaloneSimulation,
                    {"prefs": {"devices.cpp_standalone.openmp_threads": 0}}, "cpu-1thread", "")
        if backend == "cuda":
            from neurolab_snn.sim.cuda import CudaSimulation, check_cuda
            try:
                env = check_cuda(require_gpu=True, compute_capability=compute_capability)
                return CudaSimulation, {"compute_capability": compute_capability}, \
                    env.gpus[0][0], ""
            except BackendUnavailable as no_gpu:
                if "NVIDIA GPU" not in str(no_gpu):
                    raise
                check_cuda(require_gpu=False, compute_capability=compute_capability or 9.0)
                return (CudaSimulation, {"compile_only": True,
                                         "compute_capability": compute_capability or 9.0},
                        "no GPU", "compile only (no GPU)")
        if backend == "genn":
            from neurolab_snn.sim.cuda import detect_gpus
            from neurolab_snn.sim.genn import GeNNSimulation, check_genn
            gpus = detect_gpus()
            check_genn(use_gpu=bool(gpus))
            return (GeNNSimulation, {"use_gpu": bool(gpus)},
                    gpus[0][0] if gpus else "cpu-1thread", "")
    except BackendUnavailable as err:
        return str(err)
    raise ValueError(f"backend={backend!r}: expected one of {BACKENDS}")


def _synapse_count(built) -> int | None:
    from brian2 import Synapses
    total = 0
    try:
        for obj in built.network.objects:
            if isinstance(obj, Synapses):
                total += int(len(obj))
    except Exception:  # noqa: BLE001 - some devices cannot report it; the table says n/a
        return None
    return total


def measure(network, backend, scale, duration, plan, *, seed=0, float32=False) -> dict:
    """Build, compile and (unless compile-only) run one network; return a table row."""
    cls, kwargs, where, note = plan
    kwargs = dict(kwargs)
    prefs = dict(kwargs.pop("prefs", {}))
    if float32:
        prefs["core.default_float_dtype"] = np.float32
    row = {"network": network, "backend": backend, "where": where,
           "neurons": n_neurons(network, scale), "duration_s": duration, "note": note}
    factory = make_factory(network, scale, duration)
    sim = cls(factory, duration * second, dt=0.1 * ms, seed=seed, prefs=prefs, **kwargs)
    with sim:
        row.update(generate_s=sim.timings["generate_s"], compile_s=sim.timings["compile_s"])
        if not kwargs.get("compile_only"):
            rec = sim.run()
            row.update(run_s=sim.timings["run_s"], network_s=sim.timings.get("network_s"),
                       spikes=int(sum(p.spike_times.size for p in rec.populations.values())),
                       synapses=_synapse_count(sim.built))
            if row["network_s"] is not None:
                row["s_per_bio_s"] = row["network_s"] / duration
            row["rate_hz"] = row["spikes"] / row["neurons"] / duration
    gc.collect()
    return row


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def table(rows) -> str:
    """Markdown table of the rows, sorted by network, backend and size."""
    rows = sorted(rows, key=lambda r: (r["network"], r["backend"], r["neurons"]))
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_fmt(r.get(c)) for c in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)


def figure(rows, path: Path) -> Path:
    """Log-log figure: s per bio-s (top) and compile time (bottom) vs neurons."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    networks = sorted({r["network"] for r in rows})
    fig, axes = plt.subplots(2, max(1, len(networks)), figsize=(5.5 * max(1, len(networks)), 7),
                             squeeze=False)
    colors = {"cpp_standalone": "C0", "genn": "C1", "cuda": "C2"}
    for col, network in enumerate(networks):
        series = sorted({(r["backend"], r["where"]) for r in rows if r["network"] == network})
        for backend, where in series:
            sel = sorted((r for r in rows if r["network"] == network and r["backend"] == backend
                          and r["where"] == where), key=lambda r: r["neurons"])
            style = "--" if where.startswith("cpu") else "-"
            for ax, key in ((axes[0, col], "s_per_bio_s"), (axes[1, col], "compile_s")):
                pts = [(r["neurons"], r[key]) for r in sel if r.get(key)]
                if pts:
                    ax.loglog(*zip(*pts), "o" + style, color=colors.get(backend, "k"),
                              label=f"{backend} ({where})")
        axes[0, col].set_title({"cobahh": "COBAHH", "mbody": "Mushroom body (STDP)"}
                               .get(network, network))
        axes[0, col].set_ylabel("wall time per biological time (s/s)")
        axes[1, col].set_ylabel("compile time (s)")
        axes[1, col].set_xlabel("neurons")
        if network == "cobahh":
            axes[0, col].axhline(4.0, color="gray", ls=":", lw=1)
            axes[0, col].annotate("H100 goal at 1M: 4 s/s", (1e3, 4.0), fontsize=8,
                                  color="gray", va="bottom")
        for ax in axes[:, col]:
            ax.set_xlim(1e2, 2e6)
            ax.grid(True, which="both", alpha=0.3)
            if ax.lines:
                ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _load(path: Path) -> list[dict]:
    return json.loads(path.read_text())["rows"] if path.exists() else []


def _save(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"rows": rows}, indent=1))
    os.replace(tmp, path)


def _merge(old: list[dict], new: dict) -> list[dict]:
    key = lambda r: (r["network"], r["backend"], r["neurons"], r.get("where"))  # noqa: E731
    return [r for r in old if key(r) != key(new)] + [new]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", default=["cobahh", "mbody"],
                        choices=["cobahh", "mbody"])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--scales", nargs="+", type=float,
                        help="scale factors (default: per network, up to ~1M neurons)")
    parser.add_argument("--duration", type=float, default=1.0, help="biological time (s)")
    parser.add_argument("--quick", action="store_true",
                        help="two small sizes, 0.1 s: a smoke test for CPU-only machines")
    parser.add_argument("--max-cpu-neurons", type=int, default=70000,
                        help="largest network run on one CPU thread (cpp_standalone, GeNN "
                             "CPU mode); larger sizes are skipped with a message")
    parser.add_argument("--compute-capability", type=float,
                        help="cuda target architecture (default: the GPU's; 9.0 without one)")
    parser.add_argument("--float32", action="store_true", help="single precision")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks/gpu_scaling"))
    parser.add_argument("--report", action="store_true",
                        help="only rewrite the table and figure from the saved rows")
    args = parser.parse_args(argv)
    data = args.out / "bench_gpu_scaling.json"
    rows = _load(data)
    duration = 0.1 if args.quick and args.duration == 1.0 else args.duration
    if not args.report:
        print(f"python {platform.python_version()} on {platform.node()}; results -> {data}")
        for backend in args.backends:
            plan = backend_plan(backend, args.compute_capability)
            if isinstance(plan, str):
                print(f"[skip] {backend}: {plan}")
                continue
            cpu_only = plan[2].startswith("cpu")
            for network in args.networks:
                scales = args.scales or (QUICK_SCALES if args.quick else SCALES)[network]
                for scale in scales:
                    n = n_neurons(network, scale)
                    if cpu_only and n > args.max_cpu_neurons:
                        print(f"[skip] {backend} {network} {n} neurons: above "
                              f"--max-cpu-neurons={args.max_cpu_neurons} on one CPU thread")
                        continue
                    print(f"[run ] {backend} ({plan[2]}) {network} {n} neurons, {duration} s",
                          flush=True)
                    try:
                        row = measure(network, backend, scale, duration, plan, seed=args.seed,
                                      float32=args.float32)
                    except (BackendUnavailable, BackendUnsupported, RuntimeError,
                            MemoryError) as err:
                        print(f"[fail] {backend} {network} {n}: {' '.join(str(err).split())}")
                        continue
                    print("       " + ", ".join(f"{k}={_fmt(row.get(k))}" for k in
                                                ("synapses", "compile_s", "network_s",
                                                 "s_per_bio_s",
                                                 "rate_hz", "note")), flush=True)
                    rows = _merge(rows, row)
                    _save(data, rows)
    if not rows:
        print("no results yet")
        return 0
    text = table(rows)
    (args.out / "bench_gpu_scaling.md").write_text(text + "\n")
    print("\n" + text)
    print(f"\nwrote {data}, {args.out / 'bench_gpu_scaling.md'}, "
          f"{figure(rows, args.out / 'bench_gpu_scaling.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
