r"""The training loop: minibatches through Brian2 forward and adjoint backward (layer L4).

:class:`Trainer` runs, for every minibatch, one Brian2 run of ``batch_size``
network copies (:class:`~neurolab_snn.training.brian.BrianForward`, compiled
once), the task's loss on the exported traces, the discrete adjoint
(:func:`~neurolab_snn.training.adjoint.backward`), an optimiser step and the
constraints.  Per epoch it evaluates on the validation split, writes
``metrics.json`` and a checkpoint, and stops early when the validation
accuracy has not improved for ``patience`` epochs; the best parameters are
kept and scored once on the held-out test split.

Reproducibility: the shuffling and the spike encoding of epoch ``e`` draw from
``np.random.default_rng([seed, e])`` and the validation/test encodings from
fixed streams, so a run resumed from the checkpoint of epoch ``e`` continues
exactly like the uninterrupted run.  A loss that is not finite or exceeds
``max_loss``, a state or parameter that is not finite, or a parameter that grew
beyond ``max_param_growth`` times its scale (an exploding learning rate) stops
training with :class:`TrainingDiverged`; the last good checkpoint (end of the
previous epoch) stays on disk and the parameters are rolled back to it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import numbers
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .. import console
from ..files import atomic_path, write_json
from .adjoint import backward
from .brian import BrianForward
from .kernels import prepare as prepare_kernels
from .network import TrainableNetwork
from .optim import Constraints, ConstantLR, make_optimizer, scales

__all__ = ["TrainSettings", "Trainer", "TrainResult", "TrainingDiverged", "default_constraints",
           "evaluate_on_backend"]

_VAL_STREAM, _TEST_STREAM = 1_000_001, 1_000_002


@contextlib.contextmanager
def _blas_threads(n):
    """Limit BLAS threads inside the block (threadpoolctl), if asked and available."""
    if n is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        yield
        return
    with threadpool_limits(limits=int(n), user_api="blas"):
        yield


def _non_finite(arrays: dict, kind: str) -> str | None:
    """'<kind> <name> is not finite (NaN or inf)' for the first such array, or None."""
    for name, value in arrays.items():
        if not np.all(np.isfinite(value)):
            return f"{kind} {name} is not finite (NaN or inf)"
    return None


class TrainingDiverged(RuntimeError):
    """The loss exploded (or became NaN); the message names the last good checkpoint."""


def check_count(name: str, value) -> int:
    """An integer >= 1 (epochs, batch sizes); raises naming *name* and the value."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}={value!r}; expected an integer >= 1")
    if value < 1:
        raise ValueError(f"{name}={value!r}; expected an integer >= 1")
    return int(value)


@dataclass(frozen=True)
class TrainSettings:
    """Hyper-parameters of a training run.

    ``optimizer``: ``'adam'`` or ``'sgd'`` (with ``momentum``); ``lr`` in
    normalised units (a step of ``lr`` times each parameter's scale);
    ``schedule``: an object with ``factor(epoch)`` (:mod:`.optim`);
    ``patience``: early stopping (None: never); ``backend``: ``'runtime'``,
    ``'numpy'`` or ``'cpp_standalone'``; ``max_loss``: divergence threshold;
    ``max_param_growth``: a parameter whose largest magnitude exceeds this many
    times its scale (the optimiser's normalisation: the layer's ``scale`` for
    weights and for parameters that start at 0, the mean initial magnitude
    otherwise) also counts as divergence (a spike-count loss stays finite when
    the weights run away);
    ``rate_penalty``: L2 penalty on hidden-layer spike counts per step;
    ``weight_decay``: decoupled weight decay of the weight matrices;
    ``bounds``: extra ``{'layer.param': (low, high)}`` in SI; ``blas_threads``:
    BLAS threads during training (1 by default: the matrices are small, and
    spinning BLAS threads on a busy machine slow the products down many
    times; None leaves the setting alone; needs ``threadpoolctl``);
    ``compiled_adjoint``: run the backward recursion of the layers it covers as
    compiled code (:mod:`.kernels`; None: whenever the forward pass compiles
    code too, i.e. every backend but ``'numpy'``, and Cython works here).
    """

    epochs: int = 30
    batch_size: int = 128
    optimizer: str = "adam"
    lr: float = 0.01
    momentum: float = 0.9
    schedule: object = field(default_factory=ConstantLR)
    patience: int | None = None
    seed: int = 0
    backend: str = "runtime"
    input_mode: str = "drive"
    max_loss: float = 1e4
    max_param_growth: float = 1e4
    progress: bool = True
    rate_penalty: float = 0.0
    weight_gain: float = 1.0
    bounds: dict = field(default_factory=dict)
    blas_threads: int | None = 1
    weight_decay: float = 0.0
    compiled_adjoint: bool | None = None

    def __post_init__(self):
        for name in ("epochs", "batch_size"):
            check_count(name, getattr(self, name))
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"patience={self.patience}; expected None or >= 1")


@dataclass
class TrainResult:
    """History (one dict per epoch), best parameters and the held-out test scores."""

    history: list
    params: dict
    test_accuracy: float
    test_loss: float
    best_epoch: int
    compilations: int
    stopped_early: bool
    metrics_path: Path | None = None


def default_constraints(net: TrainableNetwork, bounds: dict | None = None) -> Constraints:
    """Dale's law / input signs, no autapses, and time constants >= 2 dt, capacitances > 0."""
    signs = {k: v for k, v in net.signs().items() if np.any(v != 0)}
    masks = {f"{layer.name}.R": 1.0 - np.eye(layer.n) for layer in net.spec.layers
             if layer.recurrent}
    b = {}
    for layer in net.spec.layers:
        for key in layer.trainable:
            value = abs(float(np.max(np.asarray(layer.model.parameters[key]))))
            if key.startswith("tau") or "_tau" in key:
                b[f"{layer.name}.{key}"] = (2 * net.dt, None)
            elif key in ("C", "g_L", "R_m", "DeltaV"):
                b[f"{layer.name}.{key}"] = (1e-2 * value, None)
            elif key == "Delta_th":
                b[f"{layer.name}.{key}"] = (0.0, None)
    b.update(bounds or {})
    return Constraints(signs=signs, masks=masks, bounds=b)


class Trainer:
    """Train *net* on *task* with *settings*; ``fit()`` returns a :class:`TrainResult`.

    Parameters
    ----------
    net : TrainableNetwork
    task : DigitsTask or DMSTask (or any object with the same methods)
    settings : TrainSettings
    out_dir : path, optional
        Where ``metrics.json`` and ``checkpoint.npz`` go (no files if None).
    params : dict, optional
        Initial parameters (default: ``net.init_params(seed, gain=weight_gain)``).
    """

    def __init__(self, net: TrainableNetwork, task, settings: TrainSettings = TrainSettings(),
                 *, out_dir=None, params: dict | None = None,
                 weight_scale: dict | None = None):
        self.net, self.task, self.settings = net, task, settings
        self.output = net.spec.layers[-1].name
        self.out_dir = None if out_dir is None else Path(out_dir)
        self.params = params if params is not None else net.init_params(
            np.random.default_rng([settings.seed, 0]), gain=settings.weight_gain,
            weight_scale=weight_scale)
        self.params = {k: np.array(v, dtype=np.float64) for k, v in self.params.items()}
        self.constraints = default_constraints(net, settings.bounds)
        self.constraints.apply(self.params)
        sc = scales(self.params)
        for i, layer in enumerate(net.spec.layers):
            for key in (f"{layer.name}.W", f"{layer.name}.R"):
                if key in sc:
                    sc[key] = net.scales[i]
            for key in layer.trainable:          # a parameter that starts at 0 (a bias):
                if not np.any(self.params[f"{layer.name}.{key}"]):   # the layer's scale
                    sc[f"{layer.name}.{key}"] = net.scales[i]
        self._growth_scale = dict(sc)       # the reference of max_param_growth
        self.optimizer = make_optimizer(settings.optimizer, self.params, settings.lr,
                                        momentum=settings.momentum, scale=sc,
                                        weight_decay=settings.weight_decay)
        self.forward = BrianForward(net, settings.batch_size, task.n_steps,
                                    backend=settings.backend, input_mode=settings.input_mode,
                                    seed=settings.seed)
        self.compiled = settings.compiled_adjoint
        if self.compiled is None:
            from brian2.codegen.runtime.cython_rt import CythonCodeObject
            self.compiled = settings.backend != "numpy" and CythonCodeObject.is_available()
        if self.compiled:       # compile the adjoint kernels now, not inside the first batch
            prepare_kernels(net)
        self.history: list[dict] = []
        self.epoch = 0
        self.best = (-np.inf, 0, {k: v.copy() for k, v in self.params.items()})
        self.bad_epochs = 0
        self.time_forward = self.time_backward = 0.0
        self._last_good = {k: v.copy() for k, v in self.params.items()}

    # ------------------------------------------------------------------ one batch
    def _batch(self, x, y, rng, train: bool):
        inputs = self.task.encode(x, rng)
        t0 = time.perf_counter()
        trace = self.forward.run(self.params, inputs, scratch=True)   # used here only
        t1 = time.perf_counter()
        value, g_spikes, g_states = self.task.loss(trace, y, self.output)
        pred = self.task.predict(trace, self.output)
        grads = None
        if train:
            if self.settings.rate_penalty > 0:
                for layer in self.net.spec.layers[:-1]:
                    s = trace.spikes[layer.name]
                    n = s.sum(axis=1, keepdims=True) / s.shape[1]
                    value += self.settings.rate_penalty * float((n ** 2).mean())
                    g = 2 * self.settings.rate_penalty * n / (s.shape[1] * n.size)
                    g_spikes[layer.name] = g_spikes.get(layer.name, 0) + np.repeat(
                        g, s.shape[1], axis=1)
            grads = backward(self.net, self.params, trace, grad_spikes=g_spikes,
                             grad_states=g_states, compiled=self.compiled)
        t2 = time.perf_counter()
        self.time_forward += t1 - t0
        self.time_backward += t2 - t1
        return value, pred, grads, trace

    def evaluate(self, dataset, stream: int = _VAL_STREAM, params: dict | None = None):
        """Mean loss and accuracy on *dataset* (fixed encoding noise stream)."""
        loss, accuracy, _ = self.predict(dataset, stream, params)
        return loss, accuracy

    def predict(self, dataset, stream: int = _TEST_STREAM, params: dict | None = None):
        """Mean loss, accuracy and the predicted labels (N,) on *dataset* (no gradients)."""
        saved = self.params
        if params is not None:
            self.params = params
        rng = np.random.default_rng([self.settings.seed, stream])
        losses, preds = [], []
        bs = self.settings.batch_size
        try:
            for start in range(0, len(dataset), bs):
                x, y = dataset.x[start:start + bs], dataset.y[start:start + bs]
                value, pred, _, _ = self._batch(x, y, rng, train=False)
                losses.append(value * len(y))
                preds.append(np.asarray(pred))
        finally:
            self.params = saved
        preds = np.concatenate(preds)
        return float(np.sum(losses) / len(dataset)), float(np.mean(preds == dataset.y)), preds

    def train_epoch(self) -> dict:
        """One pass over the training split; returns the epoch's metrics."""
        s, e = self.settings, self.epoch
        rng = np.random.default_rng([s.seed, e + 1])
        order = rng.permutation(len(self.task.train))
        self.optimizer.lr = s.lr * s.schedule.factor(e)
        tf0, tb0, start = self.time_forward, self.time_backward, time.perf_counter()
        losses, correct, n = [], 0, 0
        bar = console.progress(range(0, len(order), s.batch_size),
                               desc=f"epoch {e + 1}/{s.epochs}", enabled=s.progress, leave=False)
        for b0 in bar:
            idx = order[b0:b0 + s.batch_size]
            x, y = self.task.train.x[idx], self.task.train.y[idx]
            value, pred, grads, trace = self._batch(x, y, rng, train=True)
            bad = not np.isfinite(value) or value > s.max_loss or \
                any(not np.all(np.isfinite(g)) for g in grads.values())
            if bad:
                raise TrainingDiverged(self._diverged_message(value, b0 // s.batch_size))
            blown = _non_finite({f"{layer}.{var}": v for layer, states in trace.states.items()
                                 for var, v in states.items()}, "state")   # NaN v leaves
            if blown:                                          # a finite spike-count loss
                raise TrainingDiverged(self._diverged_message(value, b0 // s.batch_size,
                                                              blown))
            self.optimizer.step(self.params, grads)
            self.constraints.apply(self.params)
            blown = _non_finite(self.params, "after the update, parameter") or self._runaway()
            if blown:             # an exploding (or NaN) learning rate
                raise TrainingDiverged(self._diverged_message(value, b0 // s.batch_size,
                                                              blown))
            losses.append(value * len(y))
            correct += int((pred == y).sum())
            n += len(y)
            bar.set_postfix(loss=f"{value:.3f}")
        wall = time.perf_counter() - start
        forward_s, backward_s = self.time_forward - tf0, self.time_backward - tb0
        val_loss, val_acc = self.evaluate(self.task.val)
        self.epoch += 1
        return {"epoch": self.epoch, "lr": self.optimizer.lr, "train_loss": float(np.sum(losses) / n),
                "train_accuracy": correct / n, "val_loss": val_loss, "val_accuracy": val_acc,
                "time_s": wall, "samples_per_s": n / wall,
                "forward_s": forward_s, "backward_s": backward_s}     # training batches only

    def _runaway(self) -> str | None:
        """'parameter k reached |x| = ..., more than max_param_growth times its scale' or None."""
        limit = self.settings.max_param_growth
        for key, value in self.params.items():
            peak, scale = float(np.max(np.abs(value), initial=0.0)), self._growth_scale[key]
            if peak > limit * scale:
                return (f"parameter {key} reached |value| = {peak:.3g} (SI), more than "
                        f"max_param_growth={limit:g} times its scale {scale:.3g}, after the update")
        return None

    def _diverged_message(self, value, batch, what: str | None = None) -> str:
        where = (f"; the last good checkpoint is {self.out_dir / 'checkpoint.npz'} (epoch "
                 f"{self.epoch})" if self.out_dir is not None and self.epoch > 0 else
                 "; no checkpoint was written yet")
        self.params = {k: v.copy() for k, v in self._last_good.items()}
        cause = (f"{what} at epoch {self.epoch + 1}, batch {batch} (learning rate "
                 f"{self.optimizer.lr:g})" if what else
                 f"loss {value!r} at epoch {self.epoch + 1}, batch {batch} "
                 f"(limit max_loss={self.settings.max_loss:g})")
        return (f"training diverged: {cause}; stopped{where}. Lower the learning rate or the "
                "initial weights.")

    # ------------------------------------------------------------------ loop
    def fit(self, resume: bool = True) -> TrainResult:
        """Train up to ``epochs`` epochs (resuming from ``out_dir/checkpoint.npz`` if present)."""
        with _blas_threads(self.settings.blas_threads):
            return self._fit(resume)

    def _fit(self, resume: bool) -> TrainResult:
        s = self.settings
        ckpt = None if self.out_dir is None else self.out_dir / "checkpoint.npz"
        if resume and ckpt is not None and ckpt.exists():
            self.load_checkpoint(ckpt)
        stopped = False
        self._last_good = {k: v.copy() for k, v in self.params.items()}
        while self.epoch < s.epochs:
            metrics = self.train_epoch()
            self.history.append(metrics)
            console.logger.info("epoch %d/%d: train loss %.4g, accuracy %.3f; validation loss "
                                "%.4g, accuracy %.3f (%.1f s)", metrics["epoch"], s.epochs,
                                metrics["train_loss"], metrics["train_accuracy"],
                                metrics["val_loss"], metrics["val_accuracy"], metrics["time_s"])
            if metrics["val_accuracy"] > self.best[0]:
                self.best = (metrics["val_accuracy"], self.epoch,
                             {k: v.copy() for k, v in self.params.items()})
                self.bad_epochs = 0
            else:
                self.bad_epochs += 1
            self._last_good = {k: v.copy() for k, v in self.params.items()}
            if ckpt is not None:
                self.save_checkpoint(ckpt)
                self._write_metrics()
            if s.patience is not None and self.bad_epochs >= s.patience:
                stopped = True
                break
        test_loss, test_acc = self.evaluate(self.task.test, _TEST_STREAM, params=self.best[2])
        result = TrainResult(self.history, self.best[2], test_acc, test_loss, self.best[1],
                             self.forward.compilations, stopped)
        if self.out_dir is not None:
            result.metrics_path = self._write_metrics(result)
        return result

    # ------------------------------------------------------------------ files
    def _write_metrics(self, result: TrainResult | None = None) -> Path:
        data = {"task": getattr(self.task, "name", type(self.task).__name__),
                "settings": {k: (v if isinstance(v, (int, float, str, bool, type(None)))
                                 else repr(v)) for k, v in asdict(self.settings).items()},
                "layers": [{"name": l.name, "model": l.model.name, "n": l.n,
                            "trainable": list(l.trainable)} for l in self.net.spec.layers],
                "epochs": self.history, "compilations": self.forward.compilations,
                "forward_runs": self.forward.runs}
        if result is not None:
            data.update(test_accuracy=result.test_accuracy, test_loss=result.test_loss,
                        best_epoch=result.best_epoch, stopped_early=result.stopped_early)
        return write_json(self.out_dir / "metrics.json", data)

    def save_checkpoint(self, path) -> Path:
        """Parameters, optimiser state, epoch, history and best parameters in one ``.npz``."""
        arrays = {f"params/{k}": v for k, v in self.params.items()}
        arrays.update({f"best/{k}": v for k, v in self.best[2].items()})
        arrays.update({f"opt/{k}": np.asarray(v) for k, v in self.optimizer.state_dict().items()})
        meta = {"epoch": self.epoch, "history": self.history, "best_val": self.best[0],
                "best_epoch": self.best[1], "bad_epochs": self.bad_epochs,
                "run": self.fingerprint()}
        arrays["meta"] = np.array(json.dumps(meta))
        with atomic_path(path, suffix=".npz") as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
        return Path(path)

    def fingerprint(self) -> dict:
        """What must match for a checkpoint to continue this run exactly.

        The settings that shape the trajectory (all but those that only decide
        when to stop, ``epochs``, ``patience``, ``max_loss`` and
        ``max_param_growth``, and those that
        choose how, not what, is computed: ``backend``, ``progress``,
        ``blas_threads`` and ``compiled_adjoint``; a resume on another backend
        continues the same run, but bit-identity is only promised on the same
        backend), the task's name and split sizes, and the layers.
        """
        skip = {"epochs", "patience", "max_loss", "max_param_growth", "backend", "progress",
                "blas_threads", "compiled_adjoint"}
        settings = {k: (v if isinstance(v, (int, float, str, bool, type(None))) else repr(v))
                    for k, v in asdict(self.settings).items() if k not in skip}
        task = {"task": str(getattr(self.task, "name", type(self.task).__name__)),
                "n_train": len(self.task.train), "n_val": len(self.task.val),
                "n_steps": int(self.task.n_steps)}
        layers = [f"{l.name}:{l.model.name}:{l.n}:{','.join(l.trainable)}"
                  for l in self.net.spec.layers]
        return {**settings, **task, "layers": layers}

    def load_checkpoint(self, path) -> None:
        """Restore everything :meth:`save_checkpoint` wrote.

        Raises ``ValueError`` naming the first setting that differs when the
        checkpoint was written by a run with other settings (see :meth:`fingerprint`).
        """
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            saved, now = meta.get("run"), json.loads(json.dumps(self.fingerprint()))
            if saved is not None and saved != now:
                key = next(k for k in sorted(set(saved) | set(now))
                           if saved.get(k) != now.get(k))
                raise ValueError(f"checkpoint {path}: written by a run with {key}="
                                 f"{saved.get(key)!r}, this run has {key}={now.get(key)!r}; "
                                 "expected the same settings to resume")
            self.params = {k[7:]: data[k].copy() for k in data.files if k.startswith("params/")}
            best = {k[5:]: data[k].copy() for k in data.files if k.startswith("best/")}
            self.optimizer.load_state_dict({k[4:]: data[k] for k in data.files
                                            if k.startswith("opt/")})
        self.epoch, self.history = int(meta["epoch"]), list(meta["history"])
        self.best = (float(meta["best_val"]), int(meta["best_epoch"]), best)
        self.bad_epochs = int(meta["bad_epochs"])

    def close(self) -> None:
        self.forward.close()


def evaluate_on_backend(net: TrainableNetwork, task, params: dict, *, backend: str,
                        settings: TrainSettings = TrainSettings(), dataset=None) -> dict:
    """Inference of trained *params* on the test split with the forward pass on *backend*.

    E.g. a network trained on the CPU (``runtime``) run on the GPU
    (``backend='cuda'``, brian2cuda): the test inputs are encoded from the same
    noise stream as :meth:`Trainer.fit`'s test score for ``settings.seed``, so
    the accuracy (and every prediction) can be compared across backends.

    Returns ``{'backend', 'loss', 'accuracy', 'predictions', 'compilations',
    'wall_s'}``.
    """
    dataset = task.test if dataset is None else dataset
    settings = dataclasses.replace(settings, backend=backend)
    trainer = Trainer(net, task, settings, params=params)
    try:
        start = time.perf_counter()
        loss, accuracy, preds = trainer.predict(dataset, _TEST_STREAM)
        return {"backend": backend, "loss": loss, "accuracy": accuracy, "predictions": preds,
                "compilations": trainer.forward.compilations,
                "wall_s": time.perf_counter() - start}
    finally:
        trainer.close()
