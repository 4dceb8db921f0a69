"""What a network factory builds: an explicit Brian2 Network plus its monitors (layer L1).

A *network factory* (a circuit, or :class:`neurolab_snn.sim.SinglePopulation`)
has ``build_network(dt) -> BuiltNetwork``; :mod:`neurolab_snn.sim` runs it on a
backend and turns the monitors into a :class:`~neurolab_snn.recording.Recording`.
It lives below circuits and sim so that both can use it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Network, SpikeMonitor, StateMonitor

from .recording import PopulationRecording, Recording
from .units import to_si, unit_string


@dataclass
class BuiltNetwork:
    """A Brian2 Network and what to read out of it after a run.

    ``handles`` names the objects whose values may be replaced between
    standalone runs (group variables and TimedArrays) without recompiling.
    """

    network: Network
    spike_monitors: dict[str, tuple[SpikeMonitor, int]]
    state_monitors: dict[str, tuple[StateMonitor, tuple[str, ...], np.ndarray]]
    handles: dict[str, object] = field(default_factory=dict)

    def recording(self, dt: float, duration: float, seed, backend: str) -> Recording:
        """Copy the monitors' contents into a :class:`Recording` of SI arrays."""
        pops, trace_times = {}, np.zeros(0)
        for name, (mon, n) in self.spike_monitors.items():
            traces, units, indices = {}, {}, np.zeros(0, int)
            if name in self.state_monitors:
                smon, variables, indices = self.state_monitors[name]
                trace_times = np.array(smon.t_[:], dtype=np.float64)
                for var in variables:
                    values = getattr(smon, var)
                    units[var] = unit_string(values)
                    traces[var] = np.array(to_si(values), dtype=np.float64)
            pops[name] = PopulationRecording(
                n=n, spike_indices=np.array(mon.i[:], dtype=np.int64),
                spike_times=np.array(mon.t_[:], dtype=np.float64), traces=traces,
                trace_units=units, record_indices=np.array(indices, dtype=np.int64))
        return Recording(pops, trace_times, dt, duration, seed, backend)


