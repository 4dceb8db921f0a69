"""Current stimuli (layer L1): pure functions with explicit random generators."""
from __future__ import annotations

import numpy as np

from .units import Quantity, amp, check_quantity, second, to_si


def ou_current(mean: Quantity, sigma: Quantity, tau: Quantity, duration: Quantity,
               dt: Quantity, rng: np.random.Generator) -> Quantity:
    """Ornstein-Uhlenbeck current sampled every *dt* (exact update; Gillespie 1996).

        I_{k+1} = mean + (I_k - mean) e^{-dt/tau} + sigma sqrt(1 - e^{-2 dt/tau}) xi_k

    started in the stationary distribution, so the samples have mean *mean*,
    standard deviation *sigma* and correlation time *tau*.

    Returns an array of ``round(duration/dt)`` currents (A).
    """
    mu = to_si(check_quantity("mean", mean, amp))
    sd = to_si(check_quantity("sigma", sigma, amp, nonnegative=True))
    tau_s = to_si(check_quantity("tau", tau, second, positive=True))
    step = to_si(check_quantity("dt", dt, second, positive=True))
    n = int(round(to_si(check_quantity("duration", duration, second, positive=True)) / step))
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng={rng!r}: expected a numpy.random.Generator "
                        "(np.random.default_rng(seed))")
    decay = np.exp(-step / tau_s)
    noise = sd * np.sqrt(1 - decay ** 2) * rng.standard_normal(n)
    noise[0] = sd * rng.standard_normal()
    from scipy.signal import lfilter
    x = lfilter([1.0], [1.0, -decay], noise)
    return (mu + x) * amp


def step_current(amplitudes: Quantity, duration: Quantity, dt: Quantity, onset: Quantity,
                 offset: Quantity | None = None) -> Quantity:
    """A (n_steps, n) current: 0 before *onset*, ``amplitudes[j]`` in [onset, offset)."""
    amps = to_si(check_quantity("amplitudes", amplitudes, amp))
    step = to_si(check_quantity("dt", dt, second, positive=True))
    n = int(round(to_si(check_quantity("duration", duration, second, positive=True)) / step))
    t = np.arange(n) * step
    t_on = to_si(check_quantity("onset", onset, second, nonnegative=True))
    t_off = np.inf if offset is None else to_si(check_quantity("offset", offset, second))
    on = (t >= t_on - 1e-12) & (t < t_off - 1e-12)
    return np.outer(on, np.atleast_1d(amps)) * amp
