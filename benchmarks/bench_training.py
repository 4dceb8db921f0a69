"""Benchmark: training throughput and accuracy of the digits network, neurolab vs snnTorch.

The same network (64 inputs -> 256 LIF -> 10 LIF, no biases), the same
rate-coded digits (identical spike arrays: both loops encode each minibatch
from the same random streams, inside the timed loop), the same T (25 steps of
1 ms), batch size, epochs, learning rate, loss (cross-entropy of spike counts)
and surrogate (fast sigmoid, derivative k/2/(1+k|x|)^2 with x in units of the
threshold distance), on the CPU with one thread, measured in one run.

The runs alternate epoch by epoch (neurolab, snnTorch, snnTorch in float64,
neurolab, ...), so that all see the same machine load; one untimed warm-up
epoch each goes first (neurolab: loading the compiled adjoint kernel; torch:
allocator and autograd warm-up).  The ratio is total samples/s against total
samples/s (the target: snnTorch as users run it, float32); the per-epoch ratios
show the spread, and snnTorch in float64 - neurolab's precision - is a second
reference.

neurolab: Brian2 forward pass of B copies per minibatch (runtime/Cython; and
cpp_standalone with ``--standalone``), discrete adjoint backward (compiled
kernel), Adam.  snnTorch: ``snn.Leaky`` with ``reset_mechanism='zero'``,
``torch.optim.Adam``.

Reports samples/s for each, the ratio, the forward (Brian2) and backward
(adjoint) shares of neurolab's time, and test accuracies (final parameters).
Not run by CI: ``python benchmarks/bench_training.py [--epochs 5] [--batch 128]
[--standalone]``.  Needs ``torch`` and ``snntorch`` (test-only dependencies).
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
from neurolab_snn.training.trainer import (_TEST_STREAM, Trainer, TrainSettings,  # noqa: E402
                                           _blas_threads)

SLOPE = 5.0


class SnnTorchDigits:
    """The digits network in snnTorch, trained with the neurolab trainer's encoding streams."""

    def __init__(self, task, batch, lr, hidden, seed, dtype="float32"):
        import snntorch as snn
        import snntorch.functional as SF
        import torch

        torch.set_num_threads(1)
        torch.manual_seed(seed)
        self.torch, self.task, self.batch, self.seed = torch, task, batch, seed
        self.dtype = getattr(torch, dtype)

        class FastSigmoid(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return (x > 0).to(x.dtype)

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 0.5 * SLOPE / (1 + SLOPE * x.abs()) ** 2

        beta = float(np.exp(-1.0 / 10.0))                    # dt = 1 ms, tau_m = 10 ms

        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = torch.nn.Linear(64, hidden, bias=False)
                self.fc2 = torch.nn.Linear(hidden, 10, bias=False)
                kw = dict(beta=beta, threshold=1.0, spike_grad=FastSigmoid.apply,
                          reset_mechanism="zero")
                self.lif1, self.lif2 = snn.Leaky(**kw), snn.Leaky(**kw)
                with torch.no_grad():                       # N(0, (3 * threshold)^2 / fan_in)
                    self.fc1.weight.normal_(0, 3 / np.sqrt(64))
                    self.fc2.weight.normal_(0, 3 / np.sqrt(hidden))

            def forward(self, x):                            # x: (T, B, 64)
                m1, m2 = self.lif1.init_leaky(), self.lif2.init_leaky()
                out = []
                for t in range(x.shape[0]):
                    s1, m1 = self.lif1(self.fc1(x[t]), m1)
                    s2, m2 = self.lif2(self.fc2(s1), m2)
                    out.append(s2)
                return torch.stack(out)

        self.net = Net().to(self.dtype)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=lr)
        self.loss_fn = SF.ce_count_loss()
        self.y = torch.tensor(task.train.y)

    def train_epoch(self, epoch: int) -> float:
        """One epoch (the trainer's random streams for *epoch*); returns its wall time (s)."""
        torch, task = self.torch, self.task
        start = time.perf_counter()
        rng = np.random.default_rng([self.seed, epoch + 1])
        order = rng.permutation(len(task.train))
        for b0 in range(0, len(order), self.batch):
            idx = order[b0:b0 + self.batch]
            x_b = task.encode(task.train.x[idx], rng)
            x = torch.tensor(np.ascontiguousarray(np.swapaxes(x_b, 0, 1)), dtype=self.dtype)
            loss = self.loss_fn(self.net(x), self.y[idx])
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
        return time.perf_counter() - start

    def test_accuracy(self, test_inputs) -> float:
        torch = self.torch
        with torch.no_grad():
            out = self.net(torch.tensor(np.swapaxes(test_inputs, 0, 1), dtype=self.dtype))
        return float((out.sum(0).argmax(1).numpy() == self.task.test.y).mean())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs (after 1 warm-up)")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--standalone", action="store_true", help="also time cpp_standalone")
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks"))
    args = parser.parse_args(argv)

    task = DigitsTask(encoding="rate", n_steps=25, gain=1.0)
    test_x = task.encode(task.test.x, np.random.default_rng([args.seed, _TEST_STREAM]))
    n = len(task.train)
    backends = ["runtime"] + (["cpp_standalone"] if args.standalone else [])
    trainers = {b: Trainer(TrainableNetwork(digits_network("LIF", n_hidden=args.hidden,
                                                           slope=SLOPE)), task,
                           TrainSettings(epochs=args.epochs + 1, batch_size=args.batch,
                                         lr=args.lr, weight_gain=3.0, seed=args.seed,
                                         backend=b, progress=False))
                for b in backends}
    peers = {"snntorch": SnnTorchDigits(task, args.batch, args.lr, args.hidden, args.seed),
             "snntorch_float64": SnnTorchDigits(task, args.batch, args.lr, args.hidden,
                                                args.seed, dtype="float64")}
    times = {b: [] for b in backends} | {name: [] for name in peers}
    history = {b: [] for b in backends}
    with _blas_threads(1):
        for epoch in range(args.epochs + 1):                # epoch 0: warm-up, not timed
            for b, trainer in trainers.items():
                metrics = trainer.train_epoch()
                if epoch:
                    times[b].append(metrics["time_s"])
                    history[b].append(metrics)
            for name, peer in peers.items():
                seconds = peer.train_epoch(epoch)
                if epoch:
                    times[name].append(seconds)
        results = {"settings": vars(args) | {"out": str(args.out)}}
        for name, peer in peers.items():
            results[name] = {"samples_per_s": n * args.epochs / sum(times[name]),
                             "epoch_s": times[name], "test_accuracy": peer.test_accuracy(test_x)}
        ref = results["snntorch"]["samples_per_s"]
        for b, trainer in trainers.items():
            h = history[b]
            fwd, bwd = sum(e["forward_s"] for e in h), sum(e["backward_s"] for e in h)
            rate = n * args.epochs / sum(times[b])
            results[f"neurolab_{b}"] = {
                "samples_per_s": rate, "ratio_vs_snntorch": rate / ref,
                "ratio_vs_snntorch_float64": rate / results["snntorch_float64"]["samples_per_s"],
                "epoch_ratios": [t_peer / t for t, t_peer in zip(times[b], times["snntorch"])],
                "epoch_s": times[b], "forward_share": fwd / (fwd + bwd),
                "backward_share": bwd / (fwd + bwd),
                "test_accuracy": trainer.evaluate(task.test, _TEST_STREAM)[1],
                "compilations": trainer.forward.compilations,
                "forward_runs": trainer.forward.runs}
            trainer.close()
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "epoch_s"}
                      if isinstance(v, dict) else v for k, v in results.items()}, indent=1))
    write_json(args.out / "bench_training.json", results)
    return results


if __name__ == "__main__":
    main()
