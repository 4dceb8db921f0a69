"""Recording: what a simulation produced, as float64 SI arrays with unit strings (layer L3).

A :class:`Recording` holds, per population, the spike trains (neuron indices and
spike times in s) and the recorded state traces (one row per recorded neuron,
one column per time step), plus the ``dt``, duration, seed and backend that
produced them.  It is plain data: analysis functions read it, ``save``/``load``
round-trip it through a single ``.npz`` file written atomically.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from .files import atomic_path
from .units import Quantity, from_si, second


@dataclass(frozen=True)
class PopulationRecording:
    """Spikes and traces of one neuron population.

    Attributes
    ----------
    n : int
        Number of neurons.
    spike_indices : ndarray of int
        Neuron index of each spike, in time order.
    spike_times : ndarray of float
        Spike times (s).
    traces : mapping of str to ndarray
        Variable name -> array of shape (len(record_indices), n_steps), SI.
    trace_units : mapping of str to str
        Variable name -> SI unit string (``'V'``, ``'A'``, ``'1'``, ...).
    record_indices : ndarray of int
        Neurons whose traces were recorded.
    """

    n: int
    spike_indices: np.ndarray
    spike_times: np.ndarray
    traces: Mapping[str, np.ndarray] = field(default_factory=dict)
    trace_units: Mapping[str, str] = field(default_factory=dict)
    record_indices: np.ndarray = field(default_factory=lambda: np.zeros(0, int))

    def __post_init__(self):
        object.__setattr__(self, "traces", MappingProxyType(dict(self.traces)))
        object.__setattr__(self, "trace_units", MappingProxyType(dict(self.trace_units)))

    def spike_trains(self) -> list[np.ndarray]:
        """Spike times (s) of each neuron, as a list of length ``n``."""
        order = np.argsort(self.spike_indices, kind="stable")
        idx, times = self.spike_indices[order], self.spike_times[order]
        bounds = np.searchsorted(idx, np.arange(self.n + 1))
        return [times[bounds[k]:bounds[k + 1]] for k in range(self.n)]

    def spike_counts(self) -> np.ndarray:
        """Number of spikes of each neuron."""
        return np.bincount(self.spike_indices, minlength=self.n)

    def trace(self, name: str) -> Quantity:
        """The recorded trace *name* with its Brian2 unit."""
        if name not in self.traces:
            raise KeyError(f"trace {name!r} was not recorded; recorded: {sorted(self.traces)}")
        return from_si(self.traces[name], self.trace_units[name])


@dataclass(frozen=True)
class Recording:
    """Result of :func:`neurolab_snn.sim.simulate`: populations plus run metadata.

    Attributes
    ----------
    populations : mapping of str to PopulationRecording
    trace_times : ndarray
        Sample times of the traces (s).
    dt, duration : float
        Integration time step and simulated duration (s).
    seed : int or None
        Seed of the random number generators.
    backend : str
        ``'runtime'``, ``'numpy'`` or ``'cpp_standalone'`` (and later GPU devices).
    """

    populations: Mapping[str, PopulationRecording]
    trace_times: np.ndarray
    dt: float
    duration: float
    seed: int | None
    backend: str

    def __post_init__(self):
        object.__setattr__(self, "populations", MappingProxyType(dict(self.populations)))

    def __getitem__(self, name: str) -> PopulationRecording:
        if name not in self.populations:
            raise KeyError(f"population {name!r} is not in the recording; expected one of "
                           f"{sorted(self.populations)}")
        return self.populations[name]

    @property
    def main(self) -> PopulationRecording:
        """The only population (raises if there are several)."""
        if len(self.populations) != 1:
            raise ValueError(f"the recording has populations {sorted(self.populations)}; "
                             "index it by name")
        return next(iter(self.populations.values()))

    # single-population shortcuts -------------------------------------------------
    @property
    def spike_indices(self) -> np.ndarray:
        return self.main.spike_indices

    @property
    def spike_times(self) -> np.ndarray:
        return self.main.spike_times

    def trace(self, name: str) -> Quantity:
        return self.main.trace(name)

    @property
    def t(self) -> Quantity:
        """Trace sample times with units."""
        return self.trace_times * second

    # persistence ---------------------------------------------------------------
    def save(self, path) -> Path:
        """Write the recording to one ``.npz`` file (atomically)."""
        arrays = {"trace_times": self.trace_times}
        meta = {"dt": self.dt, "duration": self.duration, "seed": self.seed,
                "backend": self.backend, "populations": {}}
        for name, pop in self.populations.items():
            meta["populations"][name] = {"n": pop.n, "trace_units": dict(pop.trace_units)}
            arrays[f"{name}/spike_indices"] = pop.spike_indices
            arrays[f"{name}/spike_times"] = pop.spike_times
            arrays[f"{name}/record_indices"] = pop.record_indices
            for var, values in pop.traces.items():
                arrays[f"{name}/trace/{var}"] = values
        arrays["meta"] = np.array(json.dumps(meta))
        with atomic_path(path, suffix=".npz") as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)
        return Path(path)

    @classmethod
    def load(cls, path) -> "Recording":
        """Read a recording written by :meth:`save`."""
        try:
            data = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as err:
            raise ValueError(f"recording file {str(path)!r} is unreadable: {err}") from err
        meta = json.loads(str(data["meta"]))
        pops = {}
        for name, info in meta["populations"].items():
            traces = {var: data[f"{name}/trace/{var}"] for var in info["trace_units"]}
            pops[name] = PopulationRecording(
                n=info["n"], spike_indices=data[f"{name}/spike_indices"],
                spike_times=data[f"{name}/spike_times"], traces=traces,
                trace_units=info["trace_units"], record_indices=data[f"{name}/record_indices"])
        return cls(pops, data["trace_times"], meta["dt"], meta["duration"], meta["seed"],
                   meta["backend"])

    def to_nwb(self, path, *, stimulus: Quantity | None = None, population: str | None = None,
               metadata: dict | None = None, description: str = "neurolab_snn simulation") -> Path:
        """Write the recording to a Neurodata Without Borders file (pynwb), atomically.

        Spikes of every population go to the ``Units`` table (columns ``population``
        and ``neuron_index``).  The voltage trace ``v`` of each recorded neuron is a
        ``CurrentClampSeries`` (``<population>_<index>_V``, sweep number = neuron
        index); with *stimulus*, the injected current of that neuron is the paired
        ``CurrentClampStimulusSeries`` (``..._I``), so the file reads back as one
        sweep per neuron (:func:`neurolab_snn.fitting.io.read_sweeps`).  Other traces
        are ``TimeSeries`` ``<population>_<variable>`` of shape (n_steps, n_recorded)
        in their SI unit.  *metadata* (model equations, parameters, ...) is stored
        as JSON in the file's ``notes`` together with ``dt``, ``duration``, ``seed``
        and ``backend``.

        Parameters
        ----------
        path : path
            Output file (``.nwb``).
        stimulus : Quantity, optional
            Injected current (amp), shape (n_steps,) for every neuron or
            (n_steps, n) per neuron, on the trace time grid.
        population : str, optional
            Population the stimulus belongs to (default: the only one).
        metadata : dict, optional
            JSON-serialisable description of what produced the recording.
        """
        from . import nwb
        from .units import amp, check_quantity, to_si

        meta = {"dt_s": self.dt, "duration_s": self.duration, "seed": self.seed,
                "backend": self.backend, **(metadata or {})}
        nwbfile = nwb.new_nwbfile(description, meta)
        stim_pop = population if population is not None else (
            next(iter(self.populations)) if len(self.populations) == 1 else None)
        if stimulus is not None:
            if stim_pop not in self.populations:
                raise ValueError(f"population={population!r}: expected one of "
                                 f"{sorted(self.populations)} for the stimulus")
            if "v" not in self.populations[stim_pop].traces:
                raise ValueError(f"stimulus given but population {stim_pop!r} has no 'v' "
                                 "trace; expected a recording of v (record=('v',))")
            current = np.asarray(to_si(check_quantity("stimulus", stimulus, amp)), float)
            n_steps = self.trace_times.size
            if current.shape[0] != n_steps or current.ndim > 2:
                raise ValueError(f"stimulus has shape {current.shape}; expected ({n_steps},) or "
                                 f"({n_steps}, n) on the trace time grid")
        rate = 1.0 / (self.trace_times[1] - self.trace_times[0]) if self.trace_times.size > 1 \
            else 1.0 / self.dt
        t0 = float(self.trace_times[0]) if self.trace_times.size else 0.0
        for name, pop in self.populations.items():
            nwb.add_units(nwbfile, pop.spike_trains(), population=name)
            for var, values in pop.traces.items():
                if var == "v":
                    for row, idx in enumerate(pop.record_indices):
                        i = None
                        if stimulus is not None and name == stim_pop:
                            i = current if current.ndim == 1 else current[:, idx]
                        nwb.add_current_clamp(nwbfile, f"{name}_{idx}", values[row], i, rate,
                                              starting_time=t0, sweep_number=int(idx),
                                              electrode=f"{name}_{idx}",
                                              description=f"simulated neuron {idx} of {name}")
                else:
                    nwb.add_timeseries(nwbfile, f"{name}_{var}", np.asarray(values).T,
                                       pop.trace_units[var], rate, starting_time=t0,
                                       description=f"{var} of the recorded neurons "
                                                   f"{list(map(int, pop.record_indices))}")
        return nwb.write_nwbfile(nwbfile, path)
