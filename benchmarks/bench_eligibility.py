"""Benchmark: the gradient of one digits minibatch by eligibility traces vs by the BPTT adjoint.

The digits network of ``train_superspike`` (64 inputs -> 256 hidden LIF -> 10 LIF,
25 steps of 1 ms, batch 128, rate-coded random digits of the training split),
one forward trace, then on one thread (threadpoolctl):

* ``bptt``: :func:`neurolab_snn.training.adjoint.backward` (the named peer);
* ``offline``: :func:`~neurolab_snn.training.eligibility.eligibility_gradients`
  with ``online=False`` (the same sums accumulated backward in time);
* ``online``: the same with ``online=True`` (per-synapse traces run forward).

Each as numpy and, where the compiled kernels apply, compiled; the median of
``--repeats`` calls, and the ratio to ``bptt`` of the same kind, are printed.
Not run by CI: ``python benchmarks/bench_eligibility.py [--repeats 5]``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    from neurolab_snn.training.adjoint import backward
    from neurolab_snn.training.eligibility import eligibility_gradients
    from neurolab_snn.training.network import TrainableNetwork
    from neurolab_snn.training.recipes import digits_network
    from neurolab_snn.training.tasks import DigitsTask

    rng = np.random.default_rng(args.seed)
    task = DigitsTask(encoding="rate", n_steps=25, gain=1.0)
    net = TrainableNetwork(digits_network("LIF", n_hidden=256))
    params = net.init_params(rng, gain=3.0)
    idx = rng.choice(len(task.train), 128, replace=False)
    trace = net.simulate(params, task.encode(task.train.x[idx], rng))
    _, gs, gx = task.loss(trace, task.train.y[idx], "output")
    calls = {
        "bptt": lambda c: backward(net, params, trace, grad_spikes=gs, compiled=c),
        "offline": lambda c: eligibility_gradients(net, params, trace, grad_spikes=gs,
                                                   compiled=c),
        "online": lambda c: eligibility_gradients(net, params, trace, grad_spikes=gs,
                                                  online=True),
    }
    out = {}
    with threadpool_limits(1):
        for compiled in (False, True):
            kind = "compiled" if compiled else "numpy"
            for name, fn in calls.items():
                if name == "online" and compiled:
                    continue            # no compiled variant: the same numpy code
                fn(compiled)            # warm-up (compiles the kernels once)
                times = []
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    fn(compiled)
                    times.append(time.perf_counter() - t0)
                out[(name, kind)] = statistics.median(times)
    print(f"{'gradient':10s} {'kind':9s} {'s/batch':>9s} {'vs bptt':>8s}")
    for (name, kind), t in out.items():
        peer = out[("bptt", kind)] if name != "online" else out[("bptt", "numpy")]
        print(f"{name:10s} {kind:9s} {t:9.3f} {t / peer:7.2f}x")
    return {f"{n}_{k}": t for (n, k), t in out.items()}


if __name__ == "__main__":
    main()
