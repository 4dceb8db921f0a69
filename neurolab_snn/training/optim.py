r"""Optimisers, learning-rate schedules and weight constraints (layer L4).

Parameters are dicts of float64 SI arrays whose magnitudes differ by many
orders (weights in volts, capacitances in farads).  Each optimiser therefore
works in normalised coordinates :math:`\phi = \theta / c_\theta` with a scale
:math:`c_\theta` per parameter (its typical magnitude, see :func:`scales`):
the gradient is :math:`g_\phi = c_\theta\, g_\theta` and the step
:math:`\Delta\theta = c_\theta\,\Delta\phi`.

* :class:`Adam` (Kingma & Ba 2015, ICLR):
  :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`, :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
  :math:`\Delta\phi = -\eta\,\hat m/(\sqrt{\hat v} + \epsilon)`.
* :class:`SGD` with (heavy-ball) momentum: :math:`b \leftarrow \mu b + g`, :math:`\Delta\phi = -\eta b`.
* both with optional decoupled weight decay on the weight matrices,
  :math:`w \leftarrow w(1 - \eta\lambda)` (Loshchilov & Hutter 2019, ICLR).

Schedules are frozen dataclasses with ``lr(epoch)``; :class:`Constraints`
projects parameters after every step: sign masks (Dale's law), fixed zeros
(no autapses) and bounds (e.g. time constants above ``2 dt``).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Adam", "SGD", "ConstantLR", "StepLR", "CosineLR", "Constraints", "scales",
           "make_optimizer"]


def scales(params: Mapping[str, np.ndarray], weight_scale: Mapping[str, float] | None = None
           ) -> dict[str, float]:
    """Typical magnitude of each parameter: ``weight_scale[name]`` if given, else the mean
    absolute value (1 if all zero)."""
    out = {}
    for key, value in params.items():
        if weight_scale and key in weight_scale:
            out[key] = float(weight_scale[key])
        else:
            m = float(np.mean(np.abs(value)))
            out[key] = m if m > 0 else 1.0
    return out


class _Optimizer:
    def __init__(self, params: Mapping[str, np.ndarray], lr: float, scale: Mapping | None,
                 weight_decay: float = 0.0, decay: tuple = (".W", ".R")):
        if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
            raise ValueError(f"lr={lr!r}; expected a positive learning rate")
        if not weight_decay >= 0:
            raise ValueError(f"weight_decay={weight_decay!r}; expected >= 0")
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self._decayed = {k for k in params if k.endswith(tuple(decay))}
        self.scale = dict(scale) if scale is not None else scales(params)
        missing = set(params) - set(self.scale)
        if missing:
            raise ValueError(f"no scale for parameters {sorted(missing)}")
        self.t = 0

    def _normalised(self, key, grad):
        return np.asarray(grad, dtype=np.float64) * self.scale[key]

    def _decay(self, params, key):
        """Decoupled weight decay (Loshchilov & Hutter 2019): w <- w (1 - lr wd)."""
        if self.weight_decay and key in self._decayed:
            params[key] = params[key] * (1.0 - self.lr * self.weight_decay)

    def state_dict(self) -> dict:
        return {"t": self.t, "lr": self.lr, **{f"{name}/{k}": v.copy()
                                              for name, buf in self._buffers().items()
                                              for k, v in buf.items()}}

    def load_state_dict(self, state: Mapping) -> None:
        self.t = int(state["t"])
        self.lr = float(state["lr"])
        for name, buf in self._buffers().items():
            for k in buf:
                buf[k] = np.array(state[f"{name}/{k}"], dtype=np.float64)


class Adam(_Optimizer):
    """Adam in normalised coordinates; ``step(params, grads)`` updates *params* in place."""

    def __init__(self, params, lr: float = 1e-2, betas=(0.9, 0.999), eps: float = 1e-8,
                 scale: Mapping | None = None, weight_decay: float = 0.0):
        super().__init__(params, lr, scale, weight_decay)
        self.betas, self.eps = tuple(float(b) for b in betas), float(eps)
        self.m = {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}
        self.v = {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}

    def _buffers(self):
        return {"m": self.m, "v": self.v}

    def step(self, params, grads) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for key in params:
            if key not in grads:
                continue
            g = self._normalised(key, grads[key])
            self.m[key] = b1 * self.m[key] + (1 - b1) * g
            self.v[key] = b2 * self.v[key] + (1 - b2) * g * g
            step = self.lr * (self.m[key] / c1) / (np.sqrt(self.v[key] / c2) + self.eps)
            self._decay(params, key)
            params[key] = params[key] - self.scale[key] * step


class SGD(_Optimizer):
    """Stochastic gradient descent with momentum ``momentum`` (0 for plain SGD)."""

    def __init__(self, params, lr: float = 1e-2, momentum: float = 0.9,
                 scale: Mapping | None = None, weight_decay: float = 0.0):
        super().__init__(params, lr, scale, weight_decay)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum={momentum!r}; expected 0 <= momentum < 1")
        self.momentum = float(momentum)
        self.b = {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}

    def _buffers(self):
        return {"b": self.b}

    def step(self, params, grads) -> None:
        self.t += 1
        for key in params:
            if key not in grads:
                continue
            self.b[key] = self.momentum * self.b[key] + self._normalised(key, grads[key])
            self._decay(params, key)
            params[key] = params[key] - self.scale[key] * self.lr * self.b[key]


def make_optimizer(name: str, params, lr: float, *, momentum: float = 0.9, scale=None,
                   weight_decay: float = 0.0):
    """``'adam'`` or ``'sgd'`` (with momentum); decoupled ``weight_decay`` on weights."""
    if name == "adam":
        return Adam(params, lr=lr, scale=scale, weight_decay=weight_decay)
    if name == "sgd":
        return SGD(params, lr=lr, momentum=momentum, scale=scale, weight_decay=weight_decay)
    raise ValueError(f"optimizer={name!r}; expected 'adam' or 'sgd'")


# ----------------------------------------------------------------------------- schedules
@dataclass(frozen=True)
class ConstantLR:
    """The base learning rate at every epoch."""

    def factor(self, epoch: int) -> float:
        return 1.0


@dataclass(frozen=True)
class StepLR:
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs."""

    step_size: int = 10
    gamma: float = 0.5

    def __post_init__(self):
        if self.step_size < 1 or not 0 < self.gamma <= 1:
            raise ValueError(f"StepLR(step_size={self.step_size}, gamma={self.gamma}); expected "
                             "step_size >= 1 and 0 < gamma <= 1")

    def factor(self, epoch: int) -> float:
        return self.gamma ** (epoch // self.step_size)


@dataclass(frozen=True)
class CosineLR:
    r"""Cosine annealing over ``epochs``: :math:`f = m + (1-m)\frac{1 + \cos(\pi e/E)}{2}`."""

    epochs: int = 30
    minimum: float = 0.05

    def __post_init__(self):
        if self.epochs < 1 or not 0 <= self.minimum <= 1:
            raise ValueError(f"CosineLR(epochs={self.epochs}, minimum={self.minimum}); expected "
                             "epochs >= 1 and 0 <= minimum <= 1")

    def factor(self, epoch: int) -> float:
        e = min(epoch, self.epochs)
        return self.minimum + (1 - self.minimum) * 0.5 * (1 + math.cos(math.pi * e / self.epochs))


# ----------------------------------------------------------------------------- constraints
@dataclass(frozen=True)
class Constraints:
    """Projections applied after each optimiser step.

    ``signs[name]``: +1 (w >= 0), -1 (w <= 0), 0 (free), per entry (Dale's law,
    sign masks); ``masks[name]``: 0 where the entry is fixed at zero;
    ``bounds[name] = (low, high)`` in SI (either may be None).
    """

    signs: Mapping[str, np.ndarray] = field(default_factory=dict)
    masks: Mapping[str, np.ndarray] = field(default_factory=dict)
    bounds: Mapping[str, tuple] = field(default_factory=dict)

    def apply(self, params: dict) -> dict:
        for key, sign in self.signs.items():
            w = params[key]
            params[key] = np.where(sign > 0, np.maximum(w, 0.0),
                                   np.where(sign < 0, np.minimum(w, 0.0), w))
        for key, mask in self.masks.items():
            params[key] = np.where(mask > 0, params[key], 0.0)
        for key, (low, high) in self.bounds.items():
            params[key] = np.clip(params[key], low, high)
        return params

    def violations(self, params) -> int:
        """Number of entries that break a constraint (0 after :meth:`apply`)."""
        count = 0
        for key, sign in self.signs.items():
            count += int(((sign > 0) & (params[key] < 0)).sum() +
                         ((sign < 0) & (params[key] > 0)).sum())
        for key, mask in self.masks.items():
            count += int(((mask == 0) & (params[key] != 0)).sum())
        for key, (low, high) in self.bounds.items():
            if low is not None:
                count += int((params[key] < low).sum())
            if high is not None:
                count += int((params[key] > high).sum())
        return count
