"""Figures and the ``neurolab fit-model`` command for :func:`~neurolab_snn.experiment.gradient_fit.fit_model`."""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from ..experiment.gradient_fit import GradientFit, TraceLoss
from ..files import save_figure, write_json
from ..models.base import NeuronModel
from ..units import to_si

__all__ = ["plot_traces", "plot_loss", "add_fit_model_arguments", "fit_model_command",
           "model_from_json", "model_traces"]

_QUANTITY = re.compile(r"^\s*([-+]?[0-9.]+(?:[eE][-+]?\d+)?)\s*\*?\s*([A-Za-z_][A-Za-z0-9_]*)?\s*$")


def _quantity(text, where: str):
    import brian2.units as bunits
    import brian2.units.allunits as allunits
    from brian2.units.fundamentalunits import Quantity
    if isinstance(text, (int, float)):
        return float(text)
    match = _QUANTITY.match(str(text))
    unit = None if match is None or match.group(2) is None else \
        getattr(bunits, match.group(2), getattr(allunits, match.group(2), None))
    if match is None or (match.group(2) is not None and not isinstance(unit, Quantity)):
        raise ValueError(f"{where}={text!r}: expected a number with a Brian2 unit, e.g. '200 pF'")
    return float(match.group(1)) * (1 if unit is None else unit)


def model_from_json(path) -> NeuronModel:
    """A :class:`NeuronModel` from a JSON file: ``name, equations, threshold, reset,
    refractory, method, parameters {name: '200 pF'}, initial_values``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--model {str(path)!r}: no such file")
    spec = json.loads(path.read_text())
    for key in ("name", "equations", "parameters"):
        if key not in spec:
            raise KeyError(f"--model {str(path)!r}: missing key {key!r}")
    params = {k: _quantity(v, f"parameters[{k!r}]") for k, v in spec["parameters"].items()}
    init = {k: v if isinstance(v, str) and not _QUANTITY.match(v) else
            _quantity(v, f"initial_values[{k!r}]")
            for k, v in spec.get("initial_values", {}).items()}
    ref = spec.get("refractory")
    ref = None if ref is None else ref if ref in params else _quantity(ref, "refractory")
    return NeuronModel(name=spec["name"], equations=spec["equations"],
                       threshold=spec.get("threshold"), reset=spec.get("reset"), refractory=ref,
                       method=spec.get("method", "euler"), parameters=params,
                       initial_values=init, reference=spec.get("reference", str(path)))


def model_traces(fit: GradientFit, sweeps, **kw) -> np.ndarray:
    """The fitted model's voltage (T, B) on *sweeps*, with the fit's spike handling."""
    obj = TraceLoss.from_sweeps(fit.model, sweeps, list(fit.parameters), spikes=fit.spikes, **kw)
    values = {k: float(to_si(v)) for k, v in fit.parameters.items()}
    return obj.neuron.run(values)["X"][obj.neuron.iv]


def plot_traces(t, data_v, model_v, title: str, t_max: float | None = None) -> plt.Figure:
    """Recorded vs model membrane potential of one sweep (V arrays, t in s)."""
    keep = slice(None) if t_max is None else t <= t_max
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(t[keep] * 1e3, data_v[keep] * 1e3, color="k", lw=0.8, label="recorded")
    ax.plot(t[keep] * 1e3, model_v[keep] * 1e3, color="C3", lw=0.8, label="fitted model")
    ax.set(xlabel="time (ms)", ylabel="membrane potential V (mV)", title=title)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def plot_loss(history, title: str = "loss per iteration") -> plt.Figure:
    """The fit loss (mV^2) of the best start after each iteration, log scale."""
    fig, ax = plt.subplots(figsize=(4, 3.2))
    h = np.maximum(np.asarray(history, dtype=float), 1e-300)
    ax.semilogy(np.arange(1, h.size + 1), h, "o-", ms=3, color="C0")
    ax.set(xlabel="L-BFGS-B / Adam iteration", ylabel="loss: V MSE (mV$^2$)", title=title)
    fig.tight_layout()
    return fig


def add_fit_model_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Declare the options of ``neurolab fit-model`` on *parser*."""
    parser.add_argument("--model", required=True,
                        help="HH, AdaptiveLIF, AdEx or a model JSON file (name, equations, "
                             "threshold, reset, method, parameters as '200 pF')")
    parser.add_argument("--params", required=True,
                        help="comma-separated parameters to fit, e.g. g_Na,g_K,g_L")
    parser.add_argument("--train", nargs="+", metavar="FILE", required=True,
                        help="sweeps: files holding V and I, or V I pairs")
    parser.add_argument("--init", nargs="+", metavar="NAME=VALUE", default=(),
                        help="starting values, e.g. g_Na=100mS/cm2 ... (default: the model's)")
    parser.add_argument("--bounds", nargs="+", metavar="NAME=LO:HI", default=(),
                        help="search bounds in units, e.g. tau_w=20ms:500ms (default p/2..2p)")
    parser.add_argument("--spikes", default="auto", choices=["auto", "none", "forced", "free"],
                        help="spike handling (default auto: forced for models with a reset)")
    parser.add_argument("--method", default="L-BFGS-B", choices=["L-BFGS-B", "adam"])
    parser.add_argument("--restarts", type=int, default=1, help="number of starts (default 1)")
    parser.add_argument("--max-iter", type=int, default=100, help="iterations per start")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random starts")
    return parser


def _pair(text: str, option: str):
    key, sep, value = str(text).partition("=")
    if not sep or not key.strip():
        raise ValueError(f"{option} {text!r}: expected NAME=VALUE")
    return key.strip(), value.strip()


def _resolve_model(text: str) -> NeuronModel:
    from ..experiment.gradient_fit_examples import adex
    from ..models import get_model
    if text.endswith(".json"):
        return model_from_json(text)
    if text == "AdEx":
        return adex()
    return get_model(text)


def fit_model_command(args: argparse.Namespace) -> dict:
    """Run ``neurolab fit-model``: read the sweeps, fit, write fit.json and PNGs atomically."""
    from ..experiment.gradient_fit import fit_model
    from ..fitting.episodes import read_file_list
    model = _resolve_model(args.model)
    names = [p.strip() for p in args.params.split(",") if p.strip()]
    init = dict(_pair(text, "--init") for text in args.init)
    if init:
        model = model.with_parameters(**{k: _quantity(v, f"--init {k}") for k, v in init.items()})
    bounds = {}
    for text in args.bounds:
        key, value = _pair(text, "--bounds")
        lo, sep, hi = value.partition(":")
        if not sep:
            raise ValueError(f"--bounds {text!r}: expected NAME=LO:HI, e.g. tau_w=20ms:500ms")
        bounds[key] = (_quantity(lo, f"--bounds {key} LO"), _quantity(hi, f"--bounds {key} HI"))
    sweeps, log = read_file_list(args.train, "--train", None)
    for line in log:
        print(line)
    fit = fit_model(model, sweeps, names, bounds=bounds or None, spikes=args.spikes, method=args.method,
                    restarts=args.restarts, max_iter=args.max_iter, seed=args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = fit.to_dict()
    write_json(out / "fit.json", summary)
    v = model_traces(fit, sweeps)
    t = np.arange(sweeps[0].n_samples) * sweeps[0].dt
    save_figure(plot_traces(t, sweeps[0].v, v[:, 0], f"{model.name} fit: {sweeps[0].source}"),
                out / "traces.png")
    save_figure(plot_loss(fit.history), out / "loss.png")
    for k, q in fit.parameters.items():
        print(f"{k} = {q}")
    print(f"loss {fit.loss:.4g} mV^2 after {fit.evaluations} evaluations; wrote {out}")
    return summary
