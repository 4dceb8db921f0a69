"""Current-step protocols: steps, spikes and per-sweep and per-cell features (layer L4).

A step protocol is a set of sweeps, one per current level: the current rests at
a holding value, jumps by the step amplitude at the onset and returns at the
offset.  :func:`analyze_steps` takes the voltage and current of every sweep
(Brian2 quantities) and returns a :class:`StepProtocolAnalysis`:

* the step of each sweep, found in the **current** channel (:func:`detect_step`);
  a sweep whose current does not move (the 0 pA level) takes the epoch of the
  other sweeps;
* spikes: upward crossings of ``spike_threshold`` (default -20 mV, eFEL's
  default), each timed at its peak - or the spike times a simulation recorded,
  for models whose spikes are reset events without a waveform;
* per sweep: spike count and rate in the step, first-spike latency, adaptation
  index, ISI coefficient of variation, steady-state deflection and, for
  hyperpolarising subthreshold steps, the membrane time constant;
* per cell: the f-I curve, rheobase (the smallest level that fires, so a bound
  within the level spacing), the f-I slope above rheobase, input resistance
  (least-squares slope of the steady-state deflection against the amplitude of
  the hyperpolarising steps), tau_m (median over those steps), the latency at
  rheobase, adaptation index and ISI CV of the reference sweep (the lowest level
  with at least ``REFERENCE_SPIKES`` spikes, else the one with most spikes), and
  the spike-shape features of :mod:`.spike_shape` (eFEL) on the rheobase and
  reference sweeps.

Definitions follow the Allen Cell Types Database electrophysiology white paper
(Allen Institute for Brain Science, 2017): adaptation index
A = <(ISI_{k+1} - ISI_k)/(ISI_{k+1} + ISI_k)>, tau_m from a single-exponential
fit V(t) = V_ss + (V_0 - V_ss) exp(-(t - t_on)/tau_m) from the onset to the
voltage minimum of the step, input resistance from the steady-state V-I slope.
Features that cannot be measured are NaN, each with a line in ``warnings``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..recording import Recording
from ..units import Quantity, amp, check_quantity, from_si, second, to_si, volt
from .single_neuron import adaptation_index
from .spike_shape import spike_shape_features

__all__ = ["StepEpoch", "SweepFeatures", "StepProtocolAnalysis", "detect_step", "detect_spikes",
           "fit_membrane_tau", "analyze_steps", "analyze_recording_steps", "REFERENCE_SPIKES"]

#: Spikes a sweep needs to serve as the reference sweep for adaptation and ISI CV.
REFERENCE_SPIKES = 5

#: SI unit of each per-sweep number.
SWEEP_UNITS = {"amplitude": "A", "holding_current": "A", "onset": "s", "offset": "s",
               "n_spikes": "1", "rate": "Hz", "first_spike_latency": "s",
               "adaptation_index": "1", "isi_cv": "1", "v_baseline": "V", "delta_v": "V",
               "tau_m": "s"}


@dataclass(frozen=True)
class StepEpoch:
    """The current step of one sweep: [onset, offset) (s from the first sample), in A."""

    onset: float
    offset: float
    amplitude: float
    holding: float

    @property
    def duration(self) -> float:
        return self.offset - self.onset


@dataclass(frozen=True)
class SweepFeatures:
    """Features of one sweep, as SI floats (units in :data:`SWEEP_UNITS`); NaN = not measurable.

    ``spike_times`` (s from the first sample) holds every detected spike of the sweep;
    the counts and rates count those in the step only.
    """

    name: str
    amplitude: float
    holding_current: float
    onset: float
    offset: float
    spike_times: np.ndarray
    n_spikes: int
    rate: float
    first_spike_latency: float
    adaptation_index: float
    isi_cv: float
    v_baseline: float
    delta_v: float
    tau_m: float

    def quantity(self, name: str):
        """The feature *name* with its Brian2 unit (plain float when dimensionless)."""
        if name == "spike_times":
            return self.spike_times * second
        if name not in SWEEP_UNITS:
            raise KeyError(f"sweep feature {name!r} is unknown; expected one of "
                           f"{sorted(SWEEP_UNITS)} or 'spike_times'")
        return from_si(getattr(self, name), SWEEP_UNITS[name])

    def to_json(self) -> dict:
        out = {k: _plain(getattr(self, k)) for k in SWEEP_UNITS}
        out["name"] = self.name
        out["spike_times"] = [float(x) for x in self.spike_times]
        return out


@dataclass(frozen=True)
class StepProtocolAnalysis:
    """What :func:`analyze_steps` measured.

    Attributes
    ----------
    sweeps : tuple of SweepFeatures
        In order of increasing step amplitude.
    cell : dict of str to float
        Per-cell features in SI units (see ``cell_units``), NaN where not measurable.
    cell_units : dict of str to str
        SI unit string of each entry of ``cell``.
    warnings : tuple of str
        One line per feature that could not be measured, saying why.
    source : str
        Where the sweeps came from.
    dt : float
        Sampling interval (s).
    """

    sweeps: tuple
    cell: dict
    cell_units: dict
    warnings: tuple = ()
    source: str = "arrays"
    dt: float = 0.0
    traces: dict = field(default_factory=dict, repr=False, compare=False)

    def feature(self, name: str):
        """The per-cell feature *name* with its Brian2 unit (plain float when dimensionless)."""
        if name not in self.cell:
            raise KeyError(f"cell feature {name!r} is unknown; expected one of "
                           f"{sorted(self.cell)}")
        return _with_unit(self.cell[name], self.cell_units[name])

    def fi_curve(self) -> tuple[Quantity, Quantity]:
        """(step amplitudes, firing rates in the step), in order of amplitude."""
        return (np.array([s.amplitude for s in self.sweeps]) * amp,
                from_si([s.rate for s in self.sweeps], "Hz"))

    def to_json(self) -> dict:
        """JSON-ready: cell features with units, one row per sweep, warnings (NaN -> null)."""
        return {"source": self.source, "sampling_rate_Hz": 1.0 / self.dt if self.dt else None,
                "cell": {k: _plain(v) for k, v in self.cell.items()},
                "cell_units": dict(self.cell_units),
                "sweep_units": dict(SWEEP_UNITS),
                "sweeps": [s.to_json() for s in self.sweeps],
                "warnings": list(self.warnings)}


def _with_unit(value, unit: str):
    if unit == "Hz/A":
        return from_si(value, "Hz") / amp
    return from_si(value, unit)


def _plain(value):
    value = float(value) if np.ndim(value) == 0 else value
    return None if isinstance(value, float) and not np.isfinite(value) else value


# --- steps and spikes --------------------------------------------------------------------------

def _noise(x: np.ndarray) -> float:
    """Sample-to-sample noise (robust SD of the first difference / sqrt 2)."""
    d = np.diff(x)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2))


def detect_step(i: np.ndarray, dt: float, *, min_duration: float = 1e-3) -> StepEpoch | None:
    """The step of one sweep's current (A, sampled every *dt* s), or None if it never moves.

    The step lies between the largest jump of the current and the largest jump of
    the opposite sign (to the end of the sweep if there is none).  A jump
    counts only when it exceeds 8 times the sample-to-sample noise.  The
    amplitude is the median current in the step minus the median outside it.

    Raises
    ------
    ValueError
        The step is shorter than *min_duration* (s).
    """
    i = np.asarray(i, dtype=np.float64)
    d = np.diff(i)
    noise = _noise(i)
    tol = max(8 * noise, 1e-9 * float(np.max(np.abs(i))) if i.size else 0.0, 1e-18)
    k_on = int(np.argmax(np.abs(d)))
    if abs(d[k_on]) <= tol:
        return None
    opposite = -np.sign(d[k_on]) * d
    opposite[k_on] = -np.inf
    k_back = int(np.argmax(opposite))
    if opposite[k_back] > tol:
        on, off = min(k_on, k_back) + 1, max(k_on, k_back) + 1
    else:
        on, off = k_on + 1, i.size
    if (off - on) * dt < min_duration:
        raise ValueError(f"current step of {(off - on) * dt * 1e3:.3g} ms at "
                         f"{on * dt * 1e3:.6g} ms; expected a step of at least "
                         f"{min_duration * 1e3:g} ms")
    outside = np.concatenate((i[:on], i[off:]))
    holding = float(np.median(outside)) if outside.size else 0.0
    return StepEpoch(onset=on * dt, offset=off * dt,
                     amplitude=float(np.median(i[on:off])) - holding, holding=holding)


def detect_spikes(v: np.ndarray, dt: float, threshold: float = -0.020) -> np.ndarray:
    """Times (s from the first sample) of the peaks of the excursions of *v* (V) above *threshold*.

    A spike is an upward crossing of *threshold* followed by a downward one (or the
    end of the sweep); its time is that of the voltage maximum in between.
    """
    v = np.asarray(v, dtype=np.float64)
    above = v > threshold
    edges = np.diff(np.concatenate(([False], above, [False])).astype(np.int8))
    ups, downs = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    peaks = [a + int(np.argmax(v[a:b])) for a, b in zip(ups, downs)]
    return np.asarray(peaks, dtype=np.float64) * dt


def fit_membrane_tau(v: np.ndarray, dt: float, onset: float, offset: float) -> float:
    """Membrane time constant (s) of the response to a hyperpolarising step.

    Fits V(t) = V_ss + (V_0 - V_ss) exp(-(t - onset)/tau) by least squares
    (scipy ``curve_fit``) from *onset* to the voltage minimum in the step (so a
    sag does not enter the fit).  NaN when the fit fails or the window holds fewer
    than 5 samples.
    """
    from scipy.optimize import curve_fit

    k0, k1 = int(round(onset / dt)), int(round(offset / dt))
    seg = np.asarray(v[k0:k1], dtype=np.float64)
    if seg.size < 5:
        return float("nan")
    k_min = int(np.argmin(seg))
    seg = seg[:max(k_min + 1, 5)]
    t = np.arange(seg.size) * dt
    v0, vmin = seg[0], seg[-1]
    target = v0 + (1 - np.exp(-1)) * (vmin - v0)
    crossed = np.flatnonzero(seg <= target)
    tau0 = max(t[crossed[0]] if crossed.size else t[-1] / 3, dt)

    def model(tt, v_ss, dv, tau):
        return v_ss + dv * np.exp(-tt / tau)

    try:
        popt, _ = curve_fit(model, t, seg, p0=(vmin, v0 - vmin, tau0),
                            bounds=([-np.inf, -np.inf, dt / 10], [np.inf, np.inf, 100 * t[-1]]),
                            maxfev=5000)
    except (RuntimeError, ValueError):
        return float("nan")
    return float(popt[2])


# --- the protocol ------------------------------------------------------------------------------

def _as_rows(name: str, x, unit) -> list[np.ndarray]:
    if isinstance(x, Quantity):
        check_quantity(name, x, unit, finite=False)
        rows = np.atleast_2d(to_si(x))
        return [np.asarray(r, dtype=np.float64) for r in rows]
    rows = []
    for k, row in enumerate(x):
        check_quantity(f"{name}[{k}]", row, unit, finite=False)
        rows.append(np.asarray(to_si(row), dtype=np.float64).ravel())
    return rows


def _epochs(currents, dt, names, min_duration) -> list[StepEpoch]:
    found = [detect_step(i, dt, min_duration=min_duration) for i in currents]
    known = [e for e in found if e is not None]
    if not known:
        raise ValueError(f"{names[0]} ... {names[-1]}: no current step found in any of the "
                         f"{len(names)} sweep(s) (the current never jumps above its noise); "
                         "expected one step per sweep in the current channel")
    onset = float(np.median([e.onset for e in known]))
    offset = float(np.median([e.offset for e in known]))
    out = []
    for i, e in zip(currents, found):
        if e is None:
            k0, k1 = int(round(onset / dt)), int(round(offset / dt))
            outside = np.concatenate((i[:k0], i[k1:]))
            hold = float(np.median(outside)) if outside.size else 0.0
            e = StepEpoch(onset, offset, float(np.median(i[k0:k1])) - hold, hold)
        out.append(e)
    return out


def _isi_cv(train: np.ndarray) -> float:
    isi = np.diff(train)
    return float(np.std(isi) / np.mean(isi)) if isi.size >= 2 else float("nan")


def _sweep_features(name, v, dt, epoch: StepEpoch, spikes: np.ndarray) -> SweepFeatures:
    in_step = spikes[(spikes >= epoch.onset) & (spikes < epoch.offset)]
    k0, k1 = int(round(epoch.onset / dt)), int(round(epoch.offset / dt))
    pre = v[max(0, k0 - int(round(0.1 / dt))):k0]           # up to 100 ms before the onset
    base = float(np.mean(pre)) if pre.size else float("nan")
    tail = v[k1 - max(1, (k1 - k0) // 5):k1]                 # last fifth of the step
    delta = float(np.mean(tail)) - base if in_step.size == 0 else float("nan")
    tau = (fit_membrane_tau(v, dt, epoch.onset, epoch.offset)
           if epoch.amplitude < 0 and in_step.size == 0 else float("nan"))
    return SweepFeatures(
        name=name, amplitude=epoch.amplitude, holding_current=epoch.holding,
        onset=epoch.onset, offset=epoch.offset, spike_times=spikes, n_spikes=int(in_step.size),
        rate=in_step.size / epoch.duration,
        first_spike_latency=float(in_step[0] - epoch.onset) if in_step.size else float("nan"),
        adaptation_index=float(adaptation_index([in_step])[0]), isi_cv=_isi_cv(in_step),
        v_baseline=base, delta_v=delta, tau_m=tau)


CELL_UNITS = {"rheobase": "A", "fi_slope": "Hz/A", "max_rate": "Hz", "input_resistance": "ohm",
              "tau_m": "s", "v_rest": "V", "first_spike_latency": "s", "adaptation_index": "1",
              "isi_cv": "1", "n_sweeps": "1"}


def _passive(sweeps: list[SweepFeatures], warnings: list) -> dict:
    hyper = [s for s in sweeps if s.amplitude < 0 and s.n_spikes == 0
             and np.isfinite(s.delta_v)]
    out = {"v_rest": float(np.nanmedian([s.v_baseline for s in sweeps]))}
    if not hyper:
        warnings.append("input_resistance, tau_m: no hyperpolarising subthreshold step; "
                        "expected at least one step with a negative amplitude")
        return {**out, "input_resistance": float("nan"), "tau_m": float("nan")}
    amps = np.array([s.amplitude for s in hyper])
    dv = np.array([s.delta_v for s in hyper])
    r_in = float(np.sum(amps * dv) / np.sum(amps * amps))     # slope through the origin
    taus = np.array([s.tau_m for s in hyper])
    if not np.any(np.isfinite(taus)):
        warnings.append("tau_m: the exponential fit failed on every hyperpolarising step")
    tau = float(np.nanmedian(taus)) if np.any(np.isfinite(taus)) else float("nan")
    return {**out, "input_resistance": r_in, "tau_m": tau}


def _spiking(sweeps: list[SweepFeatures], warnings: list) -> tuple[dict, int | None, int | None]:
    firing = [k for k, s in enumerate(sweeps) if s.n_spikes > 0 and s.amplitude > 0]
    nan = float("nan")
    if not firing:
        warnings.append("rheobase, f-I slope, latency, adaptation, ISI CV, spike shape: no "
                        "depolarising step evokes a spike")
        return ({"rheobase": nan, "fi_slope": nan, "max_rate": 0.0, "first_spike_latency": nan,
                 "adaptation_index": nan, "isi_cv": nan}, None, None)
    k_rb = firing[0]
    ref = next((k for k in firing if sweeps[k].n_spikes >= REFERENCE_SPIKES),
               max(firing, key=lambda k: sweeps[k].n_spikes))
    supra = [s for s in sweeps if s.amplitude >= sweeps[k_rb].amplitude]
    if len(supra) >= 2:
        x, y = np.array([s.amplitude for s in supra]), np.array([s.rate for s in supra])
        slope = float(np.polyfit(x, y, 1)[0])
    else:
        slope = nan
        warnings.append("fi_slope: only one level at or above rheobase")
    if sweeps[ref].n_spikes < 3:
        warnings.append(f"adaptation_index, isi_cv: the sweep with most spikes has "
                        f"{sweeps[ref].n_spikes}; expected at least 3")
    return ({"rheobase": sweeps[k_rb].amplitude, "fi_slope": slope,
             "max_rate": max(s.rate for s in sweeps),
             "first_spike_latency": sweeps[k_rb].first_spike_latency,
             "adaptation_index": sweeps[ref].adaptation_index, "isi_cv": sweeps[ref].isi_cv},
            k_rb, ref)


def analyze_steps(v, i, dt: Quantity, *, names: Sequence[str] | None = None,
                  spike_times: Sequence | None = None, spike_threshold: Quantity = -20e-3 * volt,
                  spike_shape: bool = True, min_step: Quantity = 1e-3 * second,
                  source: str = "arrays") -> StepProtocolAnalysis:
    """Analyse a current-step protocol: one sweep per current level.

    Parameters
    ----------
    v, i : Quantity of shape (n_sweeps, n_samples), or sequences of 1-D Quantities
        Membrane voltage (volt) and injected current (amp) of each sweep.
    dt : Quantity
        Sampling interval.
    names : sequence of str, optional
        Sweep names used in messages (default ``'sweep <k>'``).
    spike_times : sequence of Quantity, optional
        Spike times of each sweep (from its first sample) when they are known - a
        simulated Recording's spikes; default: detected from ``v``.
    spike_threshold : Quantity
        Voltage that a spike crosses upwards (used for detection and by eFEL).
    spike_shape : bool
        Measure AP threshold, amplitude, half-width and AHP with eFEL
        (:mod:`.spike_shape`); switch off for models without a spike waveform.
    min_step : Quantity
        Shortest acceptable current step.
    source : str
        Name of the data in the result and in messages.

    Raises
    ------
    ValueError
        Sweeps of different lengths, voltage and current of different lengths, no
        step in any sweep, or a step shorter than *min_step*.
    TypeError
        Arguments without the right units.
    """
    step = to_si(check_quantity("dt", dt, second, positive=True))
    volts, currents = _as_rows("v", v, volt), _as_rows("i", i, amp)
    names = [f"sweep {k}" for k in range(len(volts))] if names is None else list(names)
    if not (len(volts) == len(currents) == len(names)) or not volts:
        raise ValueError(f"{source}: {len(volts)} voltage, {len(currents)} current sweep(s) and "
                         f"{len(names)} name(s); expected one voltage and one current per sweep")
    lengths = [x.size for x in volts]
    for k, (x, y) in enumerate(zip(volts, currents)):
        if x.size != y.size:
            raise ValueError(f"{source}: {names[k]} has {x.size} voltage but {y.size} current "
                             "samples; expected the same number")
        if x.size != lengths[0]:
            raise ValueError(f"{source}: sweeps of different lengths ({names[0]}: {lengths[0]} "
                             f"samples, {names[k]}: {x.size}); expected every sweep of a step "
                             "protocol to have the same length")
    threshold = to_si(check_quantity("spike_threshold", spike_threshold, volt))
    epochs = _epochs(currents, step, names,
                     to_si(check_quantity("min_step", min_step, second, positive=True)))
    if spike_times is None:
        trains = [detect_spikes(x, step, threshold) for x in volts]
    else:
        if len(spike_times) != len(volts):
            raise ValueError(f"spike_times: {len(spike_times)} trains for {len(volts)} sweeps; "
                             "expected one per sweep")
        trains = [np.sort(np.asarray(to_si(check_quantity(f"spike_times[{k}]", tr, second)),
                                     dtype=np.float64).ravel())
                  for k, tr in enumerate(spike_times)]
    feats = [_sweep_features(n, x, step, e, tr)
             for n, x, e, tr in zip(names, volts, epochs, trains)]
    order = np.argsort([f.amplitude for f in feats], kind="stable")
    feats = [feats[k] for k in order]
    volts = [volts[k] for k in order]
    warnings: list[str] = []
    cell = {"n_sweeps": float(len(feats))}
    cell.update(_passive(feats, warnings))
    spiking, k_rb, k_ref = _spiking(feats, warnings)
    cell.update(spiking)
    units = dict(CELL_UNITS)
    if spike_shape and k_rb is not None:
        for role, k in (("rheobase", k_rb), ("reference", k_ref)):
            shape, notes, shape_units = spike_shape_features(
                volts[k], step, feats[k].onset, feats[k].offset, threshold=threshold)
            for key, value in shape.items():
                cell[f"{key}_{role}"] = value
                units[f"{key}_{role}"] = shape_units[key]
            warnings.extend(f"{role} sweep ({feats[k].name}): {note}" for note in notes)
    elif not spike_shape:
        warnings.append("spike shape features: not measured (spike_shape=False)")
    return StepProtocolAnalysis(sweeps=tuple(feats), cell=cell, cell_units=units,
                                warnings=tuple(warnings), source=source, dt=step,
                                traces={"v": volts, "t": np.arange(lengths[0]) * step})


def analyze_recording_steps(recording: Recording, current: Quantity, *,
                            population: str | None = None, spikes: str = "recorded",
                            **options) -> StepProtocolAnalysis:
    """:func:`analyze_steps` on a simulated :class:`~neurolab_snn.recording.Recording`.

    Each recorded neuron is one sweep: its ``v`` trace, and column k of *current*.

    Parameters
    ----------
    recording : Recording
        With a ``v`` trace; the sweeps start at the first trace sample.
    current : Quantity, shape (n_steps,) or (n_steps, n)
        The injected current on the trace grid (one column per neuron, or shared).
    population : str, optional
        Default: the only population.
    spikes : {'recorded', 'detected'}
        Use the spike times the simulation recorded (integrate-and-fire models,
        whose spikes are resets without a waveform; spike-shape features are then
        off unless ``spike_shape=True``), or detect them from ``v`` like a recording
        (models with action potentials, such as HH).
    """
    if not isinstance(recording, Recording):
        raise TypeError(f"recording={recording!r}: expected a neurolab_snn Recording")
    if spikes not in ("recorded", "detected"):
        raise ValueError(f"spikes={spikes!r}: expected 'recorded' or 'detected'")
    pop = recording.main if population is None else recording[population]
    if "v" not in pop.traces:
        raise ValueError(f"the recording has no 'v' trace (recorded: {sorted(pop.traces)}); "
                         "expected a simulation with record=('v',)")
    i = np.asarray(to_si(check_quantity("current", current, amp)), dtype=np.float64)
    v = pop.traces["v"]
    if i.ndim == 1:
        i = np.repeat(i[:, None], pop.n, axis=1)
    if i.ndim != 2 or i.shape[0] != v.shape[1] or i.shape[1] != pop.n:
        raise ValueError(f"current has shape {i.shape}; expected ({v.shape[1]},) or "
                         f"({v.shape[1]}, {pop.n}) on the trace grid")
    idx = pop.record_indices
    t0 = float(recording.trace_times[0]) if recording.trace_times.size else 0.0
    dt = (recording.trace_times[1] - recording.trace_times[0] if recording.trace_times.size > 1
          else recording.dt)
    trains = None
    if spikes == "recorded":
        all_trains = pop.spike_trains()
        trains = [(all_trains[k] - t0) * second for k in idx]
        options.setdefault("spike_shape", False)
    options.setdefault("names", [f"neuron {k}" for k in idx])
    options.setdefault("source", "simulated recording")
    return analyze_steps(v * volt, i[:, idx].T * amp, dt * second, spike_times=trains,
                         **options)
