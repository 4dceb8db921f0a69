r"""Gradient-free training by weight and node perturbation, with forward Brian2 runs only
(layer L4).

Every minibatch of *M* samples runs as :math:`M(P+1)` copies of the network in **one**
Brian2 run (:class:`PerturbedForward`): for each sample a clean copy (the baseline
:math:`L_0`) and *P* perturbed copies with loss :math:`L_p`.  The rules:

* ``'weight'`` - weight perturbation, the REINFORCE estimator for Gaussian perturbations
  (Williams 1992): copy *p* runs with :math:`W + \sigma_W\varepsilon_p`,
  :math:`\varepsilon_p \sim \mathcal N(0, I)` drawn per copy, and

  .. math:: \hat g_W = \frac{1}{MP}\sum_{m,p} \frac{L_{mp} - L_{m0}}{\sigma_W}\,\varepsilon_{mp};

* ``'node'`` - node perturbation (Fiete & Seung 2006): copy *p* receives white noise
  :math:`\sigma_u\xi_{p,t}` (volts, :math:`\xi \sim \mathcal N(0, I)`) added to each neuron's
  input at every step; with the presynaptic activity :math:`x_{p,t}` (input or spikes of the
  layer below) the eligibility is :math:`e_p = \sum_t x_{p,t}^\top\xi_{p,t}` and

  .. math:: \hat g_W = \frac{1}{MP}\sum_{m,p} \frac{L_{mp} - L_{m0}}{\sigma_u}\,e_{mp}

  (``noise='constant'``, the default of :func:`train_perturbation`: one draw per neuron
  and sample, held over the run, instead of one per step);

* ``'accept_reject'`` - the accept/reject form: *P* candidate perturbations shared by the
  *M* samples; the best candidate replaces the weights if it lowers the minibatch loss.

The first two estimate the gradient of the loss smoothed by the perturbation
(:math:`\nabla_W\,\mathbb E_\varepsilon L(W + \sigma\varepsilon)`, which is the gradient of
*L* for a smooth loss as :math:`\sigma \to 0`): unbiased, with a variance that falls like
1/(MP) and grows with the number of perturbed weights (WP) or node-steps (NP); they feed
Adam (:class:`~neurolab_snn.training.optim.Adam`).  The loss per sample is the squared
error of the output spike counts against target counts (``loss='mse_count'``, default;
snnTorch ``mse_count_loss``) or their cross-entropy (``'ce_count'``, the BPTT loss).

References
----------
Williams (1992), Simple statistical gradient-following algorithms for connectionist
reinforcement learning, Machine Learning 8:229-256.
Fiete & Seung (2006), Gradient learning in spiking neural networks by dynamic perturbation
of conductances, Phys. Rev. Lett. 97:048104.
Werfel, Xie & Seung (2005), Learning curves for stochastic gradient descent in linear
feedforward networks, Neural Comput. 17:2699 (weight vs node perturbation variance).
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np
from scipy.special import logsumexp

from ..units import to_si
from .brian import BrianForward
from .network import Trace, TrainableNetwork
from .optim import Adam, CosineLR
from .tasks import Dataset, DigitsTask

__all__ = ["RULES", "LOSSES", "PerturbedForward", "estimate_gradient", "count_cross_entropy",
           "count_squared_error",
           "train_perturbation", "PERTURBATION_DEFAULTS"]

#: The perturbation rules.
RULES = ("node", "weight", "accept_reject")

#: Defaults of :func:`train_perturbation` (chosen on the validation split; figures in
#: docs/training_methods.md).  ``sigma``: the perturbation in units of each layer's scale
#: (node: volts of input noise per step / scale; weight: of the init weight s.d.).
PERTURBATION_DEFAULTS = dict(rule="node", n_hidden=100, n_steps=25, gain=1.0, epochs=40,
                             batch_size=32, n_perturb=4, sigma=0.3, lr=0.03, weight_gain=3.0,
                             noise="constant", loss="mse_count")


def count_cross_entropy(trace: Trace, y, output: str = "output") -> np.ndarray:
    """Per-sample cross-entropy of the output spike counts, shape (B,)."""
    n = trace.spikes[output].sum(axis=1)
    y = np.asarray(y, dtype=np.int64)
    return logsumexp(n, axis=1) - n[np.arange(len(y)), y]


def count_squared_error(trace: Trace, y, output: str = "output", *, correct_rate: float = 0.8,
                        incorrect_rate: float = 0.1) -> np.ndarray:
    """Per-sample squared error of the output spike counts against target counts
    ``T * correct_rate`` (label) and ``T * incorrect_rate`` (others), divided by ``T`` (the
    per-sample form of :class:`~neurolab_snn.training.losses.MSECount`), shape (B,)."""
    s = trace.spikes[output]
    n, t_steps = s.sum(axis=1), s.shape[1]
    target = np.full(n.shape, incorrect_rate * t_steps)
    target[np.arange(len(n)), np.asarray(y, dtype=np.int64)] = correct_rate * t_steps
    return ((n - target) ** 2).mean(axis=1) / t_steps


#: Per-sample losses by name.
LOSSES = {"ce_count": count_cross_entropy, "mse_count": count_squared_error}


class PerturbedForward:
    """``n_samples * (n_perturb + 1)`` copies of *net* in one Brian2 run (runtime backends).

    Copy ``m * (n_perturb + 1) + c`` runs sample *m*; ``c = 0`` is unperturbed.  Built on
    :class:`~neurolab_snn.training.brian.BrianForward` with dense propagation, whose
    :class:`~neurolab_snn.training.dense.LayerInput` takes a weight matrix per copy
    (``W_copies``) or input noise per copy and step (``noise``).
    """

    def __init__(self, net: TrainableNetwork, n_samples: int, n_perturb: int, n_steps: int, *,
                 backend: str = "runtime", seed: int = 0):
        if backend not in ("runtime", "numpy"):
            raise ValueError(f"backend={backend!r}: perturbation injects per-copy weights and "
                             "noise from Python operations; expected 'runtime' or 'numpy'")
        if int(n_perturb) != n_perturb or n_perturb < 1:
            raise ValueError(f"n_perturb={n_perturb!r}; expected a positive integer")
        self.net, self.m, self.p, self.n_steps = net, int(n_samples), int(n_perturb), \
            int(n_steps)
        self.copies = self.p + 1
        self.forward = BrianForward(net, self.m * self.copies, n_steps, backend=backend,
                                    seed=seed, propagation="dense")
        self.inputs = [self.forward.built.handles[f"syn_{layer.name}"]
                       for layer in net.spec.layers]

    @property
    def batch(self) -> int:
        return self.m * self.copies

    def run(self, params, x, *, weight_noise=None, node_noise=None) -> Trace:
        """Run samples *x* (M, T, n_inputs), each on its ``n_perturb + 1`` copies.

        ``weight_noise[layer]``: (M, P, n_pre, n) added to ``<layer>.W`` in the perturbed
        copies; ``node_noise[layer]``: (M, P, T, n) added to the layer's input (volts).
        The Trace has all ``M * (P + 1)`` copies, sample-major.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.shape[0] != self.m:
            raise ValueError(f"x holds {x.shape[0]} samples; expected {self.m}")
        for li, layer in zip(self.inputs, self.net.spec.layers):
            name = layer.name
            li.W_copies = None
            li.noise = None
            if weight_noise is not None and name in weight_noise:
                w = np.broadcast_to(params[f"{name}.W"], (self.m, self.copies) + li.W.shape)
                w = np.array(w)
                w[:, 1:] += weight_noise[name]
                li.W_copies = w.reshape((self.batch,) + li.W.shape)
            if node_noise is not None and name in node_noise:
                noise = np.zeros((self.m, self.copies, self.n_steps, layer.n))
                noise[:, 1:] = node_noise[name]
                li.noise = np.ascontiguousarray(np.moveaxis(noise, 2, 0)).reshape(
                    self.n_steps, self.batch * layer.n)
        try:
            return self.forward.run(params, np.repeat(x, self.copies, axis=0))
        finally:
            for li in self.inputs:
                li.W_copies = li.noise = None

    def run_clean(self, params, x) -> Trace:
        """Unperturbed run of up to ``batch`` samples (evaluation)."""
        return self.forward.run(params, x)

    def close(self) -> None:
        self.forward.close()


def _presynaptic(trace: Trace, net: TrainableNetwork, index: int) -> np.ndarray:
    return trace.inputs if index == 0 else trace.spikes[net.spec.layers[index - 1].name]


def estimate_gradient(pf: PerturbedForward, params, x, y, *, rule: str = "node",
                      sigma: dict, rng, loss=count_cross_entropy, noise: str = "white"
                      ) -> tuple[dict, dict]:
    """One perturbation estimate of the gradient of the mean *loss* over samples *x*, *y*.

    *sigma*: perturbation size per layer name (volts of input noise for ``'node'``, of
    weight for ``'weight'``); *loss(trace, y) -> (B,)*; *noise* (node perturbation):
    ``'white'`` (a new draw every step, Fiete & Seung 2006) or ``'constant'`` (one draw
    per neuron and sample, held over the run: fewer perturbed dimensions).  Returns the gradient estimate
    ``{'<layer>.W': array}`` and ``{'loss': mean clean loss, 'losses': (M, P+1),
    'noise': {layer: the standard-normal draws}}``.
    ``rule='accept_reject'`` returns instead the weight step of the best candidate
    (zero if none lowers the mean loss) under ``'step'``.
    """
    if rule not in RULES:
        raise ValueError(f"rule={rule!r}; expected one of {RULES}")
    net, m, p, t_steps = pf.net, pf.m, pf.p, pf.n_steps
    layers = net.spec.layers
    rng = np.random.default_rng(rng)
    y_all = np.repeat(np.asarray(y), pf.copies)
    if noise not in ("white", "constant"):
        raise ValueError(f"noise={noise!r}; expected 'white' or 'constant'")
    if rule == "node":
        n_draws = t_steps if noise == "white" else 1
        xi = {layer.name: np.broadcast_to(rng.standard_normal((m, p, n_draws, layer.n)),
                                          (m, p, t_steps, layer.n)) for layer in layers}
        trace = pf.run(params, x, node_noise={k: sigma[k] * v for k, v in xi.items()})
    else:
        shape = (lambda w: (1, p) + w.shape) if rule == "accept_reject" else \
            (lambda w: (m, p) + w.shape)
        eps = {layer.name: rng.standard_normal(shape(params[f"{layer.name}.W"]))
               for layer in layers}
        trace = pf.run(params, x, weight_noise={k: sigma[k] * np.broadcast_to(
            v, (m, p) + v.shape[2:]) for k, v in eps.items()})
    losses = loss(trace, y_all).reshape(m, pf.copies)
    info = {"loss": float(losses[:, 0].mean()), "losses": losses,
            "noise": xi if rule == "node" else eps}
    if rule == "accept_reject":
        mean = losses.mean(axis=0)
        best = int(np.argmin(mean[1:]))
        accept = mean[1 + best] < mean[0]
        info["step"] = {f"{k}.W": (sigma[k] * v[0, best] if accept else 0.0 * v[0, best])
                        for k, v in eps.items()}
        info["accepted"] = bool(accept)
        return {}, info
    adv = (losses[:, 1:] - losses[:, :1]) / (m * p)                 # (M, P)
    grads = {}
    for i, layer in enumerate(layers):
        name = layer.name
        if rule == "weight":
            grads[f"{name}.W"] = np.einsum("mp,mpij->ij", adv, eps[name]) / sigma[name]
            continue
        pre = _presynaptic(trace, net, i).reshape((m, pf.copies, t_steps, -1))[:, 1:]
        grads[f"{name}.W"] = np.einsum("mp,mpti,mptj->ij", adv, pre, xi[name]) / sigma[name]
    return grads, info


def _evaluate(pf: PerturbedForward, task: DigitsTask, params, dataset: Dataset, rng,
              loss=count_cross_entropy) -> tuple:
    correct, losses = 0, []
    for start in range(0, len(dataset), pf.batch):
        xb, yb = dataset.x[start:start + pf.batch], dataset.y[start:start + pf.batch]
        trace = pf.run_clean(params, task.encode(xb, rng))
        correct += int(np.sum(task.predict(trace, "output") == yb))
        losses.append(loss(trace, yb))
    return correct / len(dataset), float(np.mean(np.concatenate(losses)))


def train_perturbation(*, encoding: str = "rate", model: str = "LIF", seed: int = 0,
                       backend: str = "runtime", epochs: int | None = None, quick: bool = False,
                       out_dir=None, progress: bool = False, data=None, **options) -> dict:
    """Weight / node perturbation on digits (or *data*): the method ``'perturbation'``.

    The network is :func:`~neurolab_snn.training.recipes.digits_network` (64 rate-coded
    inputs -> ``n_hidden`` *model* neurons -> 10 LIF outputs; ``n_hidden=0``: the 10 outputs
    alone), the loss :data:`LOSSES` ``[loss]``; the best validation epoch is scored
    on the test split.  *options* override :data:`PERTURBATION_DEFAULTS` (``rule``:
    ``'node'``, ``'weight'`` or ``'accept_reject'``; ``n_perturb``: perturbed copies per
    sample; ``sigma``; ``lr``; ...).  ``quick=True``: 300 training samples, 3 epochs, 32
    hidden neurons.  *out_dir* is unused.
    """
    from tqdm.auto import tqdm

    from .recipes import digits_network

    if encoding != "rate":
        raise ValueError(f"encoding={encoding!r}: the perturbation method trains the "
                         "rate-coded network (spike-count loss); expected 'rate'")
    cfg = dict(PERTURBATION_DEFAULTS)
    if quick:
        cfg.update(n_hidden=32, epochs=3)
    unknown = sorted(set(options) - set(cfg))
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} for method 'perturbation'; expected "
                         f"{sorted(cfg)}")
    cfg.update(options)
    if cfg["loss"] not in LOSSES:
        raise ValueError(f"loss={cfg['loss']!r}; expected one of {sorted(LOSSES)}")
    if cfg["rule"] not in RULES:
        raise ValueError(f"rule={cfg['rule']!r}; expected one of {RULES}")
    if epochs is not None:
        cfg["epochs"] = epochs
    if backend not in ("runtime", "numpy"):
        raise ValueError(f"backend={backend!r}: perturbation injects per-copy weights and "
                         "noise from Python operations; expected 'runtime' or 'numpy'")
    task = DigitsTask(encoding="rate", n_steps=cfg["n_steps"], gain=cfg["gain"], data=data)
    if quick:
        task.train = Dataset(task.train.x[:300], task.train.y[:300])
        task.val = Dataset(task.val.x[:100], task.val.y[:100])
    if int(cfg["n_hidden"]) != cfg["n_hidden"] or cfg["n_hidden"] < 0:
        raise ValueError(f"n_hidden={cfg['n_hidden']!r}; expected an integer >= 0")
    spec = digits_network(model, n_hidden=max(int(cfg["n_hidden"]), 1), n_inputs=task.n_inputs)
    if cfg["n_hidden"] == 0:                    # the read-out layer alone
        spec = dataclasses.replace(spec, layers=spec.layers[1:])
    net = TrainableNetwork(spec)
    params = net.init_params(np.random.default_rng([seed, 0]), gain=cfg["weight_gain"])
    params = {k: v for k, v in params.items() if k.endswith(".W")}
    rule, m = cfg["rule"], int(cfg["batch_size"])
    sigma = {}
    for layer, n_pre in zip(spec.layers, [task.n_inputs] + [la.n for la in spec.layers[:-1]]):
        unit = float(to_si(layer.scale))
        sigma[layer.name] = cfg["sigma"] * (unit if rule == "node" else
                                            cfg["weight_gain"] * unit / np.sqrt(n_pre))
    pf = PerturbedForward(net, m, cfg["n_perturb"], cfg["n_steps"], backend=backend, seed=seed)
    opt = Adam(params, lr=cfg["lr"])
    schedule = CosineLR(cfg["epochs"])
    rng = np.random.default_rng([seed, 1])
    history, best, best_acc, train_time, seen = [], dict(params), -1.0, 0.0, 0
    start = time.perf_counter()
    try:
        for epoch in tqdm(range(cfg["epochs"]), desc="perturbation", disable=not progress):
            opt.lr = cfg["lr"] * schedule.factor(epoch)
            t0 = time.perf_counter()
            order = rng.permutation(len(task.train))
            losses, accepted = [], 0
            for k in range(0, len(order) - m + 1, m):
                idx = order[k:k + m]
                x = task.encode(task.train.x[idx], rng)
                grads, info = estimate_gradient(pf, params, x, task.train.y[idx], rule=rule,
                                                sigma=sigma, rng=rng, noise=cfg["noise"],
                                                loss=LOSSES[cfg["loss"]])
                if rule == "accept_reject":
                    for key, step in info["step"].items():
                        params[key] = params[key] + step
                    accepted += info["accepted"]
                else:
                    opt.step(params, grads)
                losses.append(info["loss"])
                seen += m
            train_time += time.perf_counter() - t0
            val_acc, val_loss = _evaluate(pf, task, params, task.val, rng, LOSSES[cfg["loss"]])
            history.append({"epoch": epoch + 1, "train_loss": float(np.mean(losses)),
                            "val_loss": val_loss, "val_accuracy": val_acc,
                            "accepted": accepted, "time_s": time.perf_counter() - t0})
            if val_acc > best_acc:
                best, best_acc = {k: v.copy() for k, v in params.items()}, val_acc
        test_acc, test_loss = _evaluate(pf, task, best, task.test, np.random.default_rng(
            [seed, 2]), LOSSES[cfg["loss"]])
    finally:
        pf.close()
    wall = time.perf_counter() - start
    cfg_json = {**cfg, "encoding": encoding, "model": model}
    return {"method": "perturbation", "task": "digits", "model": model, "seed": seed,
            "backend": backend, "config": cfg_json, "history": history,
            "test_accuracy": test_acc, "test_loss": test_loss, "best_val_accuracy": best_acc,
            "wall_s": wall, "train_samples_per_s": seen / max(train_time, 1e-12),
            "params": best}
