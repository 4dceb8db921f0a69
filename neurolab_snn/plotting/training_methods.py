"""Panels and the command-line run of the training methods of the registry (layer L5).

:func:`run_method_command` is ``neurolab train digits --method NAME [--feedback F]
[--mnist DIR] [--set KEY=VALUE ...]``: it calls the method of
:mod:`neurolab_snn.training.methods`, writes ``train_<task>_<method>.json`` (``method``,
``test_accuracy``, ``wall_s``, ``train_samples_per_s``, ``seed``, ``config``, ``history``
and the method's arrays) and the PNG panels of :func:`method_panels`.
:func:`plot_accuracy_vs_T` draws the accuracy-latency curve of a converted network.
"""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from ..files import save_figure, write_json

__all__ = ["plot_method_history", "plot_accuracy_vs_T", "method_panels", "parse_options",
           "load_data", "run_method_command"]


def plot_method_history(out: dict):
    """Per-epoch losses and accuracies (whatever the method's history holds)."""
    hist = out.get("history") or []
    epochs = np.array([h.get("epoch", k + 1) for k, h in enumerate(hist)])
    fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(9, 3.4))
    for key in sorted({k for h in hist for k in h}):
        vals = [h.get(key) for h in hist]
        if not all(isinstance(v, (int, float)) for v in vals) or key in ("epoch",):
            continue
        if key.endswith("accuracy"):
            ax_a.plot(epochs, 100 * np.asarray(vals), "o-", ms=3, label=key.replace("_", " "))
        elif key.endswith("loss"):
            ax_l.plot(epochs, vals, "o-", ms=3, label=key.replace("_", " "))
    test = 100 * out["test_accuracy"]
    what = " (converted SNN)" if "accuracy_vs_T" in out else ""
    ax_a.axhline(test, color="k", lw=1, ls=":", label=f"held-out test{what} {test:.1f} %")
    ax_l.set(xlabel="epoch", ylabel="loss (cross-entropy, nats)", title="loss")
    ax_a.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    for ax in (ax_l, ax_a):
        if ax.lines:
            ax.legend(frameon=False, fontsize=8)
    trained = ": epochs of the source ReLU ANN" if "accuracy_vs_T" in out else ""
    fig.suptitle(f"method {out['method']}{trained} ({out.get('model', '')} neurons, seed "
                 f"{out.get('seed')}, {out.get('backend', '')})", fontsize=9)
    fig.tight_layout()
    return fig


def plot_accuracy_vs_T(ax, curves, *, ann=None, dt_ms: float = 1.0, label_prefix=""):
    """Accuracy against simulation length for one or more converted runs (mean +- sd)."""
    t = np.asarray(curves[0]["T"]) * dt_ms
    acc = 100 * np.array([c["test"] for c in curves])
    mean, sd = acc.mean(axis=0), acc.std(axis=0)
    ax.plot(t, mean, "o-", ms=3, color="C0", label=f"{label_prefix}converted SNN (test)")
    if len(curves) > 1:
        ax.fill_between(t, mean - sd, mean + sd, color="C0", alpha=0.25, lw=0)
    if ann is not None:
        ax.axhline(100 * np.mean(ann), color="C3", ls="--", lw=1,
                   label=f"source ReLU ANN {100 * np.mean(ann):.1f} %")
    ax.set_xscale("log")
    ax.set_ylim(0, 100)
    ax.set(xlabel="simulation length T (ms; dt = 1 ms)", ylabel="test accuracy (%)",
           title="conversion: accuracy vs latency")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return ax


def method_panels(out: dict) -> dict:
    """``{suffix: Figure}``: the history, plus the accuracy-vs-T curve of a conversion run."""
    figs = {"curves": plot_method_history(out)}
    if "accuracy_vs_T" in out:
        fig, ax = plt.subplots(figsize=(5.5, 3.6))
        plot_accuracy_vs_T(ax, [out["accuracy_vs_T"]], ann=[out.get("ann_test_accuracy")]
                           if out.get("ann_test_accuracy") is not None else None)
        fig.tight_layout()
        figs["accuracy_vs_T"] = fig
    return figs


def parse_options(items) -> dict:
    """``['key=value', ...]`` -> dict; values parsed as JSON where they are JSON
    (``n_hidden=64``, ``hidden=[128,64]``), else kept as strings (``rule=weight``)."""
    out = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"--set {item!r}: expected KEY=VALUE with a Python identifier "
                             "as KEY")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
        if isinstance(out[key], list):
            out[key] = tuple(out[key])
    return out


def load_data(mnist=None, *, limit=None, seed: int = 0):
    """``None`` (the method's default: digits) or the MNIST (train, val, test) triple."""
    if mnist is None:
        return None
    from ..training.tasks import load_mnist_split
    return load_mnist_split(mnist, seed=seed, limit=limit)


def _json_ready(out: dict) -> dict:
    return {k: v for k, v in out.items() if k not in ("params", "before", "after")}


def run_method_command(args) -> int:
    """``neurolab train digits --method NAME ...``: run, write JSON + PNGs, print the numbers."""
    from ..training.methods import get_method

    if args.task != "digits":
        raise ValueError(f"--method {args.method} trains the digits task (or --mnist); "
                         f"task={args.task!r} is trained by surrogate-gradient BPTT only")
    if getattr(args, "resume", None) is not None:
        raise ValueError(f"--resume {args.resume} with --method {args.method}: expected "
                         "--method bptt (the only method that writes resumable checkpoints)")
    train = get_method(args.method)
    options = parse_options(getattr(args, "set", None))
    if getattr(args, "feedback", None) is not None:
        options["feedback"] = args.feedback
    kwargs = dict(seed=args.seed, backend=args.backend, epochs=args.epochs, quick=args.quick,
                  progress=args.progress, data=load_data(args.mnist, limit=args.mnist_limit,
                                                         seed=0))
    for key in ("encoding", "model"):
        if getattr(args, key, None) is not None:
            kwargs[key] = getattr(args, key)
    out_dir = Path(args.out) if getattr(args, "out", None) is not None else \
        Path("results/training")
    name = f"train_{'mnist' if args.mnist else 'digits'}_{args.method}"
    out = train(out_dir=out_dir / f"{name}_run", **kwargs, **options)
    out["dataset"] = "mnist" if args.mnist else "digits"
    path = write_json(out_dir / f"{name}.json", _json_ready(out))
    print(f"wrote {path}")
    for suffix, fig in method_panels(out).items():
        print(f"wrote {save_figure(fig, out_dir / f'{name}_{suffix}.png')}")
    for key in ("method", "test_accuracy", "wall_s", "train_samples_per_s"):
        value = out[key]
        print(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
    return 0
