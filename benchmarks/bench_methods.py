"""Benchmark: training throughput (samples/s) of every registered training method on digits,
on one thread, with the ratio to surrogate-gradient BPTT (``bptt``) measured in the same run.

Each method runs with its defaults for ``--epochs`` epochs (default 2) on the digits split,
seed 0, Brian2 runtime backend; the methods run one after another, in
``--repeats`` rounds (default 1) so that they see the same machine load.  Reported per
method: ``train_samples_per_s`` as the method defines it (training samples consumed per
second of its training loop: for ``conversion`` the ReLU ANN's training, whose SNN is only
simulated), wall time per run (including evaluation and network construction) and the test
accuracy (far from the targets after 2 epochs).  Not run by CI:
``python benchmarks/bench_methods.py [--epochs 2] [--repeats 1] [--only bptt conversion]``.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neurolab_snn.files import write_json  # noqa: E402
from neurolab_snn.training.methods import get_method, method_names  # noqa: E402

PEER = "bptt"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=None, help="method names")
    parser.add_argument("--out", type=Path, default=Path("results/bench_methods.json"))
    args = parser.parse_args(argv)
    names = args.only or method_names()
    if PEER not in names:
        names = [PEER] + list(names)
    rows = {n: {"samples_per_s": [], "wall_s": [], "test_accuracy": []} for n in names}
    for _ in range(args.repeats):
        for name in names:
            out = get_method(name)(seed=0, epochs=args.epochs)
            rows[name]["samples_per_s"].append(out["train_samples_per_s"])
            rows[name]["wall_s"].append(out["wall_s"])
            rows[name]["test_accuracy"].append(out["test_accuracy"])
    peer = float(np.mean(rows[PEER]["samples_per_s"]))
    print(f"{'method':<14} {'samples/s':>11} {'ratio to ' + PEER:>14} {'wall s':>8} "
          f"{'test acc':>9}")
    for name in names:
        r = rows[name]
        rate = float(np.mean(r["samples_per_s"]))
        r["ratio_to_peer"] = rate / peer
        print(f"{name:<14} {rate:>11.1f} {rate / peer:>14.2f} {np.mean(r['wall_s']):>8.1f} "
              f"{100 * np.mean(r['test_accuracy']):>8.1f}%")
    write_json(args.out, {"peer": PEER, "epochs": args.epochs, "threads": 1, "methods": rows})
    print(f"wrote {args.out}")
    return rows


if __name__ == "__main__":
    main()
