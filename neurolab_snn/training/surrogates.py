r"""Surrogate spike functions: smooth stand-ins for the Heaviside step and their derivatives.

The forward pass emits :math:`s = H(x)` (a spike when the threshold function is
positive); the backward pass replaces :math:`H'(x) = \delta(x)` by the
derivative of a smooth step :math:`S_k(x)` of steepness ``slope`` :math:`k`
(Neftci, Mostafa & Zenke 2019, IEEE Signal Process. Mag. 36:51; Zenke &
Ganguli 2018, Neural Comput. 30:1514).  Every surrogate here is a small frozen
dataclass with

* ``__call__(x)``: the smooth step :math:`S_k(x)`, rising from 0 to 1 (used
  as the spike itself in a smooth forward pass, e.g. for finite-difference
  checks), and
* ``grad(x)``: its exact derivative :math:`S_k'(x)`, the surrogate derivative.

=======================  =========================================================  ================================
class                    :math:`S_k'(x)`                                             snnTorch equivalent
=======================  =========================================================  ================================
:class:`Sigmoid`         :math:`k\,\sigma(kx)(1-\sigma(kx))`                         ``surrogate.sigmoid(slope=k)``
:class:`FastSigmoid`     :math:`\frac{k}{2(1+k|x|)^2}` (SuperSpike)                  ``fast_sigmoid(slope=k)`` times k/2
:class:`ATan`            :math:`\frac{k/2}{1+(\pi k x/2)^2}`                         ``surrogate.atan(alpha=k)``
:class:`Triangle`        :math:`k\max(0, 1-k|x|)`                                    ``triangular`` (width 1/k)
:class:`StraightThrough` :math:`k\,[\,|x| < 1/(2k)\,]` (boxcar of area 1)            ``straight_through_estimator``
:class:`Custom`          user functions ``f(x, k)`` and ``g(x, k)``                  ``custom_surrogate``
=======================  =========================================================  ================================

A slope that is zero, negative or not finite raises a ``ValueError``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

__all__ = ["Surrogate", "Sigmoid", "FastSigmoid", "SuperSpike", "ATan", "Triangle",
           "StraightThrough", "Custom", "SURROGATES", "get_surrogate"]


def _check_slope(cls_name: str, slope) -> float:
    if isinstance(slope, bool) or not np.isscalar(slope):
        raise ValueError(f"{cls_name}: slope={slope!r}; expected a positive number")
    value = float(slope)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{cls_name}: slope={slope!r}; expected a positive finite number (a zero "
                         "slope would make the surrogate derivative vanish everywhere)")
    return value


@dataclass(frozen=True)
class Surrogate:
    """Base class: a smooth step ``__call__`` and its derivative ``grad``, steepness ``slope``."""

    slope: float = 1.0
    #: ``grad`` as a C expression of ``x`` and the slope ``k`` (for the compiled adjoint,
    #: :mod:`~neurolab_snn.training.kernels`); None: the numpy recursion is used.
    grad_code: ClassVar[str | None] = None

    def __post_init__(self):
        object.__setattr__(self, "slope", _check_slope(type(self).__name__, self.slope))

    def __call__(self, x) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def grad(self, x) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def grad_scaled(self, h, scale) -> np.ndarray:
        r""":math:`\frac{d}{dh} S(h/c) = S'(h/c)/c` for a threshold distance *h* in units
        of *scale* :math:`c` (what the adjoint needs; subclasses may fuse the steps)."""
        return self.grad(np.divide(h, scale)) / scale

    @property
    def name(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class Sigmoid(Surrogate):
    r"""Logistic step :math:`S = \sigma(kx)`, :math:`S' = k\sigma(kx)(1-\sigma(kx))`."""

    slope: float = 5.0
    grad_code: ClassVar[str | None] = \
        "k * (0.5 * (1.0 + tanh(0.5 * k * x))) * (1.0 - 0.5 * (1.0 + tanh(0.5 * k * x)))"

    def __call__(self, x):
        return 0.5 * (1.0 + np.tanh(0.5 * self.slope * np.asarray(x, dtype=np.float64)))

    def grad(self, x):
        s = self(x)
        return self.slope * s * (1.0 - s)


@dataclass(frozen=True)
class FastSigmoid(Surrogate):
    r"""SuperSpike (Zenke & Ganguli 2018): :math:`S = \frac12 + \frac{kx}{2(1+k|x|)}`,
    :math:`S' = \frac{k}{2(1+k|x|)^2}`."""

    slope: float = 25.0
    grad_code: ClassVar[str | None] = \
        "0.5 * k / ((1.0 + k * fabs(x)) * (1.0 + k * fabs(x)))"

    def __call__(self, x):
        kx = self.slope * np.asarray(x, dtype=np.float64)
        return 0.5 + 0.5 * kx / (1.0 + np.abs(kx))

    def grad(self, x):
        x = np.asarray(x, dtype=np.float64)
        u = np.abs(x, out=np.empty(x.shape))                 # the one new array
        u *= self.slope
        u += 1.0
        np.multiply(u, u, out=u)
        return np.divide(0.5 * self.slope, u, out=u)

    def grad_scaled(self, h, scale):
        c = self.slope / np.asarray(scale, dtype=np.float64)
        h = np.asarray(h, dtype=np.float64)
        u = np.abs(h, out=np.empty(np.broadcast_shapes(h.shape, c.shape)))
        u *= c
        u += 1.0
        np.multiply(u, u, out=u)
        return np.divide(0.5 * c, u, out=u)


SuperSpike = FastSigmoid


@dataclass(frozen=True)
class ATan(Surrogate):
    r"""Arc-tangent step (Fang et al. 2021): :math:`S = \frac12 + \frac1\pi\arctan(\pi k x/2)`."""

    slope: float = 2.0
    grad_code: ClassVar[str | None] = \
        "0.5 * k / (1.0 + 2.4674011002723395 * k * k * x * x)"     # (pi/2)^2

    def __call__(self, x):
        return 0.5 + np.arctan(0.5 * np.pi * self.slope * np.asarray(x, dtype=np.float64)) / np.pi

    def grad(self, x):
        y = 0.5 * np.pi * self.slope * np.asarray(x, dtype=np.float64)
        return 0.5 * self.slope / (1.0 + y * y)


@dataclass(frozen=True)
class Triangle(Surrogate):
    r"""Piecewise-quadratic step with triangular derivative :math:`k\max(0, 1 - k|x|)`
    (Bellec et al. 2018, 'pseudo-derivative'; support :math:`|x| < 1/k`)."""

    slope: float = 1.0
    grad_code: ClassVar[str | None] = \
        "k * fmax(0.0, 1.0 - k * fabs(x))"

    def __call__(self, x):
        u = np.clip(self.slope * np.asarray(x, dtype=np.float64), -1.0, 1.0)
        return np.where(u < 0, 0.5 * (1.0 + u) ** 2, 1.0 - 0.5 * (1.0 - u) ** 2)

    def grad(self, x):
        u = self.slope * np.abs(np.asarray(x, dtype=np.float64))
        return self.slope * np.maximum(0.0, 1.0 - u)


@dataclass(frozen=True)
class StraightThrough(Surrogate):
    r"""Straight-through estimator (Bengio et al. 2013): hard sigmoid
    :math:`S = \mathrm{clip}(\frac12 + kx, 0, 1)`, derivative :math:`k` on :math:`|x| < 1/(2k)`."""

    slope: float = 1.0
    grad_code: ClassVar[str | None] = \
        "(fabs(x) < 0.5 / k ? k : 0.0)"

    def __call__(self, x):
        return np.clip(0.5 + self.slope * np.asarray(x, dtype=np.float64), 0.0, 1.0)

    def grad(self, x):
        inside = np.abs(np.asarray(x, dtype=np.float64)) < 0.5 / self.slope
        return np.where(inside, self.slope, 0.0)


@dataclass(frozen=True)
class Custom(Surrogate):
    r"""A user-defined surrogate: ``function(x, slope)`` (a smooth step) and ``derivative(x, slope)``.

    Example (a Gaussian derivative)::

        Custom(function=lambda x, k: 0.5 * (1 + erf(k * x / sqrt(2))),
               derivative=lambda x, k: k / sqrt(2 * pi) * exp(-(k * x) ** 2 / 2), slope=3.0)
    """

    function: Callable | None = None
    derivative: Callable | None = None

    def __post_init__(self):
        super().__post_init__()
        if not callable(self.function) or not callable(self.derivative):
            raise TypeError("Custom surrogate: expected callables function(x, slope) and "
                            "derivative(x, slope)")

    def __call__(self, x):
        return np.asarray(self.function(np.asarray(x, dtype=np.float64), self.slope),
                          dtype=np.float64)

    def grad(self, x):
        return np.asarray(self.derivative(np.asarray(x, dtype=np.float64), self.slope),
                          dtype=np.float64)


#: Surrogates by name (for the command line and figure panels).
SURROGATES = {"sigmoid": Sigmoid, "fast_sigmoid": FastSigmoid, "atan": ATan,
              "triangle": Triangle, "straight_through": StraightThrough}


def get_surrogate(name: str, slope: float | None = None) -> Surrogate:
    """The surrogate *name* (see :data:`SURROGATES`) with *slope* (default: the class default)."""
    if name not in SURROGATES:
        raise ValueError(f"unknown surrogate {name!r}; expected one of {sorted(SURROGATES)}")
    return SURROGATES[name]() if slope is None else SURROGATES[name](slope=slope)
