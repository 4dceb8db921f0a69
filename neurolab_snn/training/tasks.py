r"""Training tasks: data, spike encoding, read-out loss and decision (layer L4).

A task holds train / validation / test splits and knows how to turn a
minibatch into input spikes (``encode``), how to score the network's output
(``loss``: value plus :math:`\partial L/\partial s` and :math:`\partial L/\partial x`
for the adjoint) and how to decide (``predict``).

* :class:`DigitsTask`: scikit-learn's 8x8 digits (1797 images; Alpaydin &
  Kaynak 1998, UCI), rate-coded with a spike-count cross-entropy
  (snnTorch ``ce_count_loss``) or latency-coded with a first-spike-time
  cross-entropy (snnTorch ``ce_temporal_loss``; Mostafa 2018), optionally with
  ON/OFF input channels.
* :class:`DMSTask`: delayed match-to-sample (Masse et al. 2019, Nat. Neurosci.
  22:1159; BrainPy, Wang et al. 2024, ICLR, sec. 5.3): fixation 500 ms, sample
  500 ms, delay 1000 ms, test 500 ms; 100 direction-tuned Poisson inputs over
  8 directions; the answer (match / non-match) is read from two leaky
  integrators during the test period.
* :func:`load_mnist_idx` / :func:`write_idx`: the IDX file format of MNIST
  (LeCun et al. 1998) for users who have the files.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..coding import latency, poisson, rate
from ..files import atomic_path
from ..units import Hz, Quantity, check_quantity, mV, ms, second, to_si
from .adjoint import first_spike_times, first_spike_vjp
from .losses import CECount, CERate, CETemporal

__all__ = ["Dataset", "DigitsTask", "DMSTask", "load_digits_split", "load_mnist_idx",
           "load_mnist_split", "write_idx", "split_indices", "MNIST_FILES"]


@dataclass(frozen=True)
class Dataset:
    """Samples ``x`` (N, ...) and integer labels ``y`` (N,)."""

    x: np.ndarray
    y: np.ndarray

    def __post_init__(self):
        if len(self.x) != len(self.y):
            raise ValueError(f"Dataset: {len(self.x)} samples but {len(self.y)} labels")

    def __len__(self):
        return len(self.y)


def split_indices(n: int, fractions, seed: int) -> list[np.ndarray]:
    """Shuffle ``range(n)`` with *seed* and cut it into parts of the given *fractions*."""
    order = np.random.default_rng(seed).permutation(n)
    cuts = np.cumsum([int(round(f * n)) for f in fractions])[:-1]
    return np.split(order, cuts)


def load_digits_split(test_fraction: float = 0.25, val_fraction: float = 0.1,
                      seed: int = 0) -> tuple[Dataset, Dataset, Dataset]:
    """scikit-learn's digits, intensities scaled to [0, 1], split into train / val / test.

    The test split depends only on *seed* (default 0) and is never used for
    training or model selection.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:  # pragma: no cover - scikit-learn is in install_requires
        raise RuntimeError("the digits task needs scikit-learn (pip install scikit-learn)") \
            from err
    digits = load_digits()
    x = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    train_f = 1.0 - test_fraction - val_fraction
    tr, va, te = split_indices(len(y), (train_f, val_fraction, test_fraction), seed)
    return Dataset(x[tr], y[tr]), Dataset(x[va], y[va]), Dataset(x[te], y[te])


# ----------------------------------------------------------------------------- MNIST IDX
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _read_idx(path) -> np.ndarray:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"IDX file {str(path)!r} does not exist")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError(f"{str(path)!r} is not an IDX file (bad magic number)")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * k: 8 + 4 * k], "big") for k in range(ndim))
    dtype = np.dtype(_IDX_TYPES[data[2]])
    body = data[4 + 4 * ndim:]
    if len(body) != int(np.prod(shape)) * dtype.itemsize:
        raise ValueError(f"{str(path)!r}: header promises shape {shape} but the file holds "
                         f"{len(body)} bytes of data")
    return np.frombuffer(body, dtype=dtype).reshape(shape)


def load_mnist_idx(images, labels) -> Dataset:
    """Read MNIST-style IDX files (optionally ``.gz``): images (N, rows*cols) in [0, 1], labels."""
    x = _read_idx(images)
    y = _read_idx(labels)
    if x.ndim < 2 or y.ndim != 1 or len(x) != len(y):
        raise ValueError(f"IDX images of shape {x.shape} and labels of shape {y.shape}: expected "
                         "(N, rows, cols) and (N,)")
    x = x.reshape(len(x), -1).astype(np.float64)
    return Dataset(x / 255.0 if x.max() > 1 else x, y.astype(np.int64))


def write_idx(path, array) -> Path:
    """Write *array* (uint8 or int32/float) as an IDX file, e.g. to make small test files."""
    arr = np.asarray(array)
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i4"): 0x0C,
             np.dtype(">f8"): 0x0E}
    if arr.dtype not in codes:
        arr = arr.astype(">f8") if arr.dtype.kind == "f" else arr.astype(">i4")
    header = bytes([0, 0, codes[arr.dtype], arr.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in arr.shape)
    with atomic_path(path) as tmp:
        opener = gzip.open if Path(path).suffix == ".gz" else open
        with opener(tmp, "wb") as fh:
            fh.write(header + arr.tobytes())
    return Path(path)


#: File names of the MNIST distribution (LeCun et al. 1998), optionally with ``.gz``.
MNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _find_idx(directory: Path, name: str) -> Path:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"MNIST directory {str(directory)!r} has no {name!r} (or .gz); "
                            f"expected the four files {sorted(sum(MNIST_FILES.values(), ()))}")


def load_mnist_split(directory, *, val_fraction: float = 0.1, seed: int = 0,
                     limit: int | None = None) -> tuple[Dataset, Dataset, Dataset]:
    """MNIST from the four IDX files in *directory* as (train, val, test) Datasets.

    The test split is the ``t10k`` files; the validation split is a random
    *val_fraction* of the training files (drawn with *seed*).  *limit*: at most
    that many training + validation samples and that many test samples (e.g. for a
    short run on a CPU).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"MNIST directory {str(directory)!r} does not exist")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction={val_fraction!r}; expected 0 < val_fraction < 1")
    train = load_mnist_idx(*(_find_idx(directory, n) for n in MNIST_FILES["train"]))
    test = load_mnist_idx(*(_find_idx(directory, n) for n in MNIST_FILES["test"]))
    if limit is not None:
        if int(limit) != limit or limit < 2:
            raise ValueError(f"limit={limit!r}; expected an integer >= 2")
        train = Dataset(train.x[:limit], train.y[:limit])
        test = Dataset(test.x[:limit], test.y[:limit])
    tr, va = split_indices(len(train), (1.0 - val_fraction, val_fraction), seed)
    if len(va) == 0 or len(tr) == 0:
        raise ValueError(f"{len(train)} training samples cannot be split with "
                         f"val_fraction={val_fraction}")
    return Dataset(train.x[tr], train.y[tr]), Dataset(train.x[va], train.y[va]), test


# ----------------------------------------------------------------------------- digits
@dataclass
class DigitsTask:
    """Digit classification with one output neuron per class.

    Parameters
    ----------
    encoding : {'rate', 'latency'}
        Rate: Bernoulli spikes with p = gain * intensity per step, loss
        :class:`~neurolab_snn.training.losses.CECount`; latency: one spike per
        pixel above 0.01 at :math:`t = (1 - x)\\,(T-1)\\,dt` (snnTorch's linear,
        normalised latency code), loss :class:`~neurolab_snn.training.losses.CETemporal` on the output
        first-spike times.
    on_off : bool
        Latency code only: add an OFF channel per pixel, the latency code of
        :math:`1 - x` (inputs ``[ON_0..ON_63, OFF_0..OFF_63]``, ``n_inputs`` 128),
        as the ON and OFF cells of the retina (Kuffler 1953).  Without it, dark
        pixels never spike and the network sees the background only as silence;
        with it the background fires first.
    n_steps : int
        Time steps per sample.
    dt : Quantity
    gain : float
        Rate code: spike probability per step of a full-intensity pixel.
    time_scale : Quantity
        Temporal loss: logits ``-t / time_scale``.
    data : (train, val, test) Datasets, optional
        Default: :func:`load_digits_split` with *split_seed*.
    """

    encoding: str = "rate"
    n_steps: int = 25
    dt: Quantity = field(default_factory=lambda: 1 * ms)
    gain: float = 0.5
    time_scale: Quantity = field(default_factory=lambda: 2 * ms)
    split_seed: int = 0
    data: tuple | None = None
    on_off: bool = False

    def __post_init__(self):
        if self.encoding not in ("rate", "latency"):
            raise ValueError(f"encoding={self.encoding!r}; expected 'rate' or 'latency'")
        if self.on_off and self.encoding != "latency":
            raise ValueError(f"on_off=True with encoding={self.encoding!r}; ON/OFF channels "
                             "are an option of encoding='latency'")
        check_quantity("dt", self.dt, second, positive=True)
        self.train, self.val, self.test = self.data or load_digits_split(seed=self.split_seed)
        self.n_inputs = self.train.x.shape[1] * (2 if self.on_off else 1)
        self.n_classes = int(max(self.train.y.max(), self.test.y.max()) + 1)
        self._dt = float(to_si(self.dt))

    @property
    def name(self) -> str:
        return f"digits-{self.encoding}"

    def encode(self, x, rng) -> np.ndarray:
        if self.encoding == "rate":
            return rate(x, self.n_steps, rng=rng, gain=self.gain)
        code = [latency(v, self.n_steps, dt=self.dt, threshold=0.01, clip=True, linear=True,
                        normalize=True) for v in ((x, 1.0 - x) if self.on_off else (x,))]
        return np.concatenate(code, axis=-1)

    def loss(self, trace, y, output: str):
        s = trace.spikes[output]
        if self.encoding == "rate":
            value, g = CECount().value_and_grad(s, y)
            return value, {output: g}, {}
        times = first_spike_times(s, self._dt)
        value, gt = CETemporal(time_scale=self.time_scale).value_and_grad(times * second, y)
        return value, {output: first_spike_vjp(s, self._dt, gt)}, {}

    def predict(self, trace, output: str) -> np.ndarray:
        s = trace.spikes[output]
        if self.encoding == "rate":
            counts = s.sum(axis=1)
            # ties broken by the membrane potential at the end of the window
            v = trace.states[output]["v"][:, -1]
            return np.argmax(counts + 1e-3 * np.tanh(v - v.min(axis=1, keepdims=True)), axis=1)
        # earliest first spike; ties (and silent outputs) go to the highest peak potential
        times = first_spike_times(s, self._dt)
        v = trace.states[output]["v"][:, 1:].max(axis=1)
        span = v.max(axis=1, keepdims=True) - v.min(axis=1, keepdims=True) + 1e-30
        return np.argmin(times - 0.5 * self._dt * (v - v.min(axis=1, keepdims=True)) / span,
                         axis=1)


# ----------------------------------------------------------------------------- DMS
@dataclass
class DMSTask:
    """Delayed match-to-sample with direction-tuned Poisson inputs.

    Each trial draws a sample direction and, with probability 1/2, the same
    test direction (match) or one of the 7 others (non-match).  Input neuron
    ``i`` prefers direction :math:`\\phi_i = 2\\pi i/n`; during sample and test
    it fires at :math:`r_0 + r_{\\max}\\exp(\\kappa(\\cos(\\theta - \\phi_i) - 1))`, otherwise
    at :math:`r_0`.  The label is 1 for match, 0 for non-match.  The logits are the
    read-out potentials ``(v - E_L)/v_scale`` during the test period; with
    ``loss_mode='mean'`` (default) the loss is the cross-entropy of their time
    average (the decision variable of ``predict``), with ``'step'`` the
    cross-entropy at every test step, averaged (per-step logits of a
    leaky read-out of sparse spikes are noisy, and that loss keeps the read-out
    weights small).

    Parameters (times are Quantities): ``t_fixation``, ``t_sample``, ``t_delay``, ``t_test``
    (500, 500, 1000, 500 ms), ``dt``, ``n_inputs`` (100), ``n_directions`` (8),
    ``rate_max`` (40 Hz), ``rate_base`` (2 Hz), ``kappa`` (2), trial counts
    ``n_train``, ``n_val``, ``n_test``, a ``split_seed`` (trials are drawn
    deterministically from it) and ``loss_mode``.
    """

    t_fixation: Quantity = field(default_factory=lambda: 500 * ms)
    t_sample: Quantity = field(default_factory=lambda: 500 * ms)
    t_delay: Quantity = field(default_factory=lambda: 1000 * ms)
    t_test: Quantity = field(default_factory=lambda: 500 * ms)
    dt: Quantity = field(default_factory=lambda: 1 * ms)
    n_inputs: int = 100
    n_directions: int = 8
    rate_max: Quantity = field(default_factory=lambda: 40 * Hz)
    rate_base: Quantity = field(default_factory=lambda: 2 * Hz)
    kappa: float = 2.0
    v_scale: Quantity = field(default_factory=lambda: 1 * mV)
    n_train: int = 2048
    n_val: int = 256
    n_test: int = 512
    split_seed: int = 0
    loss_mode: str = "mean"

    def __post_init__(self):
        if self.loss_mode not in ("mean", "step"):
            raise ValueError(f"loss_mode={self.loss_mode!r}; expected 'mean' or 'step'")
        dt = float(to_si(check_quantity("dt", self.dt, second, positive=True)))
        steps = [int(round(float(to_si(check_quantity(f"t_{k}", getattr(self, f"t_{k}"), second,
                                                       positive=True))) / dt))
                 for k in ("fixation", "sample", "delay", "test")]
        self.periods = dict(zip(("fixation", "sample", "delay", "test"), np.cumsum([0] + steps)))
        self.n_steps = int(sum(steps))
        self._dt = dt
        self.n_classes = 2
        rng = np.random.default_rng([self.split_seed, 7])
        self.train = self._trials(self.n_train, rng)
        self.val = self._trials(self.n_val, rng)
        self.test = self._trials(self.n_test, rng)

    name = "dms"

    def _trials(self, n: int, rng) -> Dataset:
        sample = rng.integers(0, self.n_directions, n)
        match = rng.random(n) < 0.5
        other = (sample + rng.integers(1, self.n_directions, n)) % self.n_directions
        test = np.where(match, sample, other)
        return Dataset(np.stack([sample, test], axis=1), match.astype(np.int64))

    def rates(self, x) -> np.ndarray:
        """Input rates in Hz, shape (B, T, n_inputs), for trials ``x = [[sample, test], ...]``."""
        x = np.asarray(x)
        pref = 2 * np.pi * np.arange(self.n_inputs) / self.n_inputs
        theta = 2 * np.pi * x / self.n_directions                          # (B, 2)
        tuned = float(to_si(self.rate_max)) * np.exp(
            self.kappa * (np.cos(theta[:, :, None] - pref[None, None, :]) - 1))  # (B, 2, n)
        r = np.full((len(x), self.n_steps, self.n_inputs), float(to_si(self.rate_base)))
        p = self.periods
        r[:, p["sample"]:p["delay"]] += tuned[:, 0][:, None, :]
        r[:, p["test"]:] += tuned[:, 1][:, None, :]
        return r

    def encode(self, x, rng) -> np.ndarray:
        return poisson(self.rates(x) * Hz, dt=self.dt, rng=rng)

    def _logits(self, trace, output):
        v = trace.states[output]["v"]                     # x_0 (constant rest) .. x_T
        return (v[:, 1 + self.periods["test"]:] - v[:, :1]) / float(to_si(self.v_scale))

    def loss(self, trace, y, output: str):
        z = self._logits(trace, output)
        if self.loss_mode == "mean":      # CE of the time-averaged logits (CECount of z / T)
            value, g = CECount().value_and_grad(z / z.shape[1], y)
            g = g / z.shape[1]
        else:                             # CE at every step, averaged (CERate)
            value, g = CERate().value_and_grad(z, y)
        full = np.zeros(trace.states[output]["v"][:, 1:].shape)
        full[:, self.periods["test"]:] = g / float(to_si(self.v_scale))
        return value, {}, {output: {"v": full}}

    def predict(self, trace, output: str) -> np.ndarray:
        return np.argmax(self._logits(trace, output).mean(axis=1), axis=1)
