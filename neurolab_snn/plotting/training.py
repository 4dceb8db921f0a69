"""Panels and the ``neurolab train`` command for surrogate-gradient training (layer L5).

``PLOTS`` maps ``train-digits`` and ``train-dms`` to functions returning
``{suffix: Figure}``; :func:`plot_surrogates` draws every surrogate and its
derivative.  :func:`add_train_arguments` and :func:`train_command` are the
command line ``neurolab train digits|dms [...]`` (wired into
:mod:`neurolab_snn.cli`): they write the protocol JSON (with ``test_accuracy``),
the trainer's per-epoch ``metrics.json`` and the PNG panels.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from ..experiment.result import ProtocolResult
from ..training.brian import FORWARD_BACKENDS

__all__ = ["PLOTS", "plot_training_curves", "plot_digit_rasters", "plot_dms_trials",
           "plot_surrogates", "add_train_arguments", "train_command", "train_out_dir",
           "training_protocol_main"]


def _title(result: ProtocolResult) -> str:
    s = result.settings
    enc = f" {s['encoding']}-coded" if "encoding" in s else ""
    return (f"{result.protocol}{enc}: {s.get('model', '')} hidden, seed {s.get('seed')}, "
            f"{s.get('backend')}")


def plot_training_curves(result: ProtocolResult) -> dict:
    """Training loss and train / validation accuracy per epoch, with the test accuracy."""
    c = result.data["curves"]
    epochs = np.arange(1, len(c["train_loss"]) + 1)
    fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(9, 3.4))
    ax_l.plot(epochs, c["train_loss"], "o-", ms=3, label="train")
    ax_l.plot(epochs, c["val_loss"], "s--", ms=3, label="validation")
    ax_l.set(xlabel="epoch", ylabel="loss (cross-entropy, nats)", title="loss")
    ax_l.legend(frameon=False, fontsize=8)
    ax_a.plot(epochs, 100 * np.asarray(c["train_accuracy"]), "o-", ms=3, label="train")
    ax_a.plot(epochs, 100 * np.asarray(c["val_accuracy"]), "s--", ms=3, label="validation")
    test = 100 * result.numbers["test_accuracy"]
    ax_a.axhline(test, color="k", lw=1, ls=":", label=f"held-out test {test:.1f} %")
    ax_a.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    ax_a.legend(frameon=False, fontsize=8, loc="lower right")
    fig.suptitle(_title(result), fontsize=9)
    fig.tight_layout()
    return fig


def _scatter(ax, raster, color, title, dt_ms=1.0):
    ax.scatter(np.asarray(raster["step"]) * dt_ms, raster["index"], s=3, marker="|",
               color=color, linewidths=1)
    ax.set_ylim(-0.5, raster["n"] - 0.5)
    ax.set_title(title, fontsize=8, loc="left")


def plot_digit_rasters(result: ProtocolResult) -> dict:
    """Input, hidden and output spikes of one test digit before and after training."""
    fig, axes = plt.subplots(2, 3, figsize=(11, 5.2), sharex=True,
                             gridspec_kw={"width_ratios": [1, 1.3, 0.8]})
    for row, when in enumerate(("before", "after")):
        d = result.data[when]
        label = d["label"]
        _scatter(axes[row, 0], d["input"], "0.3", f"{when} training: input (label {label})")
        _scatter(axes[row, 1], d["hidden"], "C0",
                 f"hidden ({len(d['hidden']['step'])} spikes)")
        out = d["output"]
        ax = axes[row, 2]
        colors = ["C3" if i == label else "0.4" for i in out["index"]]
        ax.scatter(out["step"], out["index"], s=14, marker="|", c=colors, linewidths=1.5)
        ax.set_ylim(-0.5, 9.5)
        ax.set_yticks(range(10))
        counts = np.bincount(np.asarray(out["index"], dtype=int), minlength=10)
        ax.set_title(f"output (red: class {label}; counts {counts[label]} vs "
                     f"max other {np.delete(counts, label).max()})", fontsize=8, loc="left")
        axes[row, 0].set_ylabel("neuron")
    for ax in axes[1]:
        ax.set_xlabel("time (ms)")
    fig.suptitle(_title(result), fontsize=9)
    fig.tight_layout()
    return fig


def plot_dms_trials(result: ProtocolResult) -> dict:
    """Example match and non-match trials: inputs, recurrent spikes, read-out potentials."""
    ex = result.data["examples"]
    dt_ms = 1e3 * ex["dt"]
    periods = ex["periods"]
    fig, axes = plt.subplots(3, 2, figsize=(11, 6.4), sharex=True,
                             gridspec_kw={"height_ratios": [1, 1.2, 0.8]})
    for col in range(len(ex["labels"])):
        sample, test = np.asarray(ex["trials"][col]).astype(int)
        label = "match" if ex["labels"][col] else "non-match"
        pred = "match" if ex["pred"][col] else "non-match"
        _scatter(axes[0, col], ex["input"][col], "0.3",
                 f"{label} trial: sample direction {sample}, test direction {test}", dt_ms)
        rec = ex["rec"][col]
        n = rec["n"]
        exc = np.asarray(rec["index"]) < int(0.8 * n)
        steps = np.asarray(rec["step"])
        idx = np.asarray(rec["index"])
        axes[1, col].scatter(steps[exc] * dt_ms, idx[exc], s=2, marker="|", color="C3",
                             label="excitatory")
        axes[1, col].scatter(steps[~exc] * dt_ms, idx[~exc], s=2, marker="|", color="C0",
                             label="inhibitory")
        axes[1, col].set_ylim(-0.5, n - 0.5)
        axes[1, col].set_title("recurrent GIF/LIF neurons (80 E red, 20 I blue)", fontsize=8,
                               loc="left")
        v = np.asarray(ex["readout_v"][col]) * 1e3
        t = np.arange(v.shape[0]) * dt_ms
        axes[2, col].plot(t, v[:, 0], color="C1", label="non-match unit")
        axes[2, col].plot(t, v[:, 1], color="C2", label="match unit")
        axes[2, col].set_title(f"read-out: decision '{pred}'", fontsize=8, loc="left")
        axes[2, col].set_xlabel("time (ms)")
        for ax in axes[:, col]:
            for name, start in periods.items():
                ax.axvline(start * dt_ms, color="k", lw=0.5, ls=":")
        for name, start in periods.items():
            axes[0, col].text(start * dt_ms, 1.0, f" {name}", fontsize=7,
                              transform=axes[0, col].get_xaxis_transform(), va="bottom")
    axes[0, 0].set_ylabel("input neuron")
    axes[1, 0].set_ylabel("neuron")
    axes[2, 0].set_ylabel("read-out v (mV)")
    axes[2, 0].legend(frameon=False, fontsize=7)
    fig.suptitle(f"{_title(result)}: held-out accuracy "
                 f"{100 * result.numbers['test_accuracy']:.1f} %", fontsize=9)
    fig.tight_layout()
    return fig


def plot_surrogates(surrogates=None):
    """Every surrogate's smooth step S(x) and its derivative S'(x)."""
    from ..training.surrogates import ATan, Custom, FastSigmoid, Sigmoid, StraightThrough, \
        Triangle
    if surrogates is None:
        gauss = Custom(function=lambda x, k: 0.5 * (1 + np.tanh(k * x * 0.8)),
                       derivative=lambda x, k: 0.4 * k / np.cosh(0.8 * k * x) ** 2, slope=4.0)
        surrogates = [Sigmoid(4.0), FastSigmoid(4.0), ATan(2.0), Triangle(1.0),
                      StraightThrough(0.5), gauss]
    x = np.linspace(-3, 3, 1201)
    fig, (ax_s, ax_g) = plt.subplots(1, 2, figsize=(10, 3.6))
    ax_s.step(x, (x > 0).astype(float), "k", lw=2, alpha=0.3, where="post",
              label="Heaviside H(x) (forward)")
    for k, sur in enumerate(surrogates):
        name = "user-defined (tanh)" if sur.name == "Custom" else sur.name
        ax_s.plot(x, sur(x), color=f"C{k}", label=f"{name}, slope {sur.slope:g}")
        ax_g.plot(x, sur.grad(x), color=f"C{k}")
    ax_s.set(xlabel="x = h / scale (threshold distance)", ylabel="S(x)",
             title="smooth steps (smooth forward pass)")
    ax_g.set(xlabel="x = h / scale", ylabel="S'(x)", title="surrogate derivatives (backward)")
    ax_s.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def _digits_panels(result):
    return {"curves": plot_training_curves(result), "rasters": plot_digit_rasters(result)}


def _dms_panels(result):
    return {"curves": plot_training_curves(result), "trials": plot_dms_trials(result)}


PLOTS = {"train-digits": _digits_panels, "train-dms": _dms_panels}


# ----------------------------------------------------------------------------- command line
def add_train_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Options of ``neurolab train``: task, encoding, model, backend, epochs, seed, out, quick;
    ``--method`` (a name of :mod:`neurolab_snn.training.methods`), ``--feedback``, ``--mnist``,
    ``--set KEY=VALUE`` (run by :mod:`.training_methods`)."""
    parser.add_argument("task", choices=("digits", "dms"), help="what to train")
    parser.add_argument("--encoding", choices=("rate", "latency", "analog"), default=None,
                        help="digits input code (rate: count loss; latency: first-spike loss; "
                             "analog: constant current, --method conversion); default: the "
                             "method's own (bptt: rate, eventprop: latency)")
    parser.add_argument("--model", choices=("LIF", "AdaptiveLIF", "GIF", "IF"), default=None,
                        help="hidden neuron model (digits: LIF; dms: GIF; conversion: IF)")
    parser.add_argument("--backend", choices=FORWARD_BACKENDS, default="runtime",
                        help="Brian2 backend of the forward pass (cuda: brian2cuda, a GPU)")
    parser.add_argument("--epochs", type=int, default=None, help="number of epochs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default results/training)")
    parser.add_argument("--quick", action="store_true", help="short run for a smoke test")
    parser.add_argument("--progress", action="store_true",
                        help="show a progress bar over the batches of each epoch")
    parser.add_argument("--resume", type=Path, default=None, metavar="DIR",
                        help="continue an interrupted run from its checkpoint: DIR is the "
                             "--out folder of that run (same task and options)")
    from ..training.methods import method_names
    parser.add_argument("--method", choices=method_names(), default="bptt",
                        help="training method (digits; bptt: surrogate gradients, the default)")
    parser.add_argument("--feedback", choices=("symmetric", "random", "direct", "uniform"),
                        default=None,
                        help="feedback of the methods that learn with local rules")
    parser.add_argument("--mnist", type=Path, default=None, metavar="DIR",
                        help="train on MNIST from the four IDX files in DIR instead of digits")
    parser.add_argument("--mnist-limit", type=int, default=None, metavar="N",
                        help="use at most N MNIST training and N test images")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="method option, e.g. --set rule=weight --set n_hidden=64")
    return parser


def train_out_dir(args) -> Path:
    """The output folder of ``neurolab train``: ``--out``, or the folder of ``--resume``.

    ``--resume DIR`` accepts the ``--out`` folder of the interrupted run or its
    ``train_<task>_run`` folder; it needs ``DIR``'s checkpoint (FileNotFoundError
    otherwise) and refuses a different ``--out`` (ValueError).
    """
    if args.resume is None:
        return Path(args.out) if args.out is not None else Path("results/training")
    resume = Path(args.resume)
    run = f"train_{args.task}_run"
    out = resume.parent if resume.name == run else resume
    if not (out / run / "checkpoint.npz").is_file():
        raise FileNotFoundError(f"--resume {resume}: no checkpoint {out / run / 'checkpoint.npz'}"
                                f"; expected the --out folder of an interrupted "
                                f"'neurolab train {args.task}' run")
    if args.out is not None and Path(args.out).resolve() != out.resolve():
        raise ValueError(f"--out {args.out} with --resume {resume}: expected no --out (the "
                         f"results go to {out}) or the same folder")
    return out


def train_command(args) -> int:
    """Run ``neurolab train``: write ``<task>.json`` (with test_accuracy), metrics and PNGs."""
    from ..experiment.training_protocols import train_digits_protocol, train_dms_protocol
    from .report import write_protocol_outputs

    if (getattr(args, "method", "bptt") != "bptt" or getattr(args, "mnist", None) is not None
            or getattr(args, "feedback", None) is not None or getattr(args, "set", None)):
        from .training_methods import run_method_command
        return run_method_command(args)
    out = train_out_dir(args)
    run_dir = out / f"train_{args.task}_run"
    common = dict(model=args.model, backend=args.backend, seed=args.seed, quick=args.quick,
                  epochs=args.epochs, out_dir=run_dir, progress=args.progress,
                  resume=args.resume is not None)
    if args.task == "digits":
        result = train_digits_protocol(encoding=args.encoding or "rate", **common)
    else:
        result = train_dms_protocol(**common)
    for path in write_protocol_outputs(result, out):
        print(f"wrote {path}")
    print(f"wrote {run_dir / 'metrics.json'}")
    for key, value in result.numbers.items():
        print(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
    return 0


def training_protocol_main(name: str, argv=None, echo: bool = True) -> dict:
    """Command line of ``protocols/train_digits.py`` and ``protocols/train_dms.py``.

    Like ``protocols/_common.protocol_main`` but ``--backend`` defaults to
    ``numpy`` in quick mode (a smoke test should not wait for Cython
    compilation) and to ``runtime`` otherwise; ``--epochs`` is passed on.
    *echo*: print the key numbers. Returns ``{'numbers': ..., 'files': [...]}``.
    """
    from ..experiment import get_protocol
    from .report import write_protocol_outputs

    fn = get_protocol(name)
    parser = argparse.ArgumentParser(prog=name, description=(fn.__doc__ or "").strip()
                                     .splitlines()[0])
    parser.add_argument("--model", default=None, help="hidden neuron model")
    parser.add_argument("--backend", default=None, choices=FORWARD_BACKENDS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path("results/protocols"))
    parser.add_argument("--quick", action="store_true", help="short run for a smoke test")
    args = parser.parse_args(argv)
    backend = args.backend or ("numpy" if args.quick else "runtime")
    result = fn(args.model, backend=backend, seed=args.seed, quick=args.quick,
                epochs=args.epochs, out_dir=args.out / f"{name.replace('-', '_')}_run")
    paths = write_protocol_outputs(result, args.out)
    for key, value in result.numbers.items() if echo else ():
        print(f"{name}: {key} = {value}")
    return {"numbers": result.numbers, "files": [str(p) for p in paths]}
