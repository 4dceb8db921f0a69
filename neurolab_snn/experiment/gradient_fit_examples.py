r"""Example models and synthetic recordings for :mod:`.gradient_fit`.

:func:`adex` is the adaptive exponential integrate-and-fire neuron (Brette &
Gerstner 2005, J. Neurophysiol. 94:3637) written as a user would write it, as
a plain :class:`~neurolab_snn.models.base.NeuronModel`:

.. math::

    C\,\dot v = g_L(E_L - v) + g_L\Delta_T e^{(v - V_T)/\Delta_T} - w + I, \qquad
    \tau_w\dot w = a(v - E_L) - w,

with the reset :math:`v \to V_r,\ w \to w + b` when :math:`v > V_{peak}`.
:func:`synthetic_sweeps` simulates a model with the fit's own Brian2 network
(:class:`.trace_adjoint.DrivenNeuron`) on a seeded noisy current and returns
sweeps plus the spike times.
"""
from __future__ import annotations

import numpy as np

from ..fitting.io import Sweep
from ..models.base import NeuronModel
from ..units import Quantity, check_quantity, mV, ms, nA, nS, pA, pF, second, to_si
from .trace_adjoint import DrivenNeuron

__all__ = ["adex", "synthetic_sweeps", "noisy_current"]

ADEX_EQUATIONS = """
dv/dt = (g_L*(E_L - v) + g_L*DeltaT*exp((v - V_T)/DeltaT) - w + I_ext)/C : volt
dw/dt = (a*(v - E_L) - w)/tau_w : amp
I_ext : amp
"""


def adex(**parameters) -> NeuronModel:
    """AdEx with the regular-spiking values of Naud et al. (2008, Biol. Cybern. 99:335)."""
    values = dict(C=200 * pF, g_L=10 * nS, E_L=-70 * mV, V_T=-50 * mV, DeltaT=2 * mV,
                  a=2 * nS, tau_w=120 * ms, b=60 * pA, V_r=-58 * mV, V_peak=0 * mV)
    values.update(parameters)
    return NeuronModel(name="AdEx", equations=ADEX_EQUATIONS, threshold="v > V_peak",
                       reset="v = V_r\nw += b", method="euler", parameters=values,
                       initial_values={"v": "E_L", "w": 0 * nA},
                       reference="Brette & Gerstner (2005), J. Neurophysiol. 94:3637; "
                                 "parameters: Naud et al. (2008), Biol. Cybern. 99:335")


def noisy_current(n_sweeps: int, duration: Quantity, dt: Quantity, *, mean: Quantity,
                  std: Quantity, tau: Quantity = 3 * ms, seed: int = 0) -> np.ndarray:
    """Ornstein-Uhlenbeck currents (A), shape (n_sweeps, n_steps), from *seed*."""
    check_quantity("duration", duration, second, positive=True)
    check_quantity("dt", dt, second, positive=True)
    h, T = float(to_si(dt)), int(round(float(to_si(duration) / to_si(dt))))
    a = np.exp(-h / float(to_si(tau)))
    rng = np.random.default_rng(seed)
    xi = rng.standard_normal((n_sweeps, T))
    x = np.empty((n_sweeps, T))
    x[:, 0] = xi[:, 0]
    for k in range(1, T):
        x[:, k] = a * x[:, k - 1] + np.sqrt(1 - a * a) * xi[:, k]
    return float(to_si(mean)) + float(to_si(std)) * x


def synthetic_sweeps(model: NeuronModel, currents: np.ndarray, dt: Quantity, *,
                     v0: Quantity | None = None, noise: Quantity = 0 * mV, seed: int = 0,
                     current: str = "I_ext"):
    """Simulate *model* on *currents* (A, (B, T)); returns ``(sweeps, spike_times)``.

    The voltage gets white measurement noise of s.d. *noise* (from *seed*);
    spike times (Quantity arrays, s) are those of the simulation.
    """
    h = float(to_si(dt))
    I = np.atleast_2d(np.asarray(currents, dtype=np.float64))
    start = float(to_si(model.parameters.get("E_L", -70 * mV))) if v0 is None \
        else float(to_si(v0))
    neuron = DrivenNeuron(model, (), I, np.full(I.shape[0], start), h, current=current)
    run = neuron.run({})
    v = run["X"][neuron.iv]
    rng = np.random.default_rng(seed)
    v = v + float(to_si(noise)) * rng.standard_normal(v.shape)
    sweeps = [Sweep(v[:, b], I[b], h, source=f"synthetic {model.name} sweep {b}")
              for b in range(I.shape[0])]
    times = [np.flatnonzero(run["S"][:, b]) * h * second for b in range(I.shape[0])]
    return sweeps, times

