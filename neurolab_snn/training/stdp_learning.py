r"""Unsupervised STDP learning of digits, after Diehl & Cook (2015) (layer L4).

Diehl & Cook (2015, Front Comput Neurosci 9:99) learn digit prototypes
without labels: Poisson rate-coded pixels drive an excitatory layer through
plastic synapses; each excitatory spike inhibits all the other excitatory
neurons (a soft winner-take-all); the excitatory neurons have adaptive
thresholds (homeostasis: a neuron that fires a lot becomes harder to excite,
so every neuron gets to represent some inputs); the input weights of every
neuron are normalised to a fixed sum before each presentation.  After
training the learning is switched off and the thresholds are frozen; each
neuron is labelled with the class to which it responds most on average over
the training set, and an image is classified as the class whose labelled
neurons respond most on average.

The network here is built from the package's parts:

* input: :class:`~neurolab_snn.circuits.PoissonSource`, rate
  ``x * rate_max`` for a pixel intensity ``x`` in [0, 1] (the paper: 63.75 Hz
  for the brightest MNIST pixel, raised when too few spikes come out);
* excitatory layer: :func:`~neurolab_snn.models.AdaptiveLIF` with
  ``synapse='conductance'`` and the ``'diehl_cook2015'`` preset
  (``tau_m dv/dt = E_L - v + R_m (g_e (E_e - v) + g_i (E_i - v))``, spike when
  ``v > V_th + theta``, ``theta += Delta_th`` per spike,
  ``dtheta/dt = -theta/tau_a``);
* input -> excitatory: :class:`~neurolab_snn.synapses.ConductanceSynapse`
  (conductance jump ``w * w_unit``) with the plasticity rule
  :meth:`~neurolab_snn.synapses.TripletSTDP.diehl_cook2015` plus a pair
  potentiation term ``nu_pair`` (weights in ``[0, 1]``; see
  :class:`STDPSettings`);
* inhibition: :func:`~neurolab_snn.circuits.lateral_inhibition` with
  ``winner_take_all=True`` - every excitatory spike opens an inhibitory
  conductance ``w_inh`` in all the other excitatory neurons (the paper's
  one-to-one E -> I and all-but-one I -> E pathway, with the interneuron
  collapsed into the synapse).

Per presentation (a Brian2 ``NetworkOperation`` at its start): the input
weights of each excitatory neuron ``j`` are scaled to ``sum_i w_ij = w_total``
and clipped to the bound ``w_max = 1`` (training only; the clip, absent from
the paper, keeps every weight in ``[0, w_max]``), and the membrane potentials,
conductances and STDP traces are set back to rest.  The reset replaces the paper's 150 ms of silent input
between images, whose purpose is to let these variables decay; ``theta``
(tau = 1e4 s) is carried over, as in the paper.  One Brian2 run covers all
presentations of an epoch (rates from a ``TimedArray``), so the per-run
overhead is paid once per epoch.

Labelling and testing apply the paper's re-presentation rule (:func:`respond`);
labelling (:func:`assign_labels`) and classification (:func:`classify`) are
pure numpy functions of spike-count matrices.  Settings, measured accuracy and
the differences from the paper: ``docs/stdp_learning.md``.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import numpy as np
from brian2 import NetworkOperation
from brian2 import seed as brian2_seed
from brian2.devices.device import runtime_device

from ..circuits import Population, PoissonSource, Projection, lateral_inhibition
from ..models import AdaptiveLIF, NeuronModel
from ..sim import active_device, check_backend, scoped_prefs
from ..synapses import ConductanceSynapse, TripletSTDP
from ..units import Hz, Quantity, check_quantity, mV, ms, nS, second, to_si, volt
from .tasks import Dataset, load_digits_split

__all__ = ["STDPSettings", "diehl_cook_model", "frozen_threshold", "run_presentations",
           "respond", "assign_labels", "classify", "train_stdp", "ENCODINGS", "MODELS", "BACKENDS"]

#: Encodings, models and backends :func:`train_stdp` accepts.
ENCODINGS = ("rate",)
MODELS = ("LIF", "AdaptiveLIF")
BACKENDS = ("runtime", "numpy")


@dataclass(frozen=True)
class STDPSettings:
    """Settings of the Diehl & Cook network and its training.

    Parameters
    ----------
    n_exc : int
        Excitatory neurons (the paper: 100 to 6400; the digits target: <= 400).
    t_present : Quantity
        Presentation time of one image (the paper: 350 ms).
    dt : Quantity
        Integration step (the paper: 0.5 ms).
    rate_max : Quantity, optional
        Poisson rate of a pixel of intensity 1.  Default (None)
        ``63.75 Hz * max(1, 1024 // n_in)``: the paper's rate for images of 28 x 28
        or 32 x 32 pixels; a pixel of a smaller image stands for the pixels of a
        32 x 32 bitmap it pools (scikit-learn's 8 x 8 digits count the set pixels
        of 4 x 4 blocks of a 32 x 32 bitmap; Alpaydin & Kaynak 1998), so it fires
        as those 16 pixels would together: 1020 Hz.
    w_unit : Quantity
        Conductance jump of an input synapse of weight 1 (siemens).
    w_total : float, optional
        Sum of the input weights of each excitatory neuron after normalisation.
        Default (None) ``0.1 * n_in`` (the paper: 78 over 784 MNIST pixels).
    w_inh : Quantity
        Lateral inhibitory conductance jump (siemens; the paper: 17 leak units).
    w_init_max : float
        Initial input weights are uniform in ``[0, w_init_max]`` before the first
        normalisation (the paper: 0.3).
    nu_pre, nu_post : float
        Depression and potentiation rates of
        :meth:`~neurolab_snn.synapses.TripletSTDP.diehl_cook2015`.
    nu_pair : float
        Pair potentiation ``w += nu_pair r1`` at every postsynaptic spike
        (``A2_plus`` of the triplet rule; 0 in the paper's code).  The rule of the
        paper's text, ``Delta w = eta (x_pre - x_tar)`` at a postsynaptic spike,
        is this term, with the weight normalisation in the role of ``x_tar``.
    Delta_th : Quantity
        Threshold increment per spike during training (the paper: 0.05 mV over
        60 000 MNIST images; more here, where the training set is 50 times smaller).
    epochs : int
        Passes over the training set (a new random order each pass).
    min_spikes, max_boosts : int
        Labelling and testing: an image that evokes fewer than *min_spikes*
        excitatory spikes is presented again with the input rates raised by half
        of *rate_max* each time, at most *max_boosts* times (the paper's rule: 32 Hz
        more on a 63.75 Hz scale).
    """

    n_exc: int = 400
    t_present: Quantity = field(default_factory=lambda: 100 * ms)
    dt: Quantity = field(default_factory=lambda: 0.5 * ms)
    rate_max: Quantity | None = None
    w_unit: Quantity = field(default_factory=lambda: 1 * nS)
    w_total: float | None = None
    w_inh: Quantity = field(default_factory=lambda: 17 * nS)
    w_init_max: float = 0.3
    nu_pre: float = 1e-4
    nu_post: float = 1e-2
    nu_pair: float = 3e-3
    Delta_th: Quantity = field(default_factory=lambda: 0.25 * mV)
    epochs: int = 2
    min_spikes: int = 5
    max_boosts: int = 4

    def __post_init__(self):
        for name in ("n_exc", "epochs", "min_spikes", "max_boosts"):
            value = getattr(self, name)
            low = 1 if name in ("n_exc", "epochs") else 0
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                    or value < low:
                raise ValueError(f"STDPSettings.{name}={value!r}: expected an integer >= {low}")
        for name in ("t_present", "dt"):
            check_quantity(f"STDPSettings.{name}", getattr(self, name), second, positive=True)
        if self.rate_max is not None:
            check_quantity("STDPSettings.rate_max", self.rate_max, Hz, positive=True)
        check_quantity("STDPSettings.w_unit", self.w_unit, nS, positive=True)
        check_quantity("STDPSettings.w_inh", self.w_inh, nS, nonnegative=True)
        check_quantity("STDPSettings.Delta_th", self.Delta_th, mV, nonnegative=True)
        for name in ("w_total", "w_init_max", "nu_pre", "nu_post", "nu_pair"):
            value = getattr(self, name)
            if value is None and name == "w_total":
                continue
            if isinstance(value, bool) or not np.isfinite(value) or value < 0:
                raise ValueError(f"STDPSettings.{name}={value!r}: expected a finite number >= 0")
        if self.w_init_max > 1:
            raise ValueError(f"STDPSettings.w_init_max={self.w_init_max!r}: expected a value "
                             "in [0, 1] (the weight bound w_max is 1)")
        steps = to_si(self.t_present) / to_si(self.dt)
        if abs(steps - round(steps)) > 1e-9:
            raise ValueError(f"STDPSettings.t_present={self.t_present!r} is not a multiple of "
                             f"dt={self.dt!r}")

    @property
    def steps_per_image(self) -> int:
        """Time steps of one presentation."""
        return int(round(to_si(self.t_present) / to_si(self.dt)))

    def input_rate(self, n_in: int) -> Quantity:
        """Rate of a pixel of intensity 1 for images of *n_in* pixels."""
        if self.rate_max is not None:
            return self.rate_max
        return 63.75 * Hz * max(1, 1024 // n_in)

    def weight_total(self, n_in: int) -> float:
        """Sum of the input weights of a neuron for images of *n_in* pixels."""
        return 0.1 * n_in if self.w_total is None else float(self.w_total)

    def rule(self) -> TripletSTDP:
        """The plasticity rule of the input synapses."""
        rule = TripletSTDP.diehl_cook2015(nu_pre=self.nu_pre, nu_post=self.nu_post)
        return dataclasses.replace(rule, A2_plus=self.nu_pair) if self.nu_pair else rule

    def as_dict(self) -> dict:
        """JSON-able settings (quantities in ms, Hz, nS, mV)."""
        return {"n_exc": self.n_exc, "t_present_ms": float(self.t_present / ms),
                "dt_ms": float(self.dt / ms),
                "rate_max_Hz": None if self.rate_max is None else float(self.rate_max / Hz),
                "w_unit_nS": float(self.w_unit / nS), "w_total": self.w_total,
                "w_inh_nS": float(self.w_inh / nS), "w_init_max": self.w_init_max,
                "nu_pre": self.nu_pre, "nu_post": self.nu_post, "nu_pair": self.nu_pair,
                "Delta_th_mV": float(self.Delta_th / mV), "epochs": self.epochs,
                "min_spikes": self.min_spikes, "max_boosts": self.max_boosts}


def diehl_cook_model(model: str = "LIF", *, Delta_th: Quantity = 0.05 * mV) -> NeuronModel:
    """The excitatory neuron: conductance-based LIF with an adaptive threshold.

    ``model='LIF'`` and ``'AdaptiveLIF'`` both give
    ``AdaptiveLIF('diehl_cook2015', synapse='conductance')`` (an LIF whose
    threshold ``V_th + theta`` adapts); other names raise a ``ValueError``.
    """
    if model not in MODELS:
        raise ValueError(f"method 'stdp': model={model!r} is not supported; expected one of "
                         f"{list(MODELS)} (the conductance-based LIF with adaptive threshold of "
                         "Diehl & Cook 2015)")
    return AdaptiveLIF("diehl_cook2015", synapse="conductance", Delta_th=Delta_th)


def frozen_threshold(model: NeuronModel) -> NeuronModel:
    """*model* with ``theta`` a per-neuron constant: no increment, no decay.

    Used for labelling and testing, where the paper fixes the thresholds.
    """
    line = "dtheta/dt = -theta/tau_a : volt"
    if line not in model.equations:
        raise ValueError(f"model {model.name!r} has no adaptive threshold "
                         f"({line!r}); expected an AdaptiveLIF with adaptation='threshold'")
    params = {k: v for k, v in model.parameters.items() if k not in ("tau_a", "Delta_th")}
    reset = "\n".join(s for s in model.reset.splitlines() if "theta" not in s)
    return dataclasses.replace(model, equations=model.equations.replace(
        line, "theta : volt (constant)"), reset=reset, parameters=params,
        options={**model.options, "theta": "frozen"})


def _network(settings: STDPSettings, rates: np.ndarray, model: NeuronModel, *, seed: int,
             plastic: bool, weights: np.ndarray | None, theta: np.ndarray | None):
    """Circuit of input, excitatory layer and lateral inhibition.

    Plastic input synapses start from *weights* (n_in, n_exc) or, if None,
    uniformly in ``[0, w_init_max]``; static ones carry *weights*.
    """
    n_in = rates.shape[1]
    source = PoissonSource("inp", n_in, rates * Hz, rate_dt=settings.t_present,
                           record_spikes=False)
    initial = {} if theta is None else {"theta": np.asarray(theta, dtype=np.float64) * volt}
    exc = Population("exc", model, settings.n_exc, initial_values=initial)
    p = model.parameters
    excite = ConductanceSynapse(settings.w_unit, tau=p["tau_e"], E_rev=p["E_e"], channel="e")
    inhibit = ConductanceSynapse(settings.w_inh, tau=p["tau_i"], E_rev=p["E_i"], channel="i")
    if not plastic:
        proj = Projection("inp", "exc", excite, weight_factor=lambda i, j: weights[i, j],
                          name="inp_to_exc")
    elif weights is None:
        w_max = settings.w_init_max
        proj = Projection("inp", "exc", excite, plasticity=settings.rule(),
                          w_init=lambda i, j, rng: rng.uniform(0.0, w_max, len(i)),
                          name="inp_to_exc")
    else:
        proj = Projection("inp", "exc", excite, plasticity=settings.rule(),
                          w_init=lambda i, j, rng: np.clip(weights[i, j], 0.0, 1.0),
                          name="inp_to_exc")
    circuit = lateral_inhibition(exc, inhibit, winner_take_all=True, seed=seed,
                                 name="diehl_cook")
    return circuit.add(source, proj)


class _Presentations:
    """Start of every presentation: normalise the input weights (training), reset the state."""

    def __init__(self, circuit, settings: STDPSettings, plastic: bool, bar=None):
        syn = circuit.synapses["inp_to_exc"]
        exc = circuit.groups["exc"]
        self.settings, self.plastic, self.bar = settings, plastic, bar
        n_in = circuit.size("inp")
        self.index = np.empty((n_in, settings.n_exc), dtype=np.int64)
        self.index[np.asarray(syn.i[:]), np.asarray(syn.j[:])] = np.arange(len(syn))
        model = circuit.model_of("exc")
        self.v_rest = float(to_si(model.parameters["E_L"]))
        self.state = [exc.variables[k].get_value() for k in ("v", "g_e", "g_i")]
        self.w = syn.variables["w_syn"].get_value()
        self.w_max = settings.rule().w_max
        self.w_total = settings.weight_total(n_in)
        self.traces = ([syn.variables[k].get_value() for k in settings.rule().code().traces]
                       if plastic else [])
        self.calls = 0

    def __call__(self):
        if self.plastic:
            w = self.w[self.index]
            sums = w.sum(axis=0)
            w *= np.where(sums > 0, self.w_total / np.maximum(sums, 1e-300), 0.0)
            self.w[self.index] = np.minimum(w, self.w_max)
        v, g_e, g_i = self.state
        v[:] = self.v_rest
        g_e[:] = 0.0
        g_i[:] = 0.0
        for tr in self.traces:
            tr[:] = 0.0
        if self.bar is not None and self.calls > 0:
            self.bar.update(1)
        self.calls += 1

    def weights(self) -> np.ndarray:
        """Current input weights, shape (n_in, n_exc)."""
        return np.array(self.w[self.index], dtype=np.float64)


def run_presentations(settings: STDPSettings, x: np.ndarray, *, model: NeuronModel,
                      seed: int = 0, plastic: bool = True, weights: np.ndarray | None = None,
                      theta: np.ndarray | None = None, rate_scale=1.0,
                      backend: str = "runtime", progress: bool = False,
                      desc: str = "stdp") -> dict:
    """Present the images *x* (N, n_in) in [0, 1] one after the other in one Brian2 run.

    Parameters
    ----------
    settings : STDPSettings
    x : ndarray
        Pixel intensities in [0, 1].
    model : NeuronModel
        Excitatory neuron (:func:`diehl_cook_model`); with ``plastic=False`` its
        thresholds are frozen at *theta* (:func:`frozen_threshold`).
    seed : int
        Seed of the Poisson input and of the initial weights.
    plastic : bool
        STDP, weight normalisation and threshold adaptation on (training) or off
        (labelling, testing: static synapses carrying *weights*).
    weights, theta : ndarray, optional
        Input weights (n_in, n_exc) in [0, 1] and thresholds (V, per neuron) to
        start from (default: uniform random weights, ``theta = 0``); *weights*
        is required with ``plastic=False``.
    rate_scale : float or ndarray, shape (N,)
        Factor on the input rates, per image.
    backend : {'runtime', 'numpy'}

    Returns
    -------
    dict
        ``counts`` (N, n_exc) spikes per presentation, ``weights`` (n_in, n_exc)
        and ``theta`` (V, n_exc) at the end, ``wall_s``.
    """
    check_backend(backend, supported=BACKENDS)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"x has shape {x.shape}; expected (n_images, n_inputs)")
    if np.any(~np.isfinite(x)) or x.min() < 0 or x.max() > 1:
        raise ValueError(f"x has values in [{x.min()}, {x.max()}]; expected pixel intensities "
                         "in [0, 1]")
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (x.shape[1], settings.n_exc):
            raise ValueError(f"weights has shape {weights.shape}; expected "
                             f"({x.shape[1]}, {settings.n_exc})")
    elif not plastic:
        raise ValueError("run_presentations: plastic=False needs the learned weights; got "
                         "weights=None")
    if not plastic:
        model = frozen_threshold(model)
        theta = np.zeros(settings.n_exc) if theta is None else theta
    scale = np.broadcast_to(np.asarray(rate_scale, dtype=np.float64), (len(x),))
    if np.any(~np.isfinite(scale)) or np.any(scale < 0):
        raise ValueError(f"rate_scale={rate_scale!r}: expected finite factors >= 0")
    rates = x * scale[:, None] * float(to_si(settings.input_rate(x.shape[1])))
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(x), desc=desc, unit="img", leave=False)
    target = "numpy" if backend == "numpy" else "auto"
    start = time.perf_counter()
    with active_device(runtime_device), scoped_prefs(codegen__target=target):
        brian2_seed(seed)
        circuit = _network(settings, rates, model, seed=seed, plastic=plastic, weights=weights,
                           theta=theta)
        built = circuit.build_network(settings.dt)
        hook = _Presentations(circuit, settings, plastic, bar)
        built.network.add(NetworkOperation(hook, dt=settings.t_present, when="start",
                                           name="presentation_start"))
        built.network.run(len(x) * settings.t_present, namespace={})
        mon = built.spike_monitors["exc"][0]
        steps = np.round(np.asarray(mon.t_[:]) / float(to_si(settings.dt))).astype(np.int64)
        image = steps // settings.steps_per_image
        counts = np.zeros((len(x), settings.n_exc), dtype=np.int64)
        np.add.at(counts, (image, np.asarray(mon.i[:], dtype=np.int64)), 1)
        w_end = hook.weights() if plastic else weights.copy()
        theta_end = np.array(circuit.groups["exc"].theta_[:], dtype=np.float64)
    if bar is not None:
        bar.update(len(x) - bar.n)
        bar.close()
    return {"counts": counts, "weights": w_end, "theta": theta_end,
            "wall_s": time.perf_counter() - start}


def assign_labels(counts: np.ndarray, y: np.ndarray, n_classes: int | None = None) -> tuple:
    """Label each neuron with the class of its highest mean response (Diehl & Cook 2015).

    Parameters
    ----------
    counts : ndarray, shape (N, n_neurons)
        Spike counts per presentation (plasticity off, thresholds frozen).
    y : ndarray of int, shape (N,)
        Class of each presentation.
    n_classes : int, optional
        Default ``y.max() + 1``.

    Returns
    -------
    labels : ndarray of int, shape (n_neurons,)
        ``argmax_c mean_{k: y_k = c} counts[k, j]``; ties go to the lowest
        class, a neuron that never fires gets label -1.
    mean_response : ndarray, shape (n_classes, n_neurons)
        The mean spike counts per class (0 for a class without samples).
    """
    counts = np.asarray(counts, dtype=np.float64)
    y = np.asarray(y)
    if counts.ndim != 2 or y.shape != (len(counts),):
        raise ValueError(f"counts has shape {counts.shape} and y {y.shape}; expected "
                         "(N, n_neurons) and (N,)")
    if not np.issubdtype(y.dtype, np.integer) or (y.size and y.min() < 0):
        raise ValueError("y: expected non-negative integer class labels")
    n_classes = int(y.max()) + 1 if n_classes is None else int(n_classes)
    if y.size and y.max() >= n_classes:
        raise ValueError(f"y has class {int(y.max())}; expected classes < n_classes={n_classes}")
    sums = np.zeros((n_classes, counts.shape[1]))
    np.add.at(sums, y, counts)
    per_class = np.bincount(y, minlength=n_classes).astype(np.float64)
    mean = sums / np.maximum(per_class, 1.0)[:, None]
    labels = np.argmax(mean, axis=0)
    labels[mean.max(axis=0) <= 0] = -1
    return labels, mean


def classify(counts: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Class whose labelled neurons have the highest mean spike count, per presentation.

    Classes without labelled neurons never win; an image that evokes no spike
    gets the lowest class among those with labelled neurons (a guess, counted
    as such in the accuracy).
    """
    counts = np.asarray(counts, dtype=np.float64)
    labels = np.asarray(labels)
    if counts.ndim != 2 or labels.shape != (counts.shape[1],):
        raise ValueError(f"counts has shape {counts.shape} and labels {labels.shape}; expected "
                         "(N, n_neurons) and (n_neurons,)")
    scores = np.full((len(counts), n_classes), -np.inf)
    for c in range(n_classes):
        members = labels == c
        if members.any():
            scores[:, c] = counts[:, members].mean(axis=1)
    if not np.isfinite(scores).any(axis=1).all():
        raise ValueError("classify: no neuron has a label; expected at least one labelled neuron")
    return np.argmax(scores, axis=1)


def respond(settings: STDPSettings, x: np.ndarray, *, model: NeuronModel, weights: np.ndarray,
            theta: np.ndarray, seed: int = 0, backend: str = "runtime",
            progress: bool = False, desc: str = "stdp") -> np.ndarray:
    """Spike counts (N, n_exc) of the frozen network, with the paper's re-presentation rule.

    Images that evoke fewer than ``settings.min_spikes`` spikes are presented
    again with rates ``(2 + k)/2`` times higher on the k-th repeat (Diehl & Cook
    2015: input intensity 2, raised by 1), at most ``settings.max_boosts`` times;
    the last presentation's counts are kept.
    """
    frozen = dict(model=model, plastic=False, weights=weights, theta=theta, backend=backend)
    counts = run_presentations(settings, x, seed=seed, progress=progress, desc=desc,
                               **frozen)["counts"]
    for k in range(1, settings.max_boosts + 1):
        weak = np.flatnonzero(counts.sum(axis=1) < settings.min_spikes)
        if weak.size == 0:
            break
        counts[weak] = run_presentations(settings, x[weak], seed=seed + 7919 * k,
                                         rate_scale=(2 + k) / 2, **frozen)["counts"]
    return counts


#: Settings of ``quick=True`` (a smoke test well under a minute).
QUICK = dict(n_exc=20, t_present=40 * ms, epochs=1)
QUICK_SAMPLES = (100, 40, 80)   # train, val, test images


def _subset(ds: Dataset, n: int | None) -> Dataset:
    return ds if n is None or n >= len(ds) else Dataset(ds.x[:n], ds.y[:n])


def _accuracy(pred, y) -> float:
    return float(np.mean(np.asarray(pred) == np.asarray(y))) if len(y) else float("nan")


def train_stdp(*, encoding: str = "rate", model: str = "LIF", seed: int = 0,
               backend: str = "runtime", epochs: int | None = None, quick: bool = False,
               out_dir=None, progress: bool = False, data=None, **options) -> dict:
    """Train the Diehl & Cook (2015) network without labels; label neurons; test.

    Parameters
    ----------
    encoding : {'rate'}
        Poisson rate code (``rate_max * x`` per pixel); others raise a ``ValueError``.
    model : {'LIF', 'AdaptiveLIF'}
        Both: the conductance-based LIF with adaptive threshold (:func:`diehl_cook_model`).
    seed : int
        Seed of the initial weights, of the presentation order and of the
        Poisson input; the same seed gives the same result.
    backend : {'runtime', 'numpy'}
        Brian2 runtime (Cython, or numpy code generation); the per-presentation
        weight normalisation is a Python ``NetworkOperation``, which the
        standalone backends cannot run.
    epochs : int, optional
        Passes over the training set (default ``settings.epochs``).
    quick : bool
        20 neurons, 40 ms presentations, 100 / 40 / 80 train / val / test images.
    out_dir : path, optional
        Where to write ``metrics.json`` (atomically).
    progress : bool
        tqdm bars over the presentations.
    data : (Dataset, Dataset, Dataset), optional
        Train / validation / test splits (default :func:`load_digits_split`);
        pixel intensities in [0, 1].
    **options
        Fields of :class:`STDPSettings`, and ``n_label`` (training images used
        for labelling, default all).

    Returns
    -------
    dict
        ``method`` ('stdp'), ``test_accuracy``, ``val_accuracy``,
        ``train_accuracy`` (the labelling pass), ``wall_s``,
        ``train_samples_per_s``, ``seed``, ``config``, ``history`` (one dict per
        epoch), ``receptive_fields`` (n_exc, n_in) learned weights in [0, 1],
        ``labels`` (n_exc,), ``theta`` (V, n_exc), ``image_shape``.

    Notes
    -----
    The test split is only scored, never used for a choice.  See the module
    docstring for the network and the differences from the paper.
    """
    from ..files import write_json

    start = time.perf_counter()
    if encoding not in ENCODINGS:
        raise ValueError(f"method 'stdp': encoding={encoding!r} is not supported; expected one "
                         f"of {list(ENCODINGS)} (Poisson rate code)")
    check_backend(backend, supported=BACKENDS)
    if isinstance(seed, bool) or int(seed) != seed:
        raise ValueError(f"seed={seed!r}: expected an integer")
    seed = int(seed)
    n_label = options.pop("n_label", None)
    fields = {f.name for f in dataclasses.fields(STDPSettings)}
    unknown = sorted(set(options) - fields)
    if unknown:
        raise ValueError(f"method 'stdp': unknown option(s) {unknown}; expected fields of "
                         f"STDPSettings {sorted(fields)} or 'n_label'")
    settings = STDPSettings(**{**(QUICK if quick else {}), **options,
                               **({} if epochs is None else {"epochs": epochs})})
    neuron = diehl_cook_model(model, Delta_th=settings.Delta_th)
    train, val, test = load_digits_split() if data is None else data
    if quick:
        train, val, test = (_subset(d, n) for d, n in zip((train, val, test), QUICK_SAMPLES))
    n_classes = int(max(train.y.max(), val.y.max(), test.y.max())) + 1
    rng = np.random.default_rng([seed, 12])
    history, weights, theta, train_time = [], None, None, 0.0
    for epoch in range(settings.epochs):
        order = rng.permutation(len(train))
        res = run_presentations(settings, train.x[order], model=neuron, seed=seed + 1000 * epoch,
                                weights=weights, theta=theta, backend=backend,
                                progress=progress,
                                desc=f"stdp epoch {epoch + 1}/{settings.epochs}")
        change = None if weights is None else float(np.abs(res["weights"] - weights).mean())
        weights, theta = res["weights"], res["theta"]
        train_time += res["wall_s"]
        history.append({"epoch": epoch + 1, "time_s": res["wall_s"],
                        "samples_per_s": len(train) / max(res["wall_s"], 1e-12),
                        "spikes_per_image": float(res["counts"].sum(axis=1).mean()),
                        "silent_images": int((res["counts"].sum(axis=1) == 0).sum()),
                        "theta_mean_mV": float(theta.mean() * 1e3),
                        "theta_max_mV": float(theta.max() * 1e3),
                        "mean_abs_weight_change": change})
    frozen = dict(model=neuron, weights=weights, theta=theta, backend=backend,
                  progress=progress)
    label_set = _subset(train, n_label)
    label_counts = respond(settings, label_set.x, seed=seed + 7, desc="stdp labels", **frozen)
    labels, mean_response = assign_labels(label_counts, label_set.y, n_classes)
    if np.all(labels < 0):
        raise ValueError(f"method 'stdp': no excitatory neuron fired while labelling; the input "
                         f"is too weak (rate_max={settings.input_rate(train.x.shape[1])!r}, "
                         f"w_unit={settings.w_unit!r}): expected larger values")
    scores = {}
    for name, ds, salt in (("val", val, 8), ("test", test, 9)):
        counts = respond(settings, ds.x, seed=seed + salt, desc=f"stdp {name}", **frozen)
        scores[name] = _accuracy(classify(counts, labels, n_classes), ds.y)
    train_acc = _accuracy(classify(label_counts, labels, n_classes), label_set.y)
    history[-1].update(val_accuracy=scores["val"], train_accuracy=train_acc)
    side = int(round(np.sqrt(train.x.shape[1])))
    shape = [side, side] if side * side == train.x.shape[1] else [train.x.shape[1]]
    n_in = train.x.shape[1]
    config = {**settings.as_dict(), "rate_max_Hz": float(settings.input_rate(n_in) / Hz),
              "w_total": settings.weight_total(n_in), "encoding": encoding, "model": model,
              "backend": backend,
              "quick": quick, "n_train": len(train), "n_val": len(val), "n_test": len(test),
              "n_label": len(label_set), "rule": settings.rule().label,
              "neuron": neuron.options.get("preset")}
    result = {"method": "stdp", "test_accuracy": scores["test"], "val_accuracy": scores["val"],
              "train_accuracy": train_acc, "wall_s": time.perf_counter() - start,
              "train_samples_per_s": settings.epochs * len(train) / max(train_time, 1e-12),
              "seed": seed, "config": config, "history": history,
              "receptive_fields": weights.T.copy(), "labels": labels, "theta": theta,
              "mean_response": mean_response, "image_shape": shape,
              "neurons_per_class": np.bincount(labels[labels >= 0], minlength=n_classes)}
    if out_dir is not None:
        from pathlib import Path
        write_json(Path(out_dir) / "metrics.json", result)
    return result

