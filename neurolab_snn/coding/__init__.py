"""Spike encoders and decoders (layer L1): pure numpy with an explicit ``rng``.

Encoders take intensities (normalised from a declared ``data_range``) or
signals and return spike arrays ``(..., time, neuron)``: the time axis sits
before the last (neuron) axis, so a sample ``(n,)`` gives ``(T, n)`` and a
batch ``(batch, n)`` gives ``(batch, T, n)``.  (snnTorch puts time first:
``np.moveaxis(spikes, -2, 0)``.)  Physical parameters (``dt``, ``tau``, rates,
times) are Brian2 quantities; spike times come back with units.

=========================  ==================================================
encoder                    semantics
=========================  ==================================================
:func:`rate`               Bernoulli per step, p = clip(gain x + offset)  (snnTorch ``spikegen.rate``)
:func:`poisson`            Bernoulli p = rate dt, rates in Hz (Brian2 ``PoissonGroup``)
:func:`poisson_times`      continuous-time Poisson process -> :class:`SpikeTrains`
:func:`latency`            t = tau ln(x / (x - theta)) (snnTorch ``spikegen.latency``)
:func:`delta`              on/off spikes at changes >= threshold (snnTorch ``spikegen.delta``)
:func:`population`         Gaussian tuning curves
:func:`phase`              spike phase against a background oscillation
:func:`burst`              burst size and interval
:func:`rank_order`         order of first spikes
=========================  ==================================================

Each encoder has an inverse (``*_decode``); :mod:`.decoders` holds the
generic read-outs (counts, rates, argmax/softmax, first-spike times,
population vector).  :func:`to_spike_generator` feeds any spike array or
:class:`SpikeTrains` into a circuit as a Brian2 ``SpikeGeneratorGroup``.

Module names end in ``_coding`` so that ``neurolab_snn.coding.rate`` etc. are
the encoder functions, never shadowed by a submodule of the same name.
"""
from .burst_coding import burst, burst_decode
from .decoders import (argmax_count, argmin_latency, firing_rate, first_spike_times,
                       population_vector, softmax_confidence, spike_count)
from .delta_coding import delta, delta_decode
from .latency_coding import latency, latency_decode, latency_times
from .phase_coding import oscillation, phase, phase_decode
from .population_coding import (gaussian_tuning, population, population_centers,
                                population_decode, population_rates)
from .rank_order_coding import rank_order, rank_order_decode, rank_order_weights
from .rate_coding import poisson, poisson_times, rate, rate_decode
from .spike_trains import SpikeTrains, to_spike_generator

__all__ = [
    "rate", "poisson", "poisson_times", "rate_decode",
    "latency", "latency_times", "latency_decode",
    "delta", "delta_decode",
    "population", "population_rates", "population_centers", "gaussian_tuning",
    "population_decode",
    "phase", "phase_decode", "oscillation",
    "burst", "burst_decode",
    "rank_order", "rank_order_decode", "rank_order_weights",
    "spike_count", "firing_rate", "argmax_count", "softmax_confidence",
    "first_spike_times", "argmin_latency", "population_vector",
    "SpikeTrains", "to_spike_generator",
]
