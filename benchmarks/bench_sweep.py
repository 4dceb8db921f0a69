"""Benchmark: sweeps on a Dask LocalCluster (2 workers) against the same points run serially.

1. A 40-point f-I sweep: 20 LIF points (tau_m x R_m, 5 x 4) and 20 HH points
   (C_m x g_K, 5 x 4), each the ``fi-curve`` protocol (40 current levels, 1 s,
   Brian2 runtime/Cython), serial in this process vs a LocalCluster of 2
   single-threaded worker processes.  Both sides are warmed up first (Cython
   caches filled, workers started), so the wall times compare running the
   points, not compiling them; the cluster start-up is printed on its own.
2. Scheduling overhead: a sweep of trivial points (a job that returns at
   once) on the cluster; wall time per point, end to end (submit, schedule,
   run, return, journal write), against the same points run serially.
3. A 9-cell batch GIF fit (``fit_gif_batch``): synthetic cells made by the
   package's GIF (different capacitances), plus the example recording
   (pozzorini2015_L5pyr) as the ninth when it is present; serial vs cluster.

Dask starts its workers with one BLAS/OpenMP thread (``OMP_NUM_THREADS=1``,
``OPENBLAS_NUM_THREADS=1``: its default ``distributed.nanny.pre-spawn-environ``);
the serial side uses this process's setting, so the GIF fit's linear algebra
may already use every core serially.  Run with ``OMP_NUM_THREADS=1
OPENBLAS_NUM_THREADS=1`` to compare one process against two.

The f-I sweep runs ``--repeats`` times on each side, alternating serial and cluster,
and the ratio is that of the median wall times; the CPU time the points took
(per process) is printed too: on an idle machine the two sides' CPU times agree,
on a loaded one the workers' grows with the contention.

Printed: wall times, the speedup serial/cluster (goal >= 1.8 on 2 workers)
and the overhead per point (goal < 50 ms).  On a machine whose cores are
shared with other work the speedup is only indicative.  Not run by CI::

    [OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1] python benchmarks/bench_sweep.py [--duration 1] [--repeats 3] [--skip-fit] [--cells 9] [--out FILE.json]
                                     [--cache-dir DIR]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from neurolab_snn.sweep import Job, PointResult, fit_gif_batch, sweep  # noqa: E402
from neurolab_snn.units import Mohm, cm2, mS, ms, second, uF  # noqa: E402


def fi_grids(duration):
    lif = {"model": "LIF", "tau_m": np.linspace(10, 30, 5) * ms,
           "R_m": np.linspace(80, 140, 4) * Mohm, "duration": duration * second}
    hh = {"model": "HH", "C_m": np.linspace(0.8, 1.2, 5) * uF / cm2,
          "g_K": np.array([30.0, 33.0, 36.0, 39.0]) * mS / cm2, "duration": duration * second}
    return lif, hh


def _points(grid):
    from neurolab_snn.sweep import expand_grid
    return expand_grid(grid)


def _trivial(point, seed, context):
    return PointResult({"x": point["x"]})


TRIVIAL = Job("trivial", _trivial, lambda point: {"x": int})


def _warm_up(points, cache, dask_worker=None):
    """On every worker: run *points* in the worker's own cache folder (what the sweep uses)."""
    from neurolab_snn.sweep.jobs import get_job
    from neurolab_snn.sweep.worker import WorkerContext, run_task

    context = WorkerContext(f"worker-{dask_worker.name}", cache)
    try:
        for point in points:
            run_task(get_job("fi-curve"), point, 0, context)
    finally:
        context.close()


def timed(label, fn):
    start = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - start
    print(f"  {label}: {wall:.2f} s", flush=True)
    return wall, out


def synthetic_cells(folder: Path, n: int) -> Path:
    """*n* synthetic cells (GIF, capacitances 150-250 pF) written as neo files; a CSV."""
    import neo
    import quantities as pq

    from neurolab_snn.fitting.synthetic import synthetic_recording
    from neurolab_snn.models import GIF
    from neurolab_snn.units import pF

    def save(path, values, units):
        block = neo.Block()
        seg = neo.Segment()
        seg.analogsignals.append(neo.AnalogSignal(np.asarray(values)[:, None], units=units,
                                                  sampling_rate=1e4 * pq.Hz, name="ch"))
        block.segments.append(seg)
        neo.io.PickleIO(str(path)).write_block(block)
        return str(path)

    lines = ["cell,calibration_v,calibration_i,train_v,train_i,test_v,test_i,"
             "train_start,train_stop,test_start,test_stop"]
    for k, c_m in enumerate(np.linspace(150, 250, n)):
        rec = synthetic_recording(GIF(C=c_m * pF), n_sweeps=4, duration=10 * second,
                                  calibration_duration=5 * second,
                                  electrode_resistance=20 * Mohm, seed=k + 1)
        cal = [save(folder / f"c{k}_cal_v.pkl", rec.calibration.v * 1e3, pq.mV),
               save(folder / f"c{k}_cal_i.pkl", rec.calibration.i * 1e12, pq.pA)]
        v = ";".join(save(folder / f"c{k}_r{j}_v.pkl", s.v * 1e3, pq.mV)
                     for j, s in enumerate(rec.sweeps))
        i = ";".join(save(folder / f"c{k}_r{j}_i.pkl", s.i * 1e12, pq.pA)
                     for j, s in enumerate(rec.sweeps))
        lines.append(f"synthetic_{k},{cal[0]},{cal[1]},{v},{i},{v},{i},0s,7s,7s,10s")
    return lines


def real_cell_line():
    from neurolab_snn.experiment.gif_fit_protocol import _CAL, _REPS, example_recording_dir
    folder = example_recording_dir()
    if not folder.is_dir():
        return None
    v = ";".join(str(folder / f"Cell3_Ger1Test_ch2_{k}.ibw") for k in _REPS)
    i = ";".join(str(folder / f"Cell3_Ger1Test_ch3_{k}.ibw") for k in _REPS)
    return (f"pozzorini2015_L5pyr,{folder / _CAL[0]},{folder / _CAL[1]},{v},{i},{v},{i},"
            "0s,12s,12s,20s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=1.0, help="f-I step duration (s)")
    parser.add_argument("--trivial", type=int, default=200, help="trivial points")
    parser.add_argument("--repeats", type=int, default=3,
                        help="alternating serial/cluster runs of the f-I sweep (medians)")
    parser.add_argument("--cells", type=int, default=9, help="cells of the batch fit")
    parser.add_argument("--skip-fit", action="store_true", help="skip the batch GIF fit")
    parser.add_argument("--out", type=Path, default=None, help="write the numbers as JSON")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="Brian2 cache root to reuse between runs (default: a new one)")
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    work = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    cache = args.cache_dir or work / "cache"
    lif, hh = fi_grids(args.duration)
    grid = _points(lif) + _points(hh)
    assert len(grid) == 40
    warm = [grid[0], grid[-1]]
    results = {}
    import os
    threads = {k: os.environ.get(k, "unset") for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    print(f"serial side: {threads}; Dask workers: 1 thread each (Dask's default)")
    print(f"f-I sweep: {len(grid)} points (20 LIF, 20 HH), {args.duration:g} s steps, Cython")
    timed("serial warm-up (compiles)", lambda: sweep("fi-curve", warm, out=work / "w0",
                                                     client="serial", progress=False,
                                                     cache_dir=cache))
    t_start, (cluster, client) = timed("LocalCluster(2 workers) start", lambda: (
        lambda c: (c, Client(c)))(LocalCluster(n_workers=2, threads_per_worker=1,
                                               processes=True, dashboard_address=":0")))
    try:
        timed("cluster warm-up (every worker compiles both models)",
              lambda: client.run(_warm_up, warm, str(cache)))
        walls = {"serial": [], "cluster": []}
        for r in range(args.repeats):  # alternate, so that a change of load hits both sides
            for side in ("serial", "cluster"):
                wall, table = timed(f"{side} (run {r + 1})", lambda: sweep(
                    "fi-curve", grid, out=work / f"{side}{r}", progress=False,
                    client="serial" if side == "serial" else client, cache_dir=cache))
                walls[side].append(wall)
                if side == "serial":
                    serial = table
                else:
                    par = table
        t_serial = float(np.median(walls["serial"]))
        t_cluster = float(np.median(walls["cluster"]))
        same = bool((serial["spikes_sha256"] == par["spikes_sha256"]).all())
        cpu_serial, cpu_cluster = float(serial["cpu_s"].sum()), float(par["cpu_s"].sum())
        print(f"  speedup serial/cluster (medians): {t_serial / t_cluster:.2f}x (goal >= 1.8); "
              f"CPU time of the points: serial {cpu_serial:.1f} s, workers {cpu_cluster:.1f} s; "
              f"same spikes: {same}")
        results["fi"] = {"points": 40, "serial_s": walls["serial"],
                         "cluster_s": walls["cluster"], "speedup": t_serial / t_cluster,
                         "cpu_serial_s": cpu_serial, "cpu_cluster_s": cpu_cluster,
                         "cluster_start_s": t_start, "same_spikes": same}
        trivial = {"x": list(range(args.trivial))}
        print(f"trivial points: {args.trivial}")
        t_ts, _ = timed("serial", lambda: sweep(TRIVIAL, trivial, out=work / "ts",
                                                client="serial", progress=False,
                                                cache_dir=cache))
        t_tc, _ = timed("cluster", lambda: sweep(TRIVIAL, trivial, out=work / "tc",
                                                 client=client, progress=False,
                                                 cache_dir=cache))
        per = t_tc / args.trivial
        print(f"  overhead per point on the cluster: {per * 1e3:.1f} ms (goal < 50 ms; "
              f"serial {t_ts / args.trivial * 1e3:.1f} ms)")
        results["overhead"] = {"points": args.trivial, "cluster_per_point_ms": per * 1e3,
                               "serial_per_point_ms": t_ts / args.trivial * 1e3}
        if not args.skip_fit:
            real = real_cell_line()
            n_synth = args.cells - (1 if real else 0)
            print(f"batch GIF fit: {n_synth} synthetic cells" + (" + the example recording"
                                                                  if real else ""))
            lines = synthetic_cells(work, n_synth) + ([real] if real else [])
            csv = work / "cells.csv"
            csv.write_text("\n".join(lines) + "\n")
            t_fs, fs = timed("serial", lambda: fit_gif_batch(csv, out=work / "fs",
                                                             client="serial", progress=False,
                                                             cache_dir=cache))
            t_fc, fc = timed("cluster", lambda: fit_gif_batch(csv, out=work / "fc",
                                                              client=client, progress=False,
                                                              cache_dir=cache))
            print(f"  speedup serial/cluster: {t_fs / t_fc:.2f}x; cells ok: "
                  f"{int((fc['status'] == 'ok').sum())}/{len(fc)}; Md*: "
                  + ", ".join(f"{m:.3f}" for m in fc["md_star"].dropna()))
            results["batch_fit"] = {"cells": len(fc), "serial_s": t_fs, "cluster_s": t_fc,
                                    "speedup": t_fs / t_fc,
                                    "md_star": fc["md_star"].tolist()}
    finally:
        client.close()
        cluster.close()
    if args.out:
        from neurolab_snn.files import write_json
        write_json(args.out, results)
    return results


if __name__ == "__main__":
    main()
