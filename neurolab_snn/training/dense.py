r"""The dense forward pass on Brian2's runtime backends: synaptic input and recording as
``NetworkOperation`` objects.

:class:`LayerInput` adds a layer's synaptic input :math:`s^{l-1}_k W_l + s^l_k R_l`
as one matrix product per step (Brian2's ``Synapses`` would run one ``on_pre``
per synapse through a spike queue); :class:`LayerRecorder` writes the states at
the end of each step and the step's spikes into the arrays of the next
:class:`~neurolab_snn.training.network.Trace` (a ``StateMonitor`` would append to
dynamic arrays that then need copying).  Both sit in the slots of the objects
they replace (``'synapses'``, ``'end'``) and read Brian2's own arrays
(``_spikespace``, ``not_refractory``, the state variables); the tests hold them
to the ``Synapses``/monitor network to 1e-12 and identical spikes.  Python
operations, so runtime backends only: cpp_standalone and cuda keep the Brian2
objects (:class:`~neurolab_snn.training.brian.BatchedNetwork`).
"""
from __future__ import annotations

import numpy as np
from brian2 import NetworkOperation

__all__ = ["LayerInput", "LayerRecorder"]


class LayerInput:
    r"""The synaptic input of one layer of ``batch`` copies, as a Brian2 ``NetworkOperation``.

    In the ``'synapses'`` slot of step :math:`k` it adds to the target variable
    :math:`u_k = s^{\text{pre}}_k W` - the spikes of this step, read from the
    source group's ``_spikespace``, or for the first layer row :math:`k` of the
    input spikes (``values``, (T, batch * n_inputs)) - plus :math:`s_k R` for a
    recurrent layer, times the target's unit; where the target is ``(unless
    refractory)`` only for the neurons that are not refractory
    (``not_refractory``, which the threshold has just cleared for the neurons
    that spike), as Brian2 does for an ``on_pre`` write.  Runtime backends only
    (the operation is Python); ``W``, ``R`` and ``values`` are written in place.

    Perturbation methods (:mod:`~neurolab_snn.training.perturbation`) may set
    ``W_copies`` (batch, n_pre, n): a weight matrix per network copy instead of
    the shared ``W``, and ``noise`` (T, batch * n): added to the input of every
    step (in the target's unit); both ``None`` by default.
    """

    def __init__(self, group, target: str, batch: int, *, gated: bool, n_pre: int,
                 pre=None, input_steps: int = 0, recurrent: bool = False):
        n = group.N // batch
        self.group, self.target, self.batch, self.n, self.gated = group, target, batch, n, gated
        self.values = np.zeros((input_steps, batch * n_pre)) if input_steps else None
        self.pre = pre
        self.W = np.zeros((n_pre, n))
        self.R = np.zeros((n, n)) if recurrent else None
        self._s_pre = np.zeros((batch, n_pre))
        self._s_own = np.zeros((batch, n)) if recurrent else None
        self.W_copies: np.ndarray | None = None
        self.noise: np.ndarray | None = None

    def operation(self, clock, name: str) -> NetworkOperation:
        return NetworkOperation(self.step, clock=clock, when="synapses", name=name)

    @staticmethod
    def _spikes(group, buffer) -> np.ndarray | None:
        space = group.variables["_spikespace"].get_value()
        count = space[-1]
        if count == 0:
            return None
        flat = buffer.reshape(-1)
        flat[...] = 0.0
        flat[space[:count]] = 1.0
        return buffer

    def _project(self, s) -> np.ndarray:
        if self.W_copies is None:
            return (s @ self.W).reshape(-1)
        return np.matmul(s[:, None, :], self.W_copies).reshape(-1)

    def step(self) -> None:
        group, u = self.group, None
        k = group.clock.variables["timestep"].get_value()[0]
        if self.values is not None:
            u = self._project(self.values[k].reshape(self.batch, -1))
        elif self._spikes(self.pre, self._s_pre) is not None:
            u = self._project(self._s_pre)
        if self.R is not None and self._spikes(group, self._s_own) is not None:
            su = (self._s_own @ self.R).reshape(-1)
            u = su if u is None else np.add(u, su, out=su)
        if self.noise is not None:
            u = self.noise[k] if u is None else u + self.noise[k]
        if u is None:
            return
        x = group.variables[self.target].get_value()
        if self.gated:
            np.add(x, u, out=x, where=group.variables["not_refractory"].get_value())
        else:
            x += u


class LayerRecorder:
    """The states at the end of every step and the step's spikes of one layer, as a Brian2
    ``NetworkOperation`` in the ``'end'`` slot (runtime backends, ``propagation='dense'``).

    It records what a ``StateMonitor`` in that slot and a ``SpikeMonitor``
    record (tested: identical), straight into the time-major arrays of the next
    :class:`Trace`: ``states[var]`` (T+1, batch, n) with the initial state in
    row 0, ``spikes`` (T, batch, n) as 0/1.  :meth:`start` gives each run new
    arrays, so a Trace keeps its own - or, with ``reuse=True``, overwrites the
    last run's.
    """

    def __init__(self, group, variables, batch: int, n_steps: int):
        self.group, self.variables, self.batch, self.n_steps = group, tuple(variables), batch, \
            n_steps
        self.n = group.N // batch
        self.states: dict[str, np.ndarray] = {}
        self.spikes = np.zeros((0,))
        self._scratch = False

    def operation(self, clock, name: str) -> NetworkOperation:
        return NetworkOperation(self.step, clock=clock, when="end", name=name)

    def start(self, initial, reuse: bool = False) -> None:
        """Arrays for a run starting from *initial* (one (batch, n) array per variable):
        new ones, or (*reuse*) the last run's."""
        shape = (self.n_steps + 1, self.batch, self.n)
        if reuse and self._scratch:             # the last arrays belong to a scratch Trace
            self.spikes.fill(0.0)
        else:
            self.states = {var: np.empty(shape) for var in self.variables}
            self.spikes = np.zeros((self.n_steps,) + shape[1:])
        self._scratch = reuse
        for var, x0 in zip(self.variables, initial):
            self.states[var][0] = x0

    def step(self) -> None:
        group = self.group
        k = group.clock.variables["timestep"].get_value()[0]
        for var, array in self.states.items():
            array[k + 1].reshape(-1)[...] = group.variables[var].get_value()
        space = group.variables["_spikespace"].get_value()
        if space[-1]:
            self.spikes[k].reshape(-1)[space[:space[-1]]] = 1.0
