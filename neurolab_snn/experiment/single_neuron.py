"""Single-neuron protocols: f-I curve, step response, frozen noise (layer L4).

Every protocol simulates one NeuronGroup with one neuron per condition (the
sweep is vectorised, never a Python loop of runs) and returns a
:class:`~neurolab_snn.experiment.result.ProtocolResult`.
"""
from __future__ import annotations

import numpy as np

from ..analysis.single_neuron import (adaptation_index, count_rates, first_spike_latency,
                                      rheobase, steady_rates)
from ..models import NeuronModel, get_model
from ..sim import CurrentInput, simulate
from ..stimuli import ou_current, step_current
from ..units import Quantity, amp, check_quantity, ms, nA, second, to_si
from .result import ProtocolResult

#: Current ranges (A) that span each library model's f-I curve with its default preset.
DEFAULT_CURRENT_RANGE = {"LIF": (0 * nA, 1.0 * nA), "AdaptiveLIF": (0 * nA, 0.5 * nA),
                         "GIF": (0 * nA, 0.8 * nA), "HH": (0 * nA, 4.0 * nA)}


def resolve_model(model=None, preset: str | None = None, **options) -> NeuronModel:
    """A NeuronModel from a model, a library model name, or None (LIF)."""
    if model is None:
        model = "LIF"
    if isinstance(model, str):
        return get_model(model, preset, **options)
    if not isinstance(model, NeuronModel):
        raise TypeError(f"model={model!r}: expected a NeuronModel or a model name")
    return model.with_preset(preset) if preset is not None else model


def _settings(model: NeuronModel, backend, seed, quick, **extra) -> dict:
    return {"model": model.name, "options": dict(model.options), "backend": backend,
            "seed": seed, "quick": quick, **extra}


def fi_curve(model=None, *, preset: str | None = None, currents: Quantity | None = None,
             n_levels: int = 40, duration: Quantity = 1 * second, dt: Quantity = 0.1 * ms,
             backend: str = "runtime", seed: int = 0, quick: bool = False) -> ProtocolResult:
    """f-I curve: steady firing rate vs constant current, one neuron per level.

    The current is switched on at t = 0 with the neuron at rest. Returns the
    steady rate (1/mean ISI), the count rate over the step, rheobase and the
    first-spike latency of each level.
    """
    model = resolve_model(model, preset)
    currents, duration = fi_curve_inputs(model, currents, n_levels, duration, quick)
    rec = simulate(model, duration, n=len(currents), I_ext=currents, record=(), dt=dt,
                   backend=backend, seed=seed)
    return fi_curve_result(model, currents, rec, duration, dt, backend, seed, quick)


def fi_curve_inputs(model: NeuronModel, currents: Quantity | None, n_levels: int,
                    duration: Quantity, quick: bool) -> tuple[Quantity, Quantity]:
    """The current levels and step duration :func:`fi_curve` simulates (quick mode applied)."""
    if currents is None:
        lo, hi = DEFAULT_CURRENT_RANGE.get(model.name, (0 * nA, 1 * nA))
        currents = np.linspace(to_si(lo), to_si(hi), 12 if quick else int(n_levels)) * amp
    currents = check_quantity("currents", currents, amp)
    return currents, (0.25 * second if quick else duration)


def fi_curve_result(model: NeuronModel, currents: Quantity, rec, duration: Quantity,
                    dt: Quantity, backend: str, seed: int, quick: bool) -> ProtocolResult:
    """The :func:`fi-curve <fi_curve>` result from its Recording (one neuron per level).

    Shared by :func:`fi_curve` and callers that simulate the same population
    another way (e.g. a compiled standalone binary re-run with new parameters).
    """
    trains = rec.main.spike_trains()
    T = to_si(duration)
    steady = steady_rates(trains, 0.0, T)
    counted = count_rates(trains, 0.0, T)
    latency = first_spike_latency(trains, 0.0)
    I = to_si(currents)
    rb = rheobase(I, counted)
    numbers = {"rheobase_nA": rb * 1e9, "max_rate_Hz": float(np.max(steady)),
               "n_levels": len(I)}
    return ProtocolResult(
        "fi-curve", numbers,
        data={"current": I, "steady_rate": steady, "count_rate": counted,
              "first_spike_latency": latency},
        units={"current": "A", "steady_rate": "Hz", "count_rate": "Hz",
               "first_spike_latency": "s"},
        settings=_settings(model, backend, seed, quick, duration_s=T, dt_s=to_si(dt)),
        recording=rec)


def step_response(model=None, *, preset: str | None = None, amplitudes: Quantity | None = None,
                  onset: Quantity = 50 * ms, step_duration: Quantity = 500 * ms,
                  dt: Quantity = 0.1 * ms, backend: str = "runtime", seed: int = 0,
                  quick: bool = False) -> ProtocolResult:
    """Voltage responses to current steps: traces, first-spike latency, adaptation index.

    The default amplitudes are 0.5x, 1.5x and 3x the model's rheobase-range
    midpoint (one sub- and two supra-threshold steps).
    """
    model = resolve_model(model, preset)
    if amplitudes is None:
        lo, hi = DEFAULT_CURRENT_RANGE.get(model.name, (0 * nA, 1 * nA))
        mid = to_si(hi) / 4
        amplitudes = np.array([0.5, 1.5, 3.0]) * mid * amp
    amplitudes = check_quantity("amplitudes", amplitudes, amp)
    step_duration = 200 * ms if quick else step_duration
    t_on, t_len = to_si(onset), to_si(step_duration)
    total = (t_on + t_len + 0.1) * second
    current = step_current(amplitudes, total, dt, onset, (t_on + t_len) * second)
    rec = simulate(model, total, n=len(amplitudes), I_ext=CurrentInput(current, dt),
                   record=("v",), dt=dt, backend=backend, seed=seed)
    trains = [tr[(tr >= t_on) & (tr < t_on + t_len)] for tr in rec.main.spike_trains()]
    latency = first_spike_latency(trains, t_on)
    adapt = adaptation_index(trains)
    counts = np.array([tr.size for tr in trains])
    numbers = {"spike_counts": counts.tolist(),
               "first_spike_latency_ms": [None if np.isnan(x) else x * 1e3 for x in latency],
               "adaptation_index": [None if np.isnan(x) else float(x) for x in adapt]}
    return ProtocolResult(
        "step-response", numbers,
        data={"t": rec.trace_times, "v": rec.main.traces["v"], "amplitudes": to_si(amplitudes),
              "current": to_si(current).T, "spike_times": [tr.tolist() for tr in trains]},
        units={"t": "s", "v": "V", "amplitudes": "A", "current": "A", "spike_times": "s"},
        settings=_settings(model, backend, seed, quick, onset_s=t_on, step_duration_s=t_len),
        recording=rec)


def frozen_noise(model=None, *, preset: str | None = None, mean: Quantity | None = None,
                 sigma: Quantity | None = None, tau: Quantity = 3 * ms,
                 duration: Quantity = 10 * second, repetitions: int = 5, dt: Quantity = 0.1 * ms,
                 backend: str = "runtime", seed: int = 0, quick: bool = False) -> ProtocolResult:
    """Frozen OU-noise current injected into *repetitions* copies of the model.

    The same current (drawn from ``np.random.default_rng(seed)``) drives every
    copy; the copies differ only through the model's own noise (GIF escape
    noise). Returns V, I and the spikes - the input of a GIF fit.
    """
    model = resolve_model(model, preset)
    lo, hi = DEFAULT_CURRENT_RANGE.get(model.name, (0 * nA, 1 * nA))
    mean = 0.3 * hi if mean is None else mean
    sigma = 0.25 * hi if sigma is None else sigma
    duration = 2 * second if quick else duration
    rng = np.random.default_rng(seed)
    current = ou_current(mean, sigma, tau, duration, dt, rng)
    rec = simulate(model, duration, n=int(repetitions), I_ext=CurrentInput(current, dt),
                   record=("v",), dt=dt, backend=backend, seed=seed)
    T = to_si(duration)
    rates = count_rates(rec.main.spike_trains(), 0.0, T)
    spike_times = [tr.tolist() for tr in rec.main.spike_trains()]
    numbers = {"mean_rate_Hz": float(np.mean(rates)), "rate_sd_Hz": float(np.std(rates)),
               "current_mean_pA": float(np.mean(to_si(current)) * 1e12),
               "current_sd_pA": float(np.std(to_si(current)) * 1e12)}
    return ProtocolResult(
        "frozen-noise", numbers,
        data={"t": rec.trace_times, "I": to_si(current), "v": rec.main.traces["v"],
              "spike_times": spike_times},
        units={"t": "s", "I": "A", "v": "V", "spike_times": "s"},
        settings=_settings(model, backend, seed, quick, mean_A=to_si(mean), sigma_A=to_si(sigma),
                           tau_s=to_si(tau), duration_s=T, repetitions=int(repetitions)),
        recording=rec)


PROTOCOLS = {"fi-curve": fi_curve, "step-response": step_response, "frozen-noise": frozen_noise}
