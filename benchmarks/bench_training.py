"""Benchmark: training throughput and accuracy of the digits network, neurolab vs snnTorch.

The same network (64 inputs -> 256 LIF -> 10 LIF, no biases), the same
rate-coded digits (identical spike arrays: both loops encode each minibatch
from the same random streams, inside the timed loop), the same T (25 steps of 1 ms),
batch size, epochs, learning rate, loss (cross-entropy of spike counts) and
surrogate (fast sigmoid, derivative k/2/(1+k|x|)^2 with x in units of the
threshold distance), on the CPU with one thread, measured in one run.

neurolab: Brian2 forward pass of B copies per minibatch (runtime/Cython; and
cpp_standalone with ``--standalone``), discrete adjoint backward, Adam.
snnTorch: ``snn.Leaky`` with ``reset_mechanism='zero'``, ``torch.optim.Adam``.

Reports samples/s for each, the ratio, the forward (Brian2) and backward
(adjoint) shares of neurolab's time, and test accuracies.  Not run by CI:
``python benchmarks/bench_training.py [--epochs 5] [--batch 128] [--standalone]``.
Needs ``torch`` and ``snntorch`` (test-only dependencies).
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neurolab_snn.files import write_json  # noqa: E402
from neurolab_snn.training.network import TrainableNetwork  # noqa: E402
from neurolab_snn.training.recipes import digits_network  # noqa: E402
from neurolab_snn.training.tasks import DigitsTask  # noqa: E402
from neurolab_snn.training.trainer import Trainer, TrainSettings  # noqa: E402

SLOPE = 5.0


def _snntorch_run(task, test_inputs, epochs, batch, lr, hidden, seed):
    import snntorch as snn
    import snntorch.functional as SF
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)

    class FastSigmoid(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x > 0).to(x.dtype)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 0.5 * SLOPE / (1 + SLOPE * x.abs()) ** 2

    beta = float(np.exp(-1.0 / 10.0))                        # dt = 1 ms, tau_m = 10 ms

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(64, hidden, bias=False)
            self.fc2 = torch.nn.Linear(hidden, 10, bias=False)
            kw = dict(beta=beta, threshold=1.0, spike_grad=FastSigmoid.apply,
                      reset_mechanism="zero")
            self.lif1, self.lif2 = snn.Leaky(**kw), snn.Leaky(**kw)
            with torch.no_grad():                           # N(0, (3 * threshold)^2 / fan_in)
                self.fc1.weight.normal_(0, 3 / np.sqrt(64))
                self.fc2.weight.normal_(0, 3 / np.sqrt(hidden))

        def forward(self, x):                                # x: (T, B, 64)
            m1, m2 = self.lif1.init_leaky(), self.lif2.init_leaky()
            out = []
            for t in range(x.shape[0]):
                s1, m1 = self.lif1(self.fc1(x[t]), m1)
                s2, m2 = self.lif2(self.fc2(s1), m2)
                out.append(s2)
            return torch.stack(out)

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = SF.ce_count_loss()
    y_all = torch.tensor(task.train.y)
    times = []
    for e in range(epochs):
        start = time.perf_counter()
        rng = np.random.default_rng([seed, e + 1])      # the trainer's streams: the same spikes
        order = rng.permutation(len(task.train))
        for b0 in range(0, len(order), batch):
            idx = order[b0:b0 + batch]
            x_b = task.encode(task.train.x[idx], rng)
            x = torch.tensor(np.ascontiguousarray(np.swapaxes(x_b, 0, 1)), dtype=torch.float32)
            out = net(x)
            loss = loss_fn(out, y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    with torch.no_grad():
        out = net(torch.tensor(np.swapaxes(test_inputs, 0, 1), dtype=torch.float32))
        acc = float((out.sum(0).argmax(1).numpy() == task.test.y).mean())
    n = len(task.train)
    return {"samples_per_s": n * epochs / sum(times), "epoch_s": times, "test_accuracy": acc}


def _neurolab_run(task, epochs, batch, lr, hidden, seed, backend):
    net = TrainableNetwork(digits_network("LIF", n_hidden=hidden, slope=SLOPE))
    trainer = Trainer(net, task, TrainSettings(epochs=epochs, batch_size=batch, lr=lr,
                                               weight_gain=3.0, seed=seed, backend=backend,
                                               progress=False))
    result = trainer.fit(resume=False)
    h = result.history
    n = len(task.train)
    fwd, bwd = sum(e["forward_s"] for e in h), sum(e["backward_s"] for e in h)
    out = {"samples_per_s": n * epochs / sum(e["time_s"] for e in h),
           "epoch_s": [e["time_s"] for e in h], "test_accuracy": result.test_accuracy,
           "forward_share": fwd / (fwd + bwd), "backward_share": bwd / (fwd + bwd),
           "compilations": result.compilations, "forward_runs": trainer.forward.runs}
    trainer.close()
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--standalone", action="store_true", help="also time cpp_standalone")
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks"))
    args = parser.parse_args(argv)

    task = DigitsTask(encoding="rate", n_steps=25, gain=1.0)
    test_x = task.encode(task.test.x, np.random.default_rng([args.seed, 1_000_002]))

    results = {"settings": vars(args) | {"out": str(args.out)}}
    results["neurolab_runtime"] = _neurolab_run(task, args.epochs, args.batch, args.lr,
                                                args.hidden, args.seed, "runtime")
    results["snntorch"] = _snntorch_run(task, test_x, args.epochs, args.batch,
                                        args.lr, args.hidden, args.seed)
    if args.standalone:
        results["neurolab_cpp_standalone"] = _neurolab_run(task, args.epochs, args.batch,
                                                           args.lr, args.hidden, args.seed,
                                                           "cpp_standalone")
    ref = results["snntorch"]["samples_per_s"]
    for key in [k for k in results if k.startswith("neurolab")]:
        results[key]["ratio_vs_snntorch"] = results[key]["samples_per_s"] / ref
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "epoch_s"}
                      if isinstance(v, dict) else v for k, v in results.items()}, indent=1))
    write_json(args.out / "bench_training.json", results)
    return results


if __name__ == "__main__":
    main()
