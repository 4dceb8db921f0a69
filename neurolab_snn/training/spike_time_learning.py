r"""Training with exact spike-time gradients: method ``eventprop`` (rule EventProp or SpikeProp).

The network: ON/OFF latency-coded inputs (one spike per pixel and channel, within
``t_input``) -> ``n_hidden`` -> one output per class, all
:func:`~neurolab_snn.models.LIF` neurons with exponential synaptic currents
(``synapse='exponential'``).  Each minibatch runs forward in Brian2
(:class:`~neurolab_snn.training.brian.BrianForward`, ``B`` copies in one run);
the spike times are the exact threshold crossings inside each step, solved from
the exported states (:func:`~neurolab_snn.training.spike_times.refine_spike_times`).
The gradient of the first-spike-time cross-entropy
(:func:`~neurolab_snn.training.eventprop.first_spike_loss`) is EventProp
(Wunderlich & Pehle 2021; any number of spikes, ``t_ref = 0``) or SpikeProp
(Bohte et al. 2002; one spike per neuron: ``t_ref`` = the window), both exact for
the event-driven model; Brian2's grid (spikes delivered and reset at the end of
their step) makes the forward trajectory differ from it by :math:`O(dt)`.

Weights are currents (amp, the unit of ``I_syn``); initial weights are normal
with mean and s.d. given in units of :math:`\vartheta/R_m` (threshold distance
over membrane resistance).  Adam, cosine schedule, best epoch on the validation
split, scored once on the held-out test split.
"""
from __future__ import annotations

import time

import numpy as np

from ..files import write_json
from ..models import LIF
from ..units import ms, pA, second, to_si
from .brian import FORWARD_BACKENDS, BrianForward
from .eventprop import (eventprop_gradient, first_spike_loss, first_spike_times_from,
                        silent_label_penalty, spikeprop_gradient)
from .network import Layer, NetworkSpec, TrainableNetwork
from .optim import Adam, CosineLR
from .spike_times import LIFExpConstants, refine_spike_times
from .tasks import DigitsTask, load_digits_split

__all__ = ["train", "spike_time_network", "SPIKE_TIME_DEFAULTS", "RULES"]

RULES = ("eventprop", "spikeprop")

#: Default settings (chosen on the validation split; figures in docs/eventprop.md):
#: ``dt`` Brian2 step; ``t_input`` span of the latency code; ``duration`` window;
#: ``time_scale`` tau_0 of the logits -t/tau_0; ``early``/``tau_early`` Wunderlich &
#: Pehle's alpha, tau_1 (0: off); ``w_in``/``w_out`` initial (mean, s.d.) in units of
#: theta/R_m (for 128 inputs and 256 hidden neurons; scaled by the fan-in otherwise);
#: ``min_slope`` floor of du/dt at a crossing in units of theta/tau_m;
#: ``silent_push`` beta of :func:`~neurolab_snn.training.eventprop.silent_label_penalty`;
#: ``blas_threads`` BLAS threads while training (None: unchanged).
SPIKE_TIME_DEFAULTS = dict(n_hidden=256, dt=0.5 * ms, t_input=20 * ms, duration=30 * ms,
                           tau_m=20 * ms, tau_syn=5 * ms, epochs=30, batch_size=100, lr=0.03,
                           time_scale=0.5 * ms, early=0.0, tau_early=10 * ms,
                           w_in=(0.15, 0.1), w_out=(0.03, 0.05), min_slope=0.05,
                           weight_decay=0.0, silent_push=1.0, blas_threads=1)
_QUICK = dict(n_hidden=64, epochs=3, n_train=300, n_val=100, batch_size=50)


def spike_time_network(n_inputs: int, n_hidden: int, n_classes: int, *, rule: str = "eventprop",
                       dt=0.5 * ms, duration=30 * ms, tau_m=20 * ms, tau_syn=5 * ms
                       ) -> NetworkSpec:
    """Inputs -> hidden -> output LIF neurons with exponential synapses (target ``I_syn``).

    ``rule='spikeprop'``: ``t_ref`` = *duration*, so every neuron fires at most once.
    """
    if rule not in RULES:
        raise ValueError(f"rule={rule!r}; expected one of {RULES}")
    model = LIF(t_ref=duration if rule == "spikeprop" else 0 * ms, tau_m=tau_m,
                synapse="exponential", tau_syn=tau_syn)
    layers = (Layer("hidden", model, n_hidden, target="I_syn", scale=100 * pA),
              Layer("output", model, n_classes, target="I_syn", scale=100 * pA))
    return NetworkSpec(n_inputs, layers, dt=dt)


def _check(encoding, model, backend, rule, options):
    if encoding != "latency":
        raise ValueError(f"encoding={encoding!r}: exact spike-time gradients need spike times "
                         "to carry the information; expected encoding='latency'")
    if model != "LIF":
        raise ValueError(f"model={model!r}: EventProp/SpikeProp are derived for LIF neurons with "
                         "exponential synapses; expected model='LIF'")
    if backend not in FORWARD_BACKENDS:
        raise ValueError(f"backend={backend!r}; expected one of {FORWARD_BACKENDS}")
    if rule not in RULES:
        raise ValueError(f"rule={rule!r}; expected one of {RULES}")
    unknown = sorted(set(options) - set(SPIKE_TIME_DEFAULTS) - set(_QUICK))
    if unknown:
        raise ValueError(f"unknown option(s) {unknown}; expected some of "
                         f"{sorted(set(SPIKE_TIME_DEFAULTS) | set(_QUICK))}")


class _SpikeTimeModel:
    """Forward (Brian2 + crossing times), loss, gradient and decision for one configuration."""

    def __init__(self, net: TrainableNetwork, task: DigitsTask, cfg: dict, rule: str,
                 backend: str, seed: int):
        self.net, self.task, self.cfg, self.rule = net, task, cfg, rule
        self.dt = float(to_si(cfg["dt"]))
        self.duration = float(to_si(cfg["duration"]))
        self.n_steps = int(round(self.duration / self.dt))
        self.n_input_steps = task.n_steps
        self.consts = [LIFExpConstants.from_model(layer.model, self.duration)
                       for layer in net.spec.layers]
        self.forward = BrianForward(net, cfg["batch_size"], self.n_steps, backend=backend,
                                    seed=seed)

    def encode(self, x, rng) -> np.ndarray:
        code = self.task.encode(x, rng)                        # (B, n_input_steps, n_in)
        out = np.zeros((len(x), self.n_steps, code.shape[2]))
        out[:, :code.shape[1]] = code
        return out

    def run(self, params, inputs, trace_out: list | None = None):
        """Spike times and J at them per layer, each (B, T, n) (the Trace appended to
        *trace_out*)."""
        trace = self.forward.run(params, inputs, scratch=True)
        times, currents = [], []
        for layer, c in zip(self.net.spec.layers, self.consts):
            st = trace.states[layer.name]
            t, j = refine_spike_times(trace.spikes[layer.name], st["v"], st["I_syn"], self.dt, c)
            times.append(t)
            currents.append(j)
        if trace_out is not None:
            trace_out.append(trace)
        return times, currents

    def predict(self, times) -> np.ndarray:
        first = first_spike_times_from(times[-1])
        return np.argmin(np.where(np.isfinite(first), first, np.inf), axis=1)

    def loss_and_grad(self, params, inputs, y):
        traces = []
        times, currents = self.run(params, inputs, traces)
        first = first_spike_times_from(times[-1])
        cfg = self.cfg
        value, g_t, silent = first_spike_loss(
            first, y, time_scale=float(to_si(cfg["time_scale"])), duration=self.duration,
            early=cfg["early"], tau_early=float(to_si(cfg["tau_early"])))
        # a sample whose correct neuron is silent: its cross-entropy would only push the
        # other outputs later, towards silence too (a cascade); the silent push acts instead
        label_silent = ~np.isfinite(first[np.arange(len(y)), y])
        g_t[label_silent] = 0.0
        names = [f"{layer.name}.W" for layer in self.net.spec.layers]
        r_m = [c.r_m for c in self.consts]
        w_j = [params[k] * r for k, r in zip(names, r_m)]       # jumps of J (volts)
        slope = cfg["min_slope"] * self.consts[0].theta / self.consts[0].tau_m
        if self.rule == "eventprop":
            grads = eventprop_gradient(w_j, self.consts, inputs, times, currents, g_t, self.dt,
                                       min_slope=slope)
        else:
            in_t = _single_input_times(inputs, self.dt)
            grads = spikeprop_gradient(w_j, self.consts, in_t,
                                       [first_spike_times_from(t) for t in times], g_t,
                                       min_slope=slope)
        if cfg["silent_push"] > 0:
            c_out = self.consts[-1]
            u_out = traces[0].states[self.net.spec.layers[-1].name]["v"] - c_out.e_l
            push, g_push = silent_label_penalty(first, y, u_out, times[-2], c_out, self.dt,
                                                cfg["silent_push"])
            value += push
            grads[-1] = grads[-1] + g_push
        grads = {k: g * r for k, g, r in zip(names, grads, r_m)}   # dL/dw = R_m dL/dW_J
        correct = int((self.predict(times) == y).sum())
        hidden_rate = float(np.isfinite(times[0]).sum() / (len(y) * times[0].shape[2]))
        return value, grads, {"silent": silent, "correct": correct,
                              "hidden_spikes": hidden_rate}

    def accuracy(self, params, dataset, rng) -> float:
        b = self.cfg["batch_size"]
        correct = 0
        for start in range(0, len(dataset), b):
            x = self.encode(dataset.x[start:start + b], rng)
            times, _ = self.run(params, x)
            correct += int((self.predict(times) == dataset.y[start:start + b]).sum())
        return correct / max(len(dataset), 1)


def _single_input_times(inputs, dt) -> np.ndarray:
    """Arrival time of each input's spike (the top of its bin), NaN if it has none;
    SpikeProp needs at most one spike per input."""
    x = np.asarray(inputs) > 0
    if (x.sum(axis=1) > 1).any():
        raise ValueError("rule='spikeprop' needs at most one spike per input (latency code)")
    k = np.argmax(x, axis=1)
    return np.where(x.any(axis=1), (k + 1) * dt, np.nan)


#: Fan-ins for which ``w_in`` / ``w_out`` are given (ON/OFF digits, 256 hidden neurons).
_FAN_IN = (128, 256)


def _init_params(net, consts, cfg, rng) -> dict:
    """Normal weights, (mean, s.d.) ``w_in``/``w_out`` in units of theta/R_m at the fan-ins
    of :data:`_FAN_IN`, scaled by ``fan_in / n_prev`` (the same mean total drive)."""
    params, n_prev = {}, net.spec.n_inputs
    for layer, c, key, ref in zip(net.spec.layers, consts, ("w_in", "w_out"), _FAN_IN):
        mean, sd = cfg[key]
        unit = c.theta / c.r_m * ref / n_prev                  # amps per threshold distance
        params[f"{layer.name}.W"] = rng.normal(mean, sd, (n_prev, layer.n)) * unit
        n_prev = layer.n
    return params


def train(*, encoding: str = "latency", model: str = "LIF", seed: int = 0,
          backend: str = "runtime", epochs: int | None = None, quick: bool = False,
          out_dir=None, progress: bool = False, data=None, rule: str = "eventprop",
          **options) -> dict:
    """Train the digits network with EventProp or SpikeProp; the registry's method ``eventprop``.

    Parameters
    ----------
    encoding : {'latency'}
        ON/OFF latency code (other encodings raise a ValueError).
    model : {'LIF'}
        LIF with exponential synapses.
    seed : int
        Weight initialisation, minibatch order.
    backend : str
        Brian2 backend of the forward pass (:data:`~neurolab_snn.training.brian.FORWARD_BACKENDS`).
    epochs : int, optional
    quick : bool
        300 training / 100 validation samples, 64 hidden neurons, 3 epochs in batches of 50
        (a smoke test, well below the target).
    out_dir : path, optional
        Writes ``metrics.json`` there.
    progress : bool
        tqdm bar over the minibatches.
    data : (train, val, test) Datasets, optional
        Default :func:`~neurolab_snn.training.tasks.load_digits_split`.
    rule : {'eventprop', 'spikeprop'}
    **options
        Entries of :data:`SPIKE_TIME_DEFAULTS` (Quantities for times) and, for
        ``quick``, ``n_train``/``n_val``.

    Returns
    -------
    dict with ``method``, ``rule``, ``test_accuracy``, ``val_accuracy``, ``wall_s``,
    ``train_samples_per_s``, ``seed``, ``config``, ``history`` and ``example`` (the
    spike times of one test sample per layer, seconds).
    """
    _check(encoding, model, backend, rule, options)
    with _blas_threads(options.get("blas_threads", SPIKE_TIME_DEFAULTS["blas_threads"])):
        return _train(encoding, model, seed, backend, epochs, quick, out_dir, progress, data,
                      rule, options)


def _blas_threads(n):
    """BLAS threads limited to *n* inside the block (the matrices are small; spinning
    threads on a shared machine slow the products down several times); None: unchanged."""
    import contextlib
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional (installed with scikit-learn)
        return contextlib.nullcontext()
    if n is None:
        return contextlib.nullcontext()
    return threadpool_limits(limits=int(n), user_api="blas")


def _train(encoding, model, seed, backend, epochs, quick, out_dir, progress, data, rule,
           options) -> dict:
    cfg = dict(SPIKE_TIME_DEFAULTS)
    if quick:
        cfg.update(_QUICK)
    cfg.update(options)
    if epochs is not None:
        cfg["epochs"] = int(epochs)
    train_set, val_set, test_set = data if data is not None else load_digits_split()
    if quick:
        from .tasks import Dataset
        train_set = Dataset(train_set.x[:cfg["n_train"]], train_set.y[:cfg["n_train"]])
        val_set = Dataset(val_set.x[:cfg["n_val"]], val_set.y[:cfg["n_val"]])
    dt = cfg["dt"]
    n_input_steps = int(round(float(to_si(cfg["t_input"]) / to_si(dt))))
    task = DigitsTask(encoding="latency", on_off=True, n_steps=n_input_steps, dt=dt,
                      data=(train_set, val_set, test_set))
    spec = spike_time_network(task.n_inputs, cfg["n_hidden"], task.n_classes, rule=rule, dt=dt,
                              duration=cfg["duration"], tau_m=cfg["tau_m"],
                              tau_syn=cfg["tau_syn"])
    net = TrainableNetwork(spec)
    st = _SpikeTimeModel(net, task, cfg, rule, backend, seed)
    rng = np.random.default_rng([seed, 0])
    params = _init_params(net, st.consts, cfg, rng)
    opt = Adam(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    schedule = CosineLR(cfg["epochs"])
    enc_rng = np.random.default_rng([seed, 1])          # the latency code is deterministic
    best = (-1.0, {k: v.copy() for k, v in params.items()}, -1)
    history = []
    start = time.perf_counter()
    from tqdm.auto import tqdm
    for epoch in range(cfg["epochs"]):
        opt.lr = cfg["lr"] * schedule.factor(epoch)
        t0 = time.perf_counter()
        order = rng.permutation(len(train_set))
        losses, stats = [], {"silent": 0, "correct": 0, "hidden_spikes": 0.0}
        bar = tqdm(range(0, len(order), cfg["batch_size"]), desc=f"{rule} {epoch + 1}",
                   disable=not progress, leave=False)
        for s in bar:
            idx = order[s:s + cfg["batch_size"]]
            x = st.encode(train_set.x[idx], enc_rng)
            value, grads, info = st.loss_and_grad(params, x, train_set.y[idx])
            opt.step(params, grads)
            losses.append(value)
            for k in stats:
                stats[k] += info[k] * (len(idx) if k == "hidden_spikes" else 1)
        train_s = time.perf_counter() - t0
        val_acc = st.accuracy(params, val_set, enc_rng)
        n = len(train_set)
        history.append({"epoch": epoch + 1, "train_loss": float(np.mean(losses)),
                        "train_accuracy": stats["correct"] / n, "val_accuracy": val_acc,
                        "silent_outputs": stats["silent"] / (n * task.n_classes),
                        "hidden_spikes_per_neuron": stats["hidden_spikes"] / n,
                        "time_s": train_s, "samples_per_s": n / max(train_s, 1e-12)})
        if val_acc > best[0]:
            best = (val_acc, {k: v.copy() for k, v in params.items()}, epoch + 1)
    wall = time.perf_counter() - start
    params = best[1]
    test_acc = st.accuracy(params, test_set, enc_rng)
    times, _ = st.run(params, st.encode(test_set.x[:1], enc_rng))
    example = {name: [t[~np.isnan(t)].tolist() for t in times[i][0].T]
               for i, name in enumerate(("hidden", "output"))}
    example["label"] = int(test_set.y[0])
    st.forward.close()
    config = {k: _jsonable(v) for k, v in cfg.items()}
    train_time = sum(h["time_s"] for h in history)
    result = {"method": "eventprop", "rule": rule, "task": "digits-latency", "model": model,
              "encoding": encoding, "backend": backend, "seed": seed,
              "test_accuracy": test_acc, "val_accuracy": best[0], "best_epoch": best[2],
              "wall_s": wall, "train_samples_per_s": len(train_set) * len(history)
              / max(train_time, 1e-12), "config": config, "history": history,
              "example": example, "params": params}
    if out_dir is not None:
        from pathlib import Path
        write_json(Path(out_dir) / "metrics.json",
                   {k: v for k, v in result.items() if k != "params"})
    return result


def _jsonable(value):
    if hasattr(value, "dim"):
        return float(to_si(value) / to_si(1 * ms)) if value.dim == second.dim else float(value)
    if isinstance(value, tuple):
        return list(value)
    return value
