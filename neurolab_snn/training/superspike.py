r"""SuperSpike / feedback alignment / DFA / e-prop training on digits (method ``superspike``).

The network, task, optimiser and loop are those of
:func:`~neurolab_snn.training.recipes.train_digits` (Brian2 forward pass of a
batch of network copies, :class:`~neurolab_snn.training.tasks.DigitsTask` with
the spike-count cross-entropy, Adam, cosine schedule, best epoch chosen on the
validation split); only the gradient differs: instead of the adjoint of the
whole network, every layer's parameters move along their eligibility traces
times a learning signal fed back from the output error
(:mod:`~neurolab_snn.training.eligibility`, which cites the rules):
``feedback='symmetric'`` (SuperSpike, Zenke & Ganguli 2018), ``'random'``
(feedback alignment, Lillicrap et al. 2016), ``'direct'`` (direct feedback
alignment, Nøkland 2016) or ``'uniform'`` (every hidden neuron receives the
sum of the output errors, which the cross-entropy makes zero: the control
that shows why the feedback must differ between neurons).
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from ..units import ms
from .adjoint import backward
from .eligibility import FEEDBACK, check_feedback, eligibility_gradients, feedback_matrices
from .network import TrainableNetwork
from .optim import CosineLR
from .recipes import DIGITS_DEFAULTS, digits_network
from .tasks import Dataset, DigitsTask
from .trainer import Trainer, TrainSettings

__all__ = ["FeedbackTrainer", "train_superspike", "SUPERSPIKE_DEFAULTS"]

_ALIGN_STREAM = 1_000_003

#: Defaults of :func:`train_superspike` (rate code): those of ``train_digits``.
SUPERSPIKE_DEFAULTS = dict(DIGITS_DEFAULTS["rate"])


class FeedbackTrainer(Trainer):
    """A :class:`~neurolab_snn.training.trainer.Trainer` whose gradients are eligibility
    traces times fed-back learning signals (:func:`.eligibility.eligibility_gradients`).

    Parameters
    ----------
    net, task, settings, out_dir, params
        As for :class:`~neurolab_snn.training.trainer.Trainer` (``rate_penalty`` must be 0).
    feedback : {'symmetric', 'random', 'direct', 'uniform'}
    online : bool
        Run the eligibility traces forward in time (True) or accumulate the same
        sums backward over the stored trace (False, faster; equal to rounding).

    The fixed feedback matrices are drawn from ``default_rng([seed, 3, m])`` (m: the
    mode's index in :data:`~.eligibility.FEEDBACK`, so ``random`` and ``direct`` draw
    independently) at construction: a run is reproducible and a resumed run uses the
    same ones.
    After every epoch the history records ``alignment_deg``: per weight matrix, the
    angle between the rule's update direction and the BPTT gradient
    (:func:`~neurolab_snn.training.adjoint.backward`, reset detached) on one fixed
    batch of training samples (Lillicrap et al. 2016, Fig. 2: feedback alignment
    brings it below 90 degrees).
    """

    def __init__(self, net: TrainableNetwork, task, settings: TrainSettings = TrainSettings(),
                 *, feedback: str = "symmetric", online: bool = False, out_dir=None,
                 params: dict | None = None):
        check_feedback(feedback)
        if settings.rate_penalty:
            raise ValueError(f"rate_penalty={settings.rate_penalty!r}: the feedback trainer "
                             "takes no rate penalty; expected 0")
        super().__init__(net, task, settings, out_dir=out_dir, params=params)
        self.feedback, self.online = feedback, bool(online)
        self.matrices = feedback_matrices(
            net, self.params, feedback,
            np.random.default_rng([settings.seed, 3, FEEDBACK.index(feedback)]))

    def alignment(self, n: int = 64) -> dict[str, float]:
        """Angle (degrees) between the rule's gradient and BPTT's, per weight matrix, on the
        first *n* training samples (at most a batch; fixed encoding stream); 90 for a zero
        update (norm below 1e-9 of the BPTT gradient's, i.e. rounding)."""
        rng = np.random.default_rng([self.settings.seed, _ALIGN_STREAM])
        n = min(n, self.settings.batch_size)        # one run of the batched forward pass
        x, y = self.task.train.x[:n], self.task.train.y[:n]
        inputs = self.task.encode(x, rng)
        trace = self.forward.run(self.params, inputs, scratch=True)
        _, g_spikes, g_states = self.task.loss(trace, y, self.output)
        rule = eligibility_gradients(self.net, self.params, trace, feedback=self.feedback,
                                     matrices=self.matrices, grad_spikes=g_spikes,
                                     grad_states=g_states, compiled=self.compiled)
        bptt = backward(self.net, self.params, trace, grad_spikes=g_spikes,
                        grad_states=g_states, compiled=self.compiled)
        out = {}
        for key in rule:
            if key.endswith((".W", ".R")):
                a, b = rule[key].ravel(), bptt[key].ravel()
                na, nb = np.linalg.norm(a), np.linalg.norm(b)
                # an update at rounding level (uniform feedback under a cross-entropy) is none
                cos = float(a @ b / (na * nb)) if na > 1e-9 * nb and nb > 0 else 0.0
                out[key] = float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
        return out

    def train_epoch(self) -> dict:
        metrics = super().train_epoch()
        metrics["alignment_deg"] = self.alignment()
        return metrics

    def _batch(self, x, y, rng, train: bool):
        inputs = self.task.encode(x, rng)
        t0 = time.perf_counter()
        trace = self.forward.run(self.params, inputs, scratch=True)
        t1 = time.perf_counter()
        value, g_spikes, g_states = self.task.loss(trace, y, self.output)
        pred = self.task.predict(trace, self.output)
        grads = None
        if train:
            grads = eligibility_gradients(self.net, self.params, trace, feedback=self.feedback,
                                          matrices=self.matrices, grad_spikes=g_spikes,
                                          grad_states=g_states, online=self.online,
                                          compiled=self.compiled and not self.online)
        t2 = time.perf_counter()
        self.time_forward += t1 - t0
        self.time_backward += t2 - t1
        return value, pred, grads, trace


def train_superspike(*, encoding: str = "rate", model: str = "LIF", seed: int = 0,
                     backend: str = "runtime", epochs: int | None = None, quick: bool = False,
                     out_dir=None, progress: bool = False, data=None,
                     feedback: str | None = "symmetric", online: bool = False,
                     recurrent: bool = False, **overrides) -> dict:
    """Train the digits network with SuperSpike-style local learning; return metrics.

    Parameters
    ----------
    encoding : {'rate'}
        The rule's learning signal is the spike-count error of the same step, so
        only the rate code is supported.
    model : {'LIF', 'AdaptiveLIF', 'GIF'}
        Hidden-layer neuron (outputs are LIF).
    feedback : {'symmetric', 'random', 'direct', 'uniform'} or None
        How the hidden layer's learning signal is formed (:mod:`.eligibility`);
        None: ``'symmetric'``.
    online : bool
        Forward-in-time eligibility traces (same gradients, slower on a CPU).
    recurrent : bool
        Give the hidden layer all-to-all recurrent weights ``R`` (no autapses), learnt
        by their e-prop eligibility traces (Bellec et al. 2020).
    data : (train, val, test) Datasets, optional
        Default: the scikit-learn digits split.
    quick : bool
        300 training samples, 3 epochs, 64 hidden neurons (a smoke test).
    **overrides
        Entries of :data:`SUPERSPIKE_DEFAULTS` (``n_hidden``, ``n_steps``, ``gain``,
        ``lr``, ``weight_gain``, ``batch_size``, ``weight_decay``, ``tau_m``).

    Returns
    -------
    dict
        ``method`` ('superspike'), ``feedback``, ``test_accuracy`` (held-out test
        split, best validation epoch), ``wall_s``, ``train_samples_per_s``, ``seed``,
        ``config``, ``history``, ``weight_change`` (per weight matrix, the relative
        change :math:`\\|W - W_0\\|/\\|W_0\\|`) and ``params``.
    """
    feedback = check_feedback("symmetric" if feedback is None else feedback)
    if encoding != "rate":
        raise ValueError(f"encoding={encoding!r}: method 'superspike' supports only "
                         "encoding='rate' (its learning signal is the count error of each step)")
    unknown = set(overrides) - set(SUPERSPIKE_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)} for method 'superspike'; expected "
                         f"feedback, online, recurrent or one of {sorted(SUPERSPIKE_DEFAULTS)}")
    cfg = dict(SUPERSPIKE_DEFAULTS)
    if quick:
        cfg.update(n_hidden=64, epochs=3)
    cfg.update(overrides)
    if epochs is not None:
        cfg["epochs"] = int(epochs)
    task = DigitsTask(encoding="rate", n_steps=cfg["n_steps"], gain=cfg["gain"], data=data)
    if quick:
        task.train = Dataset(task.train.x[:300], task.train.y[:300])
        task.val = Dataset(task.val.x[:100], task.val.y[:100])
    spec = digits_network(model, n_hidden=cfg["n_hidden"], tau_m=cfg["tau_m"],
                          n_inputs=task.n_inputs)
    if recurrent:
        hidden, *rest = spec.layers
        spec = dataclasses.replace(spec, layers=(dataclasses.replace(hidden, recurrent=True),
                                                 *rest))
    net = TrainableNetwork(spec)
    settings = TrainSettings(epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                             weight_gain=cfg["weight_gain"], seed=seed, backend=backend,
                             schedule=CosineLR(cfg["epochs"]), progress=progress,
                             weight_decay=cfg["weight_decay"])
    trainer = FeedbackTrainer(net, task, settings, feedback=feedback, online=online,
                              out_dir=out_dir)
    initial = {k: v.copy() for k, v in trainer.params.items()}
    start = time.perf_counter()
    try:
        result = trainer.fit(resume=False)
    finally:
        trainer.close()
    wall = time.perf_counter() - start
    hist = result.history
    samples = sum(h["samples_per_s"] * h["time_s"] for h in hist)
    change = {k: float(np.linalg.norm(result.params[k] - initial[k]) / np.linalg.norm(initial[k]))
              for k in initial if k.endswith((".W", ".R"))}
    cfg["tau_m"] = float(cfg["tau_m"] / ms)
    return {"method": "superspike", "feedback": feedback, "online": bool(online),
            "task": "digits-rate", "model": model, "seed": seed, "backend": backend,
            "config": {**cfg, "feedback": feedback, "online": bool(online),
                       "recurrent": bool(recurrent)},
            "test_accuracy": result.test_accuracy, "test_loss": result.test_loss,
            "best_epoch": result.best_epoch, "epochs_run": len(hist),
            "train_samples_per_s": samples / max(sum(h["time_s"] for h in hist), 1e-12),
            "wall_s": wall, "history": hist, "weight_change": change,
            "params": result.params,
            "metrics_path": None if result.metrics_path is None else str(result.metrics_path)}
