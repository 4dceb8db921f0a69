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
