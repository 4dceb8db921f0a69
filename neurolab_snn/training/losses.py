r"""Spike-based losses with analytic gradients (layer L4).

Style: every loss is a small frozen dataclass holding its hyper-parameters,
with one method that does the work,

    ``value, grad = loss.value_and_grad(output, targets)``

returning a Python ``float`` and a float64 ``ndarray`` of the shape of
``output``: the gradient of the loss with respect to what the network emits
(spike arrays, first-spike times or membrane traces), in SI units (per second
for times, per volt for membrane potentials).  ``loss(output, targets)``
returns the value alone.  The regularisers take no targets:
``value, grad = reg.value_and_grad(spikes)``.  Batch dimension first; time next for arrays:
``(batch, time, neuron)``.  Losses are averaged over the batch unless stated
(the regularisers sum, as snnTorch's do).  Each gradient is checked against
central finite differences in float64 (tests/training/test_losses.py).

Names follow snnTorch ``snntorch.functional`` (Eshraghian et al. 2023, Proc.
IEEE 111:1016): ``ce_rate_loss``, ``ce_count_loss``, ``mse_count_loss``,
``ce_temporal_loss``, ``mse_temporal_loss``, ``ce_max_membrane_loss`` and
``l1_rate_sparsity`` are aliases of the classes below, with the same
semantics except the layout (snnTorch: time first) and physical units.

Spike arrays enter as real numbers, so the gradients are those a surrogate
or adjoint method needs (:math:`\partial L/\partial s_{bti}`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurolab_snn.units import Quantity, check_quantity, is_quantity, mV, ms, second, to_si

__all__ = ["CERate", "CECount", "MSECount", "CETemporal", "MSETemporal", "CEMaxMembrane",
           "VanRossum", "L1Rate", "L2Rate",
           "ce_rate_loss", "ce_count_loss", "mse_count_loss", "ce_temporal_loss",
           "mse_temporal_loss", "ce_max_membrane_loss", "l1_rate_sparsity"]


# ----------------------------------------------------------------------------- helpers
def _array(name: str, value, ndim: int, unit=None) -> np.ndarray:
    """A finite float64 array of *ndim* dimensions (SI magnitudes if *unit* is given)."""
    if unit is not None:
        value = to_si(check_quantity(name, value, unit, finite=False))
    elif is_quantity(value):
        value = check_quantity(name, value, 1, finite=False)
    arr = np.array(value, dtype=np.float64, ndmin=0)
    if arr.ndim != ndim:
        axes = {2: "(batch, neuron)", 3: "(batch, time, neuron)"}[ndim]
        raise ValueError(f"parameter {name!r}: got shape {arr.shape}; expected {ndim} "
                         f"dimensions {axes}")
    if arr.size == 0:
        axes = {2: "(batch, neuron)", 3: "(batch, time, neuron)"}[ndim]
        raise ValueError(f"parameter {name!r}: got an empty array of shape {arr.shape}; "
                         f"expected at least one entry on every axis {axes}")
    if not np.all(np.isfinite(arr)):
        i = tuple(int(k) for k in np.argwhere(~np.isfinite(arr))[0])
        hint = " (set a finite no_spike time in first_spike_times)" if unit is second else ""
        raise ValueError(f"parameter {name!r}: got {arr[i]} at index {i}; expected finite "
                         f"values{hint}")
    return arr


def _labels(targets, batch: int, n_classes: int) -> np.ndarray:
    y = np.asarray(targets)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"parameter 'targets': got dtype {y.dtype}; expected integer class labels")
    if y.shape != (batch,):
        raise ValueError(f"parameter 'targets': got shape {y.shape}; expected ({batch},), one "
                         f"label per batch element")
    if ((y < 0) | (y >= n_classes)).any():
        bad = int(y[(y < 0) | (y >= n_classes)][0])
        raise ValueError(f"parameter 'targets': got label {bad}; expected 0 <= label < "
                         f"{n_classes} (the number of output neurons)")
    return y.astype(np.int64)


def _onehot(y: np.ndarray, n: int) -> np.ndarray:
    return np.eye(n)[y]


def _ce(logits: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row cross-entropy ``-log softmax(z)[y]`` and its gradient ``softmax(z) - onehot``."""
    z = logits - logits.max(axis=-1, keepdims=True)
    logsum = np.log(np.exp(z).sum(axis=-1, keepdims=True))
    logp = z - logsum
    onehot = _onehot(y, logits.shape[-1])
    if logits.ndim == 3:
        onehot = onehot[:, None, :]
    return -(logp * onehot).sum(axis=-1), np.exp(logp) - onehot


def _rate(name: str, value) -> float:
    if isinstance(value, bool) or not np.isscalar(value) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"parameter {name!r}: got {value!r}; expected a firing probability per "
                         f"step in [0, 1]")
    return float(value)


def _positive_time(name: str, value) -> float:
    q = check_quantity(name, value, second, positive=True)
    return float(to_si(q))


class _Loss:
    def __call__(self, output, targets) -> float:
        return self.value_and_grad(output, targets)[0]


class _Regulariser:
    def __post_init__(self):
        if isinstance(self.strength, bool) or not np.isscalar(self.strength) \
                or not float(self.strength) >= 0:
            raise ValueError(f"parameter 'strength': got {self.strength!r}; expected a number >= 0")

    def __call__(self, spikes) -> float:
        return self.value_and_grad(spikes)[0]


# ----------------------------------------------------------------------------- rate losses
@dataclass(frozen=True)
class CERate(_Loss):
    r"""Cross-entropy at every time step, averaged over steps (snnTorch ``ce_rate_loss``).

    .. math:: L = \frac{1}{BT}\sum_{b,t} -\log \mathrm{softmax}(s_{bt})_{y_b},
              \qquad \frac{\partial L}{\partial s_{btc}} = \frac{\mathrm{softmax}(s_{bt})_c - [c = y_b]}{BT}

    ``value_and_grad(spikes, targets)``: spikes (or membrane values) of shape
    (B, T, C), targets int (B,); gradient (B, T, C).
    """

    def value_and_grad(self, spikes, targets):
        s = _array("spikes", spikes, 3)
        y = _labels(targets, s.shape[0], s.shape[2])
        ce, g = _ce(s, y)
        return float(ce.mean()), g / (s.shape[0] * s.shape[1])


@dataclass(frozen=True)
class CECount(_Loss):
    r"""Cross-entropy of the spike counts (snnTorch ``ce_count_loss``).

    .. math:: n_{bc} = \sum_t s_{btc}, \quad L = \frac1B\sum_b -\log\mathrm{softmax}(n_b)_{y_b},
              \quad \frac{\partial L}{\partial s_{btc}} = \frac{\mathrm{softmax}(n_b)_c - [c = y_b]}{B}

    ``value_and_grad(spikes, targets)``: spikes (B, T, C), targets int (B,);
    gradient (B, T, C), equal across time steps.
    """

    def value_and_grad(self, spikes, targets):
        s = _array("spikes", spikes, 3)
        y = _labels(targets, s.shape[0], s.shape[2])
        ce, g = _ce(s.sum(axis=1), y)
        return float(ce.mean()), np.repeat(g[:, None, :] / s.shape[0], s.shape[1], axis=1)


@dataclass(frozen=True)
class MSECount(_Loss):
    r"""Mean squared error of spike counts against target rates (snnTorch ``mse_count_loss``).

    Target counts :math:`n^*_{bc} = \lfloor T\,\rho_{bc} \rfloor` with
    :math:`\rho` = ``correct_rate`` for the target class and
    ``incorrect_rate`` otherwise (fractions of steps with a spike, truncated
    as snnTorch does; after Shrestha & Orchard 2018, SLAYER):

    .. math:: L = \frac{1}{T}\,\frac{1}{BC}\sum_{b,c}(n_{bc} - n^*_{bc})^2, \qquad
              \frac{\partial L}{\partial s_{btc}} = \frac{2(n_{bc} - n^*_{bc})}{TBC}

    ``value_and_grad(spikes, targets)``: spikes (B, T, C), targets int (B,).
    """

    correct_rate: float = 1.0
    incorrect_rate: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "correct_rate", _rate("correct_rate", self.correct_rate))
        object.__setattr__(self, "incorrect_rate", _rate("incorrect_rate", self.incorrect_rate))

    def target_counts(self, targets, num_steps: int, n_classes: int) -> np.ndarray:
        """Target spike counts :math:`n^*`, shape (B, C)."""
        y = np.asarray(targets)
        on = np.floor(num_steps * self.correct_rate + 1e-9)
        off = np.floor(num_steps * self.incorrect_rate + 1e-9)
        return np.where(_onehot(y, n_classes) > 0, on, off)

    def value_and_grad(self, spikes, targets):
        s = _array("spikes", spikes, 3)
        b, t, c = s.shape
        y = _labels(targets, b, c)
        diff = s.sum(axis=1) - self.target_counts(y, t, c)
        value = float((diff ** 2).mean() / t)
        return value, np.repeat(2 * diff[:, None, :] / (t * b * c), t, axis=1)


# ----------------------------------------------------------------------------- temporal losses
@dataclass(frozen=True)
class CETemporal(_Loss):
    r"""Cross-entropy on first-spike times: earlier is more likely (snnTorch ``ce_temporal_loss``).

    Logits from the first-spike times :math:`t_{bc}` and a time scale :math:`\tau`:
    ``inverse="negate"``: :math:`z = -t/\tau` (softmax over negative spike
    times, Comsa et al. 2020, ICASSP; Mostafa 2018, IEEE TNNLS 29:3227 uses the
    same form on exponentiated times); ``"reciprocal"``: :math:`z = \tau/(t + \tau)`.

    .. math:: L = \frac1B\sum_b -\log\mathrm{softmax}(z_b)_{y_b}, \qquad
              \frac{\partial L}{\partial t_{bc}} = \frac{\mathrm{softmax}(z_b)_c - [c = y_b]}{B}\,
              \frac{\partial z_{bc}}{\partial t_{bc}}

    snnTorch counts time in steps: ``time_scale = dt`` reproduces it.
    ``value_and_grad(times, targets)``: times Quantity (B, C) (finite: give
    silent neurons a time, see ``first_spike_times(no_spike=...)``),
    targets int (B,); gradient in 1/s, shape (B, C).
    """

    time_scale: Quantity
    inverse: str = "negate"

    def __post_init__(self):
        _positive_time("time_scale", self.time_scale)
        if self.inverse not in ("negate", "reciprocal"):
            raise ValueError(f"parameter 'inverse': got {self.inverse!r}; expected 'negate' or "
                             f"'reciprocal'")

    def value_and_grad(self, times, targets):
        t = _array("times", times, 2, unit=second)
        y = _labels(targets, *t.shape)
        tau = _positive_time("time_scale", self.time_scale)
        if self.inverse == "negate":
            z, dz = -t / tau, np.full(t.shape, -1.0 / tau)
        else:
            if (t <= -tau).any():
                raise ValueError("parameter 'times': got a time <= -time_scale; expected "
                                 "t > -time_scale for inverse='reciprocal'")
            z, dz = tau / (t + tau), -tau / (t + tau) ** 2
        ce, g = _ce(z, y)
        return float(ce.mean()), g * dz / t.shape[0]


@dataclass(frozen=True)
class MSETemporal(_Loss):
    r"""Mean squared error of first-spike times against target times (snnTorch ``mse_temporal_loss``).

    Targets: ``on_target`` for the correct class and ``off_target`` for the
    others (class labels), or explicit target times (a Quantity (B, C),
    snnTorch ``target_is_time=True``).  Residuals within ``tolerance`` count
    as zero; times are scaled by the window ``duration`` :math:`D`
    (snnTorch divides step counts by ``num_steps``):

    .. math:: r_{bc} = (t_{bc} - t^*_{bc})\,[|t_{bc} - t^*_{bc}| \ge \mathrm{tol}], \qquad
              L = \frac{1}{BC}\sum_{b,c}\frac{r_{bc}^2}{D^2}, \qquad
              \frac{\partial L}{\partial t_{bc}} = \frac{2 r_{bc}}{BCD^2}

    Default ``off_target`` is the window end :math:`D` (snnTorch: the last step).
    ``value_and_grad(times, targets)``: times Quantity (B, C); gradient 1/s, (B, C).
    """

    duration: Quantity
    on_target: Quantity = field(default_factory=lambda: 0 * ms)
    off_target: Quantity | None = None
    tolerance: Quantity = field(default_factory=lambda: 0 * ms)

    def __post_init__(self):
        _positive_time("duration", self.duration)
        check_quantity("on_target", self.on_target, second)
        if self.off_target is not None:
            check_quantity("off_target", self.off_target, second)
        check_quantity("tolerance", self.tolerance, second, nonnegative=True)

    def target_times(self, targets, shape) -> np.ndarray:
        """Target times in seconds, shape (B, C), from labels or explicit times."""
        if is_quantity(targets):
            tt = _array("targets", targets, 2, unit=second)
            if tt.shape != tuple(shape):
                raise ValueError(f"parameter 'targets': got target times of shape {tt.shape}; "
                                 f"expected {tuple(shape)}, like the spike times")
            return tt
        y = _labels(targets, *shape)
        off = self.duration if self.off_target is None else self.off_target
        return np.where(_onehot(y, shape[1]) > 0, to_si(self.on_target), to_si(off))

    def value_and_grad(self, times, targets):
        t = _array("times", times, 2, unit=second)
        r = t - self.target_times(targets, t.shape)
        r = np.where(np.abs(r) < to_si(self.tolerance), 0.0, r)
        d = to_si(self.duration)
        return float((r ** 2).mean() / d ** 2), 2 * r / (r.size * d ** 2)


# ----------------------------------------------------------------------------- membrane loss
@dataclass(frozen=True)
class CEMaxMembrane(_Loss):
    r"""Cross-entropy of the maximum membrane potential over time (snnTorch ``ce_max_membrane_loss``).

    After Zenke & Vogels (2021, Neural Comput. 33:899; SpyTorch):

    .. math:: m_{bc} = \max_t V_{btc}/V_s, \quad L = \frac1B\sum_b -\log\mathrm{softmax}(m_b)_{y_b},
              \quad \frac{\partial L}{\partial V_{btc}} = \frac{\mathrm{softmax}(m_b)_c - [c=y_b]}{B V_s}
              [t = \arg\max_{t'} V_{bt'c}]

    (the max passes the gradient to its first arg-max).  ``v_scale``
    :math:`V_s` makes the logits dimensionless (snnTorch: 1 in its units).
    ``value_and_grad(membrane, targets)``: membrane Quantity (B, T, C) with
    the dimensions of ``v_scale``; gradient in 1/V (SI), shape (B, T, C).
    """

    v_scale: Quantity = field(default_factory=lambda: 1 * mV)

    def __post_init__(self):
        check_quantity("v_scale", self.v_scale, self.v_scale, positive=True)

    def value_and_grad(self, membrane, targets):
        v = _array("membrane", membrane, 3, unit=self.v_scale)
        y = _labels(targets, v.shape[0], v.shape[2])
        scale = float(to_si(self.v_scale))
        arg = np.argmax(v, axis=1)
        m = np.take_along_axis(v, arg[:, None, :], axis=1)[:, 0, :] / scale
        ce, g = _ce(m, y)
        grad = np.zeros_like(v)
        np.put_along_axis(grad, arg[:, None, :], (g / (v.shape[0] * scale))[:, None, :], axis=1)
        return float(ce.mean()), grad


# ----------------------------------------------------------------------------- van Rossum
@dataclass(frozen=True)
class VanRossum(_Loss):
    r"""Squared van Rossum distance between spike arrays (van Rossum 2001, Neural Comput. 13:751).

    Each train is filtered with the causal kernel :math:`e^{-t/\tau}` on the
    grid of step :math:`\Delta t`, :math:`f_t = a f_{t-1} + s_t` with
    :math:`a = e^{-\Delta t/\tau}`, and

    .. math:: L = \frac1B\sum_{b,i} \frac{\Delta t}{\tau}\sum_t (f_{bti} - g_{bti})^2,
              \qquad \frac{\partial L}{\partial s_{bki}} = \frac{2\Delta t}{B\tau}
              \sum_{t \ge k} a^{t-k}(f_{bti} - g_{bti}),

    the Riemann sum of :math:`\frac1\tau\int (f - g)^2 dt` (one spike against
    none gives 1/2 as dt -> 0 on a long window; two spikes :math:`\Delta`
    apart give :math:`1 - e^{-\Delta/\tau}`).  The gradient is a backward
    (adjoint) filter pass.  ``value_and_grad(spikes, target)``: spike arrays
    (B, T, N) of equal shape; gradient (B, T, N).  Summed over neurons,
    averaged over the batch.
    """

    tau: Quantity = field(default_factory=lambda: 10 * ms)
    dt: Quantity = field(default_factory=lambda: 1 * ms)

    def __post_init__(self):
        _positive_time("tau", self.tau)
        _positive_time("dt", self.dt)

    def trace(self, spikes) -> np.ndarray:
        """The filtered trains :math:`f`, same shape as *spikes* (time on axis -2)."""
        s = np.asarray(spikes, dtype=np.float64)
        a = np.exp(-to_si(self.dt) / to_si(self.tau))
        f = np.empty_like(s)
        acc = np.zeros(s.shape[:-2] + s.shape[-1:])
        for k in range(s.shape[-2]):
            acc = a * acc + s[..., k, :]
            f[..., k, :] = acc
        return f

    def value_and_grad(self, spikes, target):
        s = _array("spikes", spikes, 3)
        g = _array("target", target, 3)
        if g.shape != s.shape:
            raise ValueError(f"parameter 'target': got shape {g.shape}; expected {s.shape}, "
                             f"the shape of spikes")
        c = to_si(self.dt) / to_si(self.tau)
        a = np.exp(-c)
        e = self.trace(s - g)  # the filter is linear: f - g = filter(s - target)
        value = c * float((e ** 2).sum()) / s.shape[0]
        adj = np.empty_like(e)  # adj_k = sum_{t >= k} a^(t-k) e_t, backward in time
        acc = np.zeros(e.shape[:1] + e.shape[2:])
        for k in range(e.shape[1] - 1, -1, -1):
            acc = a * acc + e[:, k, :]
            adj[:, k, :] = acc
        return value, 2 * c * adj / s.shape[0]


# ----------------------------------------------------------------------------- regularisers
@dataclass(frozen=True)
class L1Rate(_Regulariser):
    r"""L1 penalty on spike counts (snnTorch ``l1_rate_sparsity``): :math:`L = \lambda\sum_{b,t,i} s_{bti}`.

    Gradient :math:`\lambda` everywhere.  ``value_and_grad(spikes)``: (B, T, N).
    """

    strength: float = 1e-5

    def value_and_grad(self, spikes):
        s = _array("spikes", spikes, 3)
        return float(self.strength * s.sum()), np.full(s.shape, float(self.strength))


@dataclass(frozen=True)
class L2Rate(_Regulariser):
    r"""L2 penalty on spike counts: :math:`L = \lambda\sum_{b,i} n_{bi}^2`, :math:`n_{bi} = \sum_t s_{bti}`.

    Gradient :math:`2\lambda n_{bi}` at every step.  ``value_and_grad(spikes)``: (B, T, N).
    """

    strength: float = 1e-5

    def value_and_grad(self, spikes):
        s = _array("spikes", spikes, 3)
        n = s.sum(axis=1, keepdims=True)
        return float(self.strength * (n ** 2).sum()), np.repeat(2 * self.strength * n,
                                                                s.shape[1], axis=1)

# snnTorch-compatible names (snntorch.functional)
ce_rate_loss = CERate
ce_count_loss = CECount
mse_count_loss = MSECount
ce_temporal_loss = CETemporal
mse_temporal_loss = MSETemporal
ce_max_membrane_loss = CEMaxMembrane
l1_rate_sparsity = L1Rate
