r"""ANN -> SNN conversion: a ReLU network run as integrate-and-fire neurons in Brian2 (layer L4).

The rate-based conversion of Cao et al. (2015), Diehl et al. (2015) and
Rueckauer et al. (2017):

1. train a ReLU multilayer perceptron (:func:`train_relu_mlp`, scikit-learn's
   ``MLPClassifier``; no torch), activations :math:`a^l = \max(0, W^l a^{l-1} + b^l)`,
   output logits :math:`z^L = W^L a^{L-1} + b^L`;
2. normalise it with data-based scales (:func:`normalise`, Rueckauer et al. 2017,
   sec. 2.3): :math:`\lambda_l` is the maximum (Diehl et al. 2015) or the *p*-th
   percentile (default 99.9) of the positive activations of layer *l* on the
   training data, :math:`\lambda_0 = 1` for inputs in [0, 1], and
   :math:`\tilde W^l = W^l \lambda_{l-1}/\lambda_l`, :math:`\tilde b^l = b^l/\lambda_l`,
   so that the normalised activations :math:`\tilde a^l = a^l/\lambda_l` mostly lie in [0, 1];
3. map every unit to an integrate-and-fire neuron (:func:`conversion_neuron`) with
   reset by subtraction, threshold distance :math:`\theta = V_{th} - E_L`, weights
   :math:`\theta \tilde W` (volts, one increment per presynaptic spike) and a bias current
   :math:`I_b = \theta\,\tilde b\,C_m/\Delta t`.  The input is the analog image
   (a constant drive :math:`\theta \tilde W^1 x` per step) or rate-coded Bernoulli spikes with
   :math:`p = x` per step (:func:`~neurolab_snn.coding.rate`).

With reset by subtraction an IF neuron driven by a constant :math:`\tilde z \in [0, 1]` per step
fires :math:`\lfloor k\tilde z\rfloor` (up to one step of delay) spikes in *k* steps: its rate
:math:`r = N/T` equals the normalised activation with an error below :math:`1/T` per layer, so
the rate error falls like :math:`1/T` (Rueckauer et al. 2017, eq. 5; tested).  The class is
the output neuron with most spikes (ties: the highest membrane potential), for every
simulation length *T* from one run (:meth:`ConvertedSNN.run`): the accuracy-latency curve.
The network runs through :class:`~neurolab_snn.training.brian.BrianForward`, so on every
forward backend (runtime, numpy, cpp_standalone, cuda).

References
----------
Cao, Chen & Khosla (2015), Spiking deep convolutional neural networks for energy-efficient
object recognition, Int. J. Comput. Vis. 113:54-66.
Diehl et al. (2015), Fast-classifying, high-accuracy spiking deep networks through weight
and threshold balancing, IJCNN, doi:10.1109/IJCNN.2015.7280696.
Rueckauer et al. (2017), Conversion of continuous-valued deep networks to efficient
event-driven networks for image classification, Front. Neurosci. 11:682.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from ..coding import rate as rate_code
from ..models import NeuronModel
from ..units import check_quantity, ms, mV, pA, pF, second, to_si
from .brian import FORWARD_BACKENDS, BrianForward
from .network import Layer, NetworkSpec, TrainableNetwork
from .tasks import load_digits_split

__all__ = ["ReLUNetwork", "train_relu_mlp", "normalise", "conversion_neuron", "ConvertedSNN",
           "convert", "train_conversion", "CONVERSION_DEFAULTS"]

#: Defaults of :func:`train_conversion` (chosen on the validation split; figures in
#: docs/training_methods.md).
CONVERSION_DEFAULTS = dict(hidden=(256,), ann_epochs=60, lr=1e-3, alpha=1e-4, batch_size=64,
                           percentile=99.9, n_steps=200, reset="subtract", tau_m=100 * ms)


@dataclass(frozen=True)
class ReLUNetwork:
    """A ReLU multilayer perceptron: ``weights[l]`` (n_{l-1}, n_l), ``biases[l]`` (n_l,).

    Hidden layers are ReLU, the last layer is linear (logits).
    """

    weights: tuple
    biases: tuple

    def __post_init__(self):
        if len(self.weights) != len(self.biases) or not self.weights:
            raise ValueError(f"ReLUNetwork: {len(self.weights)} weight matrices and "
                             f"{len(self.biases)} bias vectors; expected the same number >= 1")
        for k, (w, b) in enumerate(zip(self.weights, self.biases)):
            if np.ndim(w) != 2 or np.shape(b) != (np.shape(w)[1],):
                raise ValueError(f"ReLUNetwork: layer {k} has weights {np.shape(w)} and biases "
                                 f"{np.shape(b)}; expected (n_in, n) and (n,)")
            if k and np.shape(w)[0] != np.shape(self.weights[k - 1])[1]:
                raise ValueError(f"ReLUNetwork: layer {k} takes {np.shape(w)[0]} inputs but "
                                 f"layer {k - 1} has {np.shape(self.weights[k - 1])[1]} units")

    @property
    def sizes(self) -> list[int]:
        return [int(np.shape(self.weights[0])[0])] + [int(np.shape(w)[1]) for w in self.weights]

    def activations(self, x) -> list[np.ndarray]:
        """Pre-threshold values passed through ReLU (hidden) and the logits (last layer)."""
        out, a = [], np.asarray(x, dtype=np.float64)
        for k, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ w + b
            a = z if k == len(self.weights) - 1 else np.maximum(z, 0.0)
            out.append(a)
        return out

    def predict(self, x) -> np.ndarray:
        return np.argmax(self.activations(x)[-1], axis=1)

    def accuracy(self, dataset) -> float:
        return float(np.mean(self.predict(dataset.x) == dataset.y))


def train_relu_mlp(train, val, *, hidden=(256,), epochs: int = 60, lr: float = 1e-3,
                   alpha: float = 1e-4, batch_size: int = 64, seed: int = 0,
                   progress: bool = False) -> tuple[ReLUNetwork, list[dict]]:
    """Train a ReLU MLP with scikit-learn (Adam, L2 penalty *alpha*); keep the best
    validation epoch.  Returns the network and the per-epoch history."""
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError as err:  # pragma: no cover - scikit-learn is the 'training' extra
        raise RuntimeError("ANN -> SNN conversion trains its ReLU network with scikit-learn "
                           "(pip install 'neurolab_snn[training]')") from err
    from tqdm.auto import tqdm

    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs={epochs!r}; expected a positive integer")
    clf = MLPClassifier(hidden_layer_sizes=tuple(hidden), activation="relu", solver="adam",
                        learning_rate_init=lr, alpha=alpha, batch_size=batch_size,
                        random_state=seed, shuffle=True)
    classes = np.arange(int(max(train.y.max(), val.y.max())) + 1)
    history, best, best_acc = [], None, -1.0
    for epoch in tqdm(range(int(epochs)), desc="ReLU ANN", disable=not progress):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.partial_fit(train.x, train.y, classes=classes)
        net = ReLUNetwork(tuple(np.array(w) for w in clf.coefs_),
                          tuple(np.array(b) for b in clf.intercepts_))
        val_acc = net.accuracy(val)
        history.append({"epoch": epoch + 1, "train_loss": float(clf.loss_),
                        "train_accuracy": net.accuracy(train), "val_accuracy": val_acc})
        if val_acc > best_acc:
            best, best_acc = net, val_acc
    return best, history


def normalise(net: ReLUNetwork, x, *, percentile: float = 99.9,
              input_scale: float = 1.0) -> tuple[ReLUNetwork, list[float]]:
    r"""Data-based weight normalisation (Diehl et al. 2015; Rueckauer et al. 2017).

    :math:`\lambda_l` = the *percentile* (100: the maximum) of the positive activations of
    layer *l* on the samples *x*; returns the network with
    :math:`W^l\lambda_{l-1}/\lambda_l`, :math:`b^l/\lambda_l` and the scales
    :math:`[\lambda_1, ..., \lambda_L]`.  A layer without any positive activation cannot be
    represented by spike rates and raises ``ValueError``.
    """
    if not 0.0 < percentile <= 100.0:
        raise ValueError(f"percentile={percentile!r}; expected 0 < percentile <= 100")
    acts = net.activations(x)
    scales, prev, weights, biases = [], float(input_scale), [], []
    for k, (a, w, b) in enumerate(zip(acts, net.weights, net.biases)):
        pos = a[a > 0]
        if pos.size == 0:
            kind = "output" if k == len(acts) - 1 else f"hidden layer {k}"
            raise ValueError(f"normalise: the activations of {kind} are all <= 0 (max "
                             f"{float(a.max()):.3g}) on the {len(a)} normalisation samples; a "
                             "ReLU unit that never activates has rate 0 - expected a network "
                             "with positive activations")
        lam = float(np.percentile(pos, percentile))
        weights.append(np.asarray(w) * prev / lam)
        biases.append(np.asarray(b) / lam)
        scales.append(lam)
        prev = lam
    return ReLUNetwork(tuple(weights), tuple(biases)), scales


def conversion_neuron(kind: str = "IF", *, reset: str = "subtract", V_th=-50 * mV,
                      E_L=-70 * mV, C_m=100 * pF, tau_m=100 * ms) -> NeuronModel:
    r"""The neuron of a converted network: integrate-and-fire with a bias current.

    ``'IF'``: :math:`dv/dt = I_b/C_m` (forward Euler, exact for a constant right-hand side;
    Brian2's ``'exact'`` integrator rejects an equation without *v*); ``'LIF'``: :math:`dv/dt = (E_L - v)/\tau_m + I_b/C_m`.
    Spike when :math:`v \ge V_{th}`; *reset* ``'subtract'`` (Rueckauer et al. 2017):
    ``v -= V_th - E_L`` keeps the surplus charge, ``'zero'`` (Diehl et al. 2015):
    ``v = E_L`` discards it.  ``I_b`` (amp) is the per-neuron bias.
    """
    if kind not in ("IF", "LIF"):
        raise ValueError(f"model={kind!r}; conversion maps ReLU units to 'IF' or 'LIF' neurons")
    resets = {"subtract": "v -= V_th - E_L", "zero": "v = E_L"}
    if reset not in resets:
        raise ValueError(f"reset={reset!r}; expected one of {sorted(resets)}")
    check_quantity("V_th", V_th, mV)
    check_quantity("E_L", E_L, mV)
    if not float(to_si(V_th)) > float(to_si(E_L)):
        raise ValueError(f"V_th={V_th} must lie above E_L={E_L}")
    check_quantity("C_m", C_m, pF, positive=True)
    params = {"V_th": V_th, "E_L": E_L, "C_m": C_m, "I_b": 0 * pA}
    if kind == "IF":
        eqs = "dv/dt = I_b/C_m : volt\n"
    else:
        check_quantity("tau_m", tau_m, second, positive=True)
        eqs = "dv/dt = (E_L - v)/tau_m + I_b/C_m : volt\n"
        params["tau_m"] = tau_m
    return NeuronModel(name=kind, equations=eqs, threshold="v >= V_th", reset=resets[reset],
                       method="euler" if kind == "IF" else "exact", parameters=params, initial_values={"v": "E_L"},
                       reference="integrate-and-fire with reset by subtraction for ANN "
                                 "conversion (Rueckauer et al. 2017, Front. Neurosci. 11:682)",
                       options={"kind": kind, "reset": reset})


class ConvertedSNN:
    """A normalised :class:`ReLUNetwork` as a Brian2 network of :func:`conversion_neuron` s.

    Parameters
    ----------
    ann : ReLUNetwork
        The *normalised* network (:func:`normalise`).
    model : {'IF', 'LIF'}
    reset : {'subtract', 'zero'}
    dt : Quantity
    input : {'analog', 'rate'}
        Constant drive :math:`\\theta\\tilde W^1 x` per step, or Bernoulli spikes with
        :math:`p = x` per step.
    backend : one of :data:`~neurolab_snn.training.brian.FORWARD_BACKENDS`
    batch : int
        Samples per Brian2 run (network copies).
    """

    def __init__(self, ann: ReLUNetwork, *, model: str = "IF", reset: str = "subtract",
                 dt=1 * ms, input: str = "analog", backend: str = "runtime", batch: int = 128,
                 tau_m=100 * ms, seed: int = 0):
        if input not in ("analog", "rate"):
            raise ValueError(f"input={input!r}; expected 'analog' (constant current) or 'rate' "
                             "(Bernoulli spikes)")
        if backend not in FORWARD_BACKENDS:
            raise ValueError(f"backend={backend!r}; expected one of {FORWARD_BACKENDS}")
        check_quantity("dt", dt, second, positive=True)
        self.ann, self.input, self.backend, self.batch = ann, input, backend, int(batch)
        self.neuron = conversion_neuron(model, reset=reset, tau_m=tau_m)
        p = self.neuron.parameters
        self.theta = float(to_si(p["V_th"] - p["E_L"]))
        self.dt, self.seed = float(to_si(dt)), seed
        sizes = ann.sizes
        names = [f"hidden{k}" for k in range(1, len(sizes) - 1)] + ["output"]
        layers = tuple(Layer(name, self.neuron, n, trainable=("I_b",), scale=1 * mV)
                       for name, n in zip(names, sizes[1:]))
        self.spec = NetworkSpec(sizes[0], layers, dt=dt)
        self.net = TrainableNetwork(self.spec)
        c_m = float(to_si(p["C_m"]))
        self.params = {}
        for name, w, b in zip(names, ann.weights, ann.biases):
            self.params[f"{name}.W"] = self.theta * np.asarray(w, dtype=np.float64)
            self.params[f"{name}.I_b"] = self.theta * np.asarray(b, dtype=np.float64) * c_m \
                / self.dt
        self._forward: dict[int, BrianForward] = {}

    def forward(self, n_steps: int) -> BrianForward:
        if n_steps not in self._forward:
            self._forward[n_steps] = BrianForward(self.net, self.batch, n_steps,
                                                  backend=self.backend, seed=self.seed)
        return self._forward[n_steps]

    def encode(self, x, n_steps: int, rng) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self.input == "rate":
            return rate_code(np.clip(x, 0.0, 1.0), n_steps, rng=rng)
        return np.repeat(x[:, None, :], n_steps, axis=1)

    def run(self, x, n_steps: int, *, rng=0, progress: bool = False) -> dict:
        """Simulate samples *x* (N, n_inputs) for *n_steps* steps.

        Returns ``rates`` (list per layer of (N, n) spikes per step over the whole run),
        ``scores`` (N, n_steps, n_classes): the output spike count up to each step plus a
        tie-break in (0, 1) from the membrane potential, so that ``argmax`` over the last
        axis is the decision after each number of steps.
        """
        from tqdm.auto import tqdm

        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.spec.n_inputs:
            raise ValueError(f"x has shape {x.shape}; expected (N, {self.spec.n_inputs})")
        n_steps = int(n_steps)
        if n_steps < 1:
            raise ValueError(f"n_steps={n_steps}; expected a positive integer")
        rng = np.random.default_rng(rng)
        fwd = self.forward(n_steps)
        names = [layer.name for layer in self.spec.layers]
        counts = {name: [] for name in names}
        scores = []
        e_l = float(to_si(self.neuron.parameters["E_L"]))
        for start in tqdm(range(0, len(x), self.batch), desc="converted SNN",
                          disable=not progress):
            xb = x[start:start + self.batch]
            trace = fwd.run(self.params, self.encode(xb, n_steps, rng))
            for name in names:
                counts[name].append(trace.spikes[name].sum(axis=1))
            cum = np.cumsum(trace.spikes["output"], axis=1)
            v = (trace.states["output"]["v"][:, 1:] - e_l) / self.theta
            scores.append(cum + 0.5 * (1.0 + np.tanh(v)) * 0.999)
        return {"rates": [np.concatenate(counts[n]) / n_steps for n in names],
                "scores": np.concatenate(scores)}

    def accuracy_vs_steps(self, dataset, n_steps: int, *, rng=0, progress=False
                          ) -> np.ndarray:
        """Accuracy after 1 .. *n_steps* steps (one run), shape (n_steps,)."""
        scores = self.run(dataset.x, n_steps, rng=rng, progress=progress)["scores"]
        return np.mean(np.argmax(scores, axis=2) == np.asarray(dataset.y)[:, None], axis=0)

    def close(self) -> None:
        for fwd in self._forward.values():
            fwd.close()
        self._forward.clear()


def convert(ann: ReLUNetwork, x_norm, *, percentile: float = 99.9, **options
            ) -> tuple[ConvertedSNN, list[float]]:
    """Normalise *ann* on the samples *x_norm* and build the :class:`ConvertedSNN`."""
    normed, scales = normalise(ann, x_norm, percentile=percentile)
    return ConvertedSNN(normed, **options), scales


def _curve_steps(n_steps: int) -> np.ndarray:
    grid = np.unique(np.round(np.geomspace(1, n_steps, 24)).astype(int))
    return grid[grid >= 1]


def train_conversion(*, encoding: str = "rate", model: str = "IF", seed: int = 0,
                     backend: str = "runtime", epochs: int | None = None, quick: bool = False,
                     out_dir=None, progress: bool = False, data=None, **options) -> dict:
    """ANN -> SNN conversion on digits (or *data*): the method ``'conversion'``.

    Trains the ReLU ANN (``epochs``: ANN epochs), normalises it on the training split,
    runs the converted SNN on validation and test splits for ``n_steps`` steps and
    reports the accuracy after every length *T*.  ``test_accuracy`` is the test accuracy
    after the whole run (``n_steps``, a setting fixed in advance); ``best_T`` the shortest
    length with the best validation accuracy and ``test_accuracy_at_best_T`` the test
    accuracy there; ``accuracy_vs_T`` holds the curves, ``ann_test_accuracy`` the source
    network.  *encoding*: ``'analog'`` (constant
    current) or ``'rate'`` (Bernoulli spikes, p = intensity per step); *model*: ``'IF'``
    or ``'LIF'`` (``tau_m``); *options* override :data:`CONVERSION_DEFAULTS`
    (``hidden``, ``ann_epochs``, ``lr``, ``alpha``, ``batch_size``, ``percentile``,
    ``n_steps``, ``reset``, ``tau_m``).  ``quick=True``: 300 training samples, 15 ANN
    epochs, 64 hidden units, 60 steps.  *out_dir* is unused (the runner writes nothing).
    """
    if encoding not in ("analog", "rate"):
        raise ValueError(f"encoding={encoding!r}: conversion takes 'analog' (constant-current "
                         "input) or 'rate' (Bernoulli spikes); a latency code has no rate")
    if model not in ("IF", "LIF"):
        raise ValueError(f"model={model!r}: conversion maps ReLU units to 'IF' or 'LIF' neurons")
    if backend not in FORWARD_BACKENDS:
        raise ValueError(f"backend={backend!r}; expected one of {FORWARD_BACKENDS}")
    cfg = dict(CONVERSION_DEFAULTS)
    if quick:
        cfg.update(hidden=(64,), ann_epochs=15, n_steps=60)
    unknown = sorted(set(options) - set(cfg))
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} for method 'conversion'; expected "
                         f"{sorted(cfg)}")
    cfg.update(options)
    if epochs is not None:
        cfg["ann_epochs"] = epochs
    train, val, test = data if data is not None else load_digits_split()
    if quick:
        from .tasks import Dataset
        train, val = Dataset(train.x[:300], train.y[:300]), Dataset(val.x[:100], val.y[:100])
        test = Dataset(test.x[:150], test.y[:150])
    start = time.perf_counter()
    ann, history = train_relu_mlp(train, val, hidden=cfg["hidden"], epochs=cfg["ann_epochs"],
                                  lr=cfg["lr"], alpha=cfg["alpha"],
                                  batch_size=cfg["batch_size"], seed=seed, progress=progress)
    ann_s = time.perf_counter() - start
    snn, scales = convert(ann, train.x, percentile=cfg["percentile"], model=model,
                          reset=cfg["reset"], input=encoding, backend=backend, seed=seed,
                          tau_m=cfg["tau_m"])
    try:
        val_curve = snn.accuracy_vs_steps(val, cfg["n_steps"], rng=[seed, 1], progress=progress)
        test_curve = snn.accuracy_vs_steps(test, cfg["n_steps"], rng=[seed, 2],
                                           progress=progress)
    finally:
        snn.close()
    wall = time.perf_counter() - start
    best = int(np.argmax(val_curve))               # the latency chosen on validation
    steps = _curve_steps(cfg["n_steps"])
    cfg_json = {**cfg, "hidden": list(cfg["hidden"]), "tau_m": float(cfg["tau_m"] / ms),
                "encoding": encoding, "model": model, "dt_ms": 1.0}
    n_seen = len(train) * len(history)
    return {"method": "conversion", "task": "digits", "model": model, "seed": seed,
            "backend": backend, "config": cfg_json, "history": history,
            "test_accuracy": float(test_curve[-1]), "best_T": best + 1,
            "test_accuracy_at_best_T": float(test_curve[best]),
            "ann_test_accuracy": ann.accuracy(test), "ann_val_accuracy": ann.accuracy(val),
            "scales": scales, "wall_s": wall, "ann_train_s": ann_s,
            "train_samples_per_s": n_seen / max(ann_s, 1e-12),
            "accuracy_vs_T": {"T": steps, "test": test_curve[steps - 1],
                              "val": val_curve[steps - 1]}}

