r"""Latency (time-to-first-spike) coding from the RC charging model.

An input :math:`x` charges a leaky membrane, :math:`v(t) = x\,(1 - e^{-t/\tau})`;
the neuron fires once, when :math:`v` reaches the threshold :math:`\theta`:

.. math:: t(x) = \tau \ln\frac{x}{x - \theta}, \qquad x > \theta .

Brighter inputs fire earlier; inputs at or below :math:`\theta` never reach
it and are clamped to :math:`\theta + \epsilon` (they fire last), or removed
with ``clip=True``.  Options follow snnTorch ``spikegen.latency``
(Eshraghian et al. 2023): ``linear`` (:math:`t = \tau(1 - x)`), ``normalize``
(stretch the code over the window), ``clip``, ``threshold``, ``epsilon`` and
``first_spike_time`` -- but in time units, with intensities normalised from
their declared ``data_range`` (``threshold`` is in data units).

Deviations from snnTorch, chosen so that one sample's code does not depend on
the rest of the batch: ``first_spike_time`` is a delay added to every spike
time (snnTorch's log code shifts the batch's earliest spike there), and
``normalize`` maps the latest possible spike, :math:`t(\theta+\epsilon)`, to the
last step (snnTorch uses the batch's latest spike, which is the same thing
whenever the batch holds a sub-threshold value, as every MNIST batch does).
Spikes that fall after the last step are dropped.

References
----------
Eshraghian et al. (2023), Proc. IEEE 111(9):1016-1054, sec. on spike encoding.
Gerstner et al. (2014), Neuronal Dynamics, ch. 1.3 (leaky integrator).
"""
from __future__ import annotations

import numpy as np

from neurolab_snn.units import Quantity, check_quantity, second, to_si

from ._checks import check_bool, check_float, check_int, check_range, normalise, time_si

__all__ = ["latency", "latency_times", "latency_decode"]


def _params(threshold, epsilon, first_spike_time, tau, normalize, linear, clip, window,
            data_range):
    lo, hi = check_range(data_range)
    theta = check_float("threshold", threshold)
    if not lo < theta < hi:
        raise ValueError(f"parameter 'threshold': got {theta}; expected {lo} < threshold < {hi} "
                         f"(strictly below the maximum intensity of data_range=({lo}, {hi}))")
    p = {
        "theta": (theta - lo) / (hi - lo),
        "eps": check_float("epsilon", epsilon, lo=0.0, lo_open=True),
        "t0": time_si("first_spike_time", first_spike_time, nonnegative=True),
        "normalize": check_bool("normalize", normalize),
        "linear": check_bool("linear", linear),
        "clip": check_bool("clip", clip),
        "lo": lo, "hi": hi,
    }
    if p["normalize"]:
        if window is None:
            raise ValueError("parameter 'window': got None; expected the time of the last step "
                             "when normalize=True")
        w = time_si("window", window, positive=True)
        if w <= p["t0"]:
            raise ValueError(f"parameter 'first_spike_time': got {p['t0'] * second}; expected "
                             f"it before the end of the window {w * second}")
        p["scale"] = w - p["t0"]
    else:
        if tau is None:
            raise ValueError("parameter 'tau': got None; expected a time constant (e.g. 5*ms) "
                             "when normalize=False")
        p["scale"] = time_si("tau", tau, positive=True)
    # u_max: the latest (clamped) spike time in units of tau, used by normalize
    p["u_max"] = np.log((p["theta"] + p["eps"]) / p["eps"])
    return p


def latency_times(data, *, tau=None, threshold: float = 0.01, epsilon: float = 1e-7,
                  first_spike_time=0 * second, clip: bool = False, normalize: bool = False,
                  linear: bool = False, window=None, data_range=(0.0, 1.0)) -> Quantity:
    r"""First-spike times of the latency code, in continuous time.

    .. math::
        t = t_0 + \tau \ln\frac{x_c}{x_c - \theta}, \quad x_c = \max(x, \theta + \epsilon)
        \qquad\text{or (linear)}\qquad t = t_0 + \tau\,\min(1 - x,\ 1 - \theta),

    with ``x`` and ``theta`` normalised by ``data_range``.  With ``normalize``,
    :math:`\tau` is replaced so that the latest spike falls on the window end:
    log code, :math:`t = t_0 + (w - t_0)\,\ln\frac{x_c}{x_c-\theta} / \ln\frac{\theta+\epsilon}{\epsilon}`;
    linear code, :math:`\tau = w - t_0`.

    Parameters
    ----------
    data : array, shape (..., n)
        Intensities in ``data_range``.
    tau : Quantity
        Membrane time constant (required unless ``normalize``).
    threshold : float
        Firing threshold, in data units, ``lo < threshold < hi``.
    epsilon : float
        Clamp margin above threshold (normalised units).
    first_spike_time : Quantity
        Delay :math:`t_0` added to every spike time.
    clip : bool
        Sub-threshold inputs (``x < threshold``) do not fire: time ``inf``.
    normalize, linear : bool
        See above.
    window : Quantity
        End of the window (the time of the last step); needed by ``normalize``.
    data_range : (float, float)

    Returns
    -------
    Quantity, shape (..., n)
        Spike times; ``inf * second`` where no spike is emitted.
    """
    x = normalise("data", data, data_range)
    p = _params(threshold, epsilon, first_spike_time, tau, normalize, linear, clip, window,
                data_range)
    theta = p["theta"]
    if p["linear"]:
        t = p["t0"] + p["scale"] * np.minimum(1.0 - x, 1.0 - theta)
    else:
        xc = np.maximum(x, theta + p["eps"])
        u = np.log(xc / (xc - theta))
        t = p["t0"] + p["scale"] * (u / p["u_max"] if p["normalize"] else u)
    if p["clip"]:
        t = np.where(x < theta, np.inf, t)
    return t * second


def latency(data, num_steps: int, *, dt, tau=None, threshold: float = 0.01,
            epsilon: float = 1e-7, first_spike_time=0 * second, clip: bool = False,
            normalize: bool = False, linear: bool = False, data_range=(0.0, 1.0)) -> np.ndarray:
    r"""Latency-code intensities as one spike per neuron on a grid of step *dt*.

    The spike of each neuron falls on step ``round(t / dt)`` with ``t`` from
    :func:`latency_times` (window end ``(num_steps - 1) dt`` for
    ``normalize``); spikes after the last step are dropped.

    Parameters
    ----------
    data : array, shape (..., n)
    num_steps : int
    dt : Quantity
    tau, threshold, epsilon, first_spike_time, clip, normalize, linear, data_range
        As in :func:`latency_times`.

    Returns
    -------
    ndarray, shape (..., num_steps, n)
        0/1 spikes as float64 (at most one per neuron).
    """
    num_steps = check_int("num_steps", num_steps, minimum=1)
    dt_si = time_si("dt", dt, positive=True)
    if isinstance(normalize, (bool, np.bool_)) and normalize and num_steps < 2:
        raise ValueError(f"parameter 'num_steps': got {num_steps}; expected >= 2 with "
                         f"normalize=True")
    t = np.asarray(latency_times(data, tau=tau, threshold=threshold, epsilon=epsilon,
                                 first_spike_time=first_spike_time, clip=clip,
                                 normalize=normalize, linear=linear,
                                 window=(num_steps - 1) * dt_si * second,
                                 data_range=data_range))
    fires = np.isfinite(t)
    steps = np.where(fires, np.round(np.where(fires, t, 0.0) / dt_si), num_steps)
    steps = steps.astype(np.int64)
    out = np.zeros(t.shape[:-1] + (num_steps, t.shape[-1]))
    hit = steps < num_steps
    step_axis = np.arange(num_steps)[:, None]
    out[...] = (step_axis == steps[..., None, :]) & hit[..., None, :]
    return out


def latency_decode(times, *, tau=None, threshold: float = 0.01, epsilon: float = 1e-7,
                   first_spike_time=0 * second, normalize: bool = False, linear: bool = False,
                   window=None, data_range=(0.0, 1.0)) -> np.ndarray:
    r"""Invert the latency code: intensity from first-spike time.

    .. math:: x = \frac{\theta}{1 - e^{-(t - t_0)/\tau}} \qquad\text{or (linear)}\qquad
              x = 1 - (t - t_0)/\tau

    (normalised units, mapped back to ``data_range`` and clipped to it), the
    inverse of :func:`latency_times` for inputs above threshold.  ``inf``
    (no spike) decodes to the lowest intensity.  Parameters as in
    :func:`latency_times`.

    Parameters
    ----------
    times : Quantity, shape (..., n)

    Returns
    -------
    ndarray, shape (..., n)
    """
    p = _params(threshold, epsilon, first_spike_time, tau, normalize, linear, False, window,
                data_range)
    t = np.asarray(to_si(check_quantity("times", times, second, finite=False)), dtype=float)
    if np.isnan(t).any():
        raise ValueError("parameter 'times': got NaN; expected spike times (inf for no spike)")
    fires = np.isfinite(t)
    d = np.where(fires, t, p["t0"] + p["scale"]) - p["t0"]
    if p["linear"]:
        x = 1.0 - d / p["scale"]
    else:
        u = d / p["scale"] * (p["u_max"] if p["normalize"] else 1.0)
        with np.errstate(divide="ignore"):
            x = p["theta"] / -np.expm1(-np.maximum(u, 0.0))
    x = np.where(fires, np.clip(x, 0.0, 1.0), 0.0)
    return p["lo"] + (p["hi"] - p["lo"]) * x
