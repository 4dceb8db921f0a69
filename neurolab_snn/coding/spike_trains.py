"""Spike trains as (index, time) pairs with units, and their time x neuron arrays.

The encoders return arrays ``(..., time, neuron)`` of spike counts per step of
width ``dt``.  :class:`SpikeTrains` holds the same spikes as neuron indices and
spike times (a Brian2 quantity), the form Brian2's ``SpikeGeneratorGroup`` and
``SpikeMonitor`` use; :func:`to_spike_generator` turns either form into an
input group for a circuit.

Binning follows Brian2: a spike at time ``t`` falls in step
``floor((t + 1e-3 dt) / dt)``, so times on the grid ``k dt`` map to step ``k``
despite round-off.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurolab_snn.units import Hz, Quantity, check_quantity, second, to_si

from ._checks import check_int, first_bad, spike_array, time_si

__all__ = ["SpikeTrains", "to_spike_generator"]

_SHIFT = 1e-3  # Brian2's SpikeGeneratorGroup shift, in units of dt


def _steps(times_si: np.ndarray, dt_si: float) -> np.ndarray:
    return np.floor(times_si / dt_si + _SHIFT).astype(np.int64)


@dataclass(frozen=True, eq=False)
class SpikeTrains:
    """Spikes of ``n_neurons`` neurons in ``[0, duration)`` as indices and times.

    Parameters
    ----------
    indices : array of int, shape (n_spikes,)
        Neuron index of each spike, in ``[0, n_neurons)``.
    times : Quantity, shape (n_spikes,)
        Spike times (dimension of time), in ``[0, duration)``.
    n_neurons : int
        Number of neurons (some may be silent).
    duration : Quantity
        Length of the observation window.

    Spikes are stored sorted by time, then index.
    """

    indices: np.ndarray
    times: Quantity
    n_neurons: int
    duration: Quantity

    def __post_init__(self):
        n = check_int("n_neurons", self.n_neurons, minimum=1)
        duration = time_si("duration", self.duration, positive=True)
        times = np.atleast_1d(np.asarray(to_si(check_quantity("times", self.times, second)),
                                         dtype=np.float64))
        indices = np.atleast_1d(np.asarray(self.indices))
        if indices.size == 0:
            indices = indices.astype(np.int64)
        if not np.issubdtype(indices.dtype, np.integer):
            raise TypeError(f"parameter 'indices': got dtype {indices.dtype}; expected integers")
        if indices.shape != times.shape or indices.ndim != 1:
            raise ValueError(f"parameters 'indices' and 'times': got shapes {indices.shape} and "
                             f"{times.shape}; expected two 1-D arrays of equal length")
        if ((indices < 0) | (indices >= n)).any():
            i = first_bad((indices < 0) | (indices >= n))
            raise ValueError(f"parameter 'indices': got {indices[i]} at position {i[0]}; "
                             f"expected 0 <= index < n_neurons={n}")
        if ((times < 0) | (times >= duration)).any():
            i = first_bad((times < 0) | (times >= duration))
            raise ValueError(f"parameter 'times': got {times[i] * second} at position {i[0]}; "
                             f"expected 0 s <= t < duration={duration * second}")
        order = np.lexsort((indices, times))
        object.__setattr__(self, "indices", indices[order].astype(np.int64))
        object.__setattr__(self, "times", times[order] * second)
        object.__setattr__(self, "n_neurons", n)
        object.__setattr__(self, "duration", duration * second)

    def __len__(self) -> int:
        return int(self.indices.size)

    @classmethod
    def from_array(cls, spikes, dt) -> "SpikeTrains":
        """Spike trains from a ``(time, neuron)`` array of spike counts per step.

        A count ``c`` at step ``k`` gives ``c`` spikes at time ``k dt``;
        ``duration = n_steps * dt``.
        """
        arr = spike_array("spikes", spikes)
        if arr.ndim != 2:
            raise ValueError(f"parameter 'spikes': got shape {arr.shape}; expected a 2-D "
                             f"(time, neuron) array (index a batch element first)")
        if not np.array_equal(arr, np.round(arr)):
            idx = first_bad(arr != np.round(arr))
            raise ValueError(f"parameter 'spikes': got {arr[idx]} at index {idx}; expected "
                             f"integer spike counts")
        dt_si = time_si("dt", dt, positive=True)
        steps, neurons = np.nonzero(arr)
        reps = arr[steps, neurons].astype(np.int64)
        steps, neurons = np.repeat(steps, reps), np.repeat(neurons, reps)
        return cls(neurons, steps * dt_si * second, arr.shape[1], arr.shape[0] * dt_si * second)

    def to_array(self, dt) -> np.ndarray:
        """The ``(time, neuron)`` array of spike counts per step of width *dt*."""
        dt_si = time_si("dt", dt, positive=True)
        n_steps = int(np.ceil(to_si(self.duration) / dt_si - _SHIFT))
        out = np.zeros((n_steps, self.n_neurons))
        steps = np.minimum(_steps(np.asarray(self.times), dt_si), n_steps - 1)
        np.add.at(out, (steps, self.indices), 1.0)
        return out

    def counts(self) -> np.ndarray:
        """Spike count of each neuron, shape (n_neurons,)."""
        return np.bincount(self.indices, minlength=self.n_neurons).astype(np.float64)

    def rates(self) -> Quantity:
        """Mean firing rate of each neuron (count / duration), in Hz."""
        return self.counts() / to_si(self.duration) * Hz


def to_spike_generator(spikes, dt, *, name: str | None = None):
    """A Brian2 ``SpikeGeneratorGroup`` that replays *spikes* on a grid of step *dt*.

    Parameters
    ----------
    spikes : SpikeTrains or array, shape (time, neuron)
        Spike trains, or a 0/1 array from an encoder (one sample; index the
        batch first).  Off spikes of :func:`delta` must be split first, e.g.
        ``spikes > 0`` and ``spikes < 0`` as two groups.
    dt : Quantity
        Time step of the group's clock (use the network's ``dt``).
    name : str, optional
        Brian2 name of the group.

    Returns
    -------
    brian2.SpikeGeneratorGroup
        With ``N = n_neurons``; a spike at step ``k`` is emitted at ``t = k dt``.

    Raises
    ------
    ValueError
        If one neuron has two spikes in one step (Brian2 cannot replay them).
    """
    from brian2 import SpikeGeneratorGroup

    dt_q = check_quantity("dt", dt, second, positive=True)
    if not isinstance(spikes, SpikeTrains):
        spikes = SpikeTrains.from_array(spikes, dt_q)
    dt_si = float(to_si(dt_q))
    steps = _steps(np.asarray(spikes.times), dt_si)
    key = steps * spikes.n_neurons + spikes.indices
    uniq, counts = np.unique(key, return_counts=True)
    if (counts > 1).any():
        j = int(np.argmax(counts > 1))
        k = int(uniq[j])
        raise ValueError(f"parameter 'spikes': neuron {k % spikes.n_neurons} has "
                         f"{int(counts[j])} spikes in step {k // spikes.n_neurons} of "
                         f"dt={dt_q}; expected at most one spike per neuron and step "
                         f"(use a smaller dt)")
    kwargs = {} if name is None else {"name": name}
    return SpikeGeneratorGroup(spikes.n_neurons, spikes.indices, steps * dt_si * second,
                               dt=dt_q, **kwargs)
