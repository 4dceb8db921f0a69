"""Circuit-motif protocols: measured network signatures of the four motifs (layer L4).

Each protocol builds its circuit with the motif builders of
:mod:`neurolab_snn.circuits`, runs parameter sweeps as independent replicas
in one network (:class:`~neurolab_snn.circuits.Blocks`: one compilation on
every backend), and measures:

* ``ff-excitation`` - detection SNR of a readout pooling ``N`` input neurons
  with independent noise, against ``sqrt(N)`` (Shadlen & Newsome 1998);
* ``ff-inhibition`` - the coincidence window of a principal cell with
  input -> E and input -> I -> E, narrowing as the inhibition grows
  (Pouille & Scanziani 2001);
* ``fb-inhibition`` - synchrony index (Golomb's chi) and oscillation frequency
  of an E-I network as the E -> I -> E loop strengthens: asynchronous ->
  PING gamma rhythm (Börgers & Kopell 2003);
* ``lateral-inhibition`` - output/input contrast of a spatial input profile
  with Gaussian lateral inhibition, and winner-take-all selection with global
  inhibition (Hartline & Ratliff 1957; Coultrip et al. 1992).

Default neuron: ``LIF('gerstner2014')`` (tau_m = 10 ms, threshold 20 mV above
rest, R_m = 100 MOhm); another model may be passed, the weights stay the same.
"""
from __future__ import annotations

import numpy as np

from ..analysis.network import (detection_snr, integration_window, michelson_contrast,
                                oscillation_frequency, power_law_exponent, synchrony_index,
                                window_counts)
from ..circuits import (AllToAll, Blocks, Circuit, Explicit, FanIn, Gaussian, OneToOne,
                        PoissonSource, Population, SpikeSource, Uniform, feedback_inhibition,
                        feedforward_excitation, feedforward_inhibition, lateral_inhibition)
from ..models import NeuronModel, get_model
from ..sim import StandaloneSimulation, check_backend, simulate
from ..synapses import CurrentSynapse
from ..units import Hz, Quantity, check_quantity, mV, ms, nA, pA, second, to_si
from .result import ProtocolResult

__all__ = ["run_circuit", "resolve_model", "ff_excitation", "ff_inhibition", "fb_inhibition",
           "lateral_inhibition_protocol", "PROTOCOLS"]


def resolve_model(model=None, preset: str | None = None) -> NeuronModel:
    """A NeuronModel from a model, a library model name or None (``LIF('gerstner2014')``)."""
    if model is None:
        model = "LIF"
    if isinstance(model, str):
        return get_model(model, preset)
    if not isinstance(model, NeuronModel):
        raise TypeError(f"model={model!r}: expected a NeuronModel or a library model name")
    return model.with_preset(preset) if preset is not None else model


def run_circuit(circuit: Circuit, duration: Quantity, *, backend: str = "runtime", seed: int = 0,
                dt: Quantity = 0.1 * ms, readout=None):
    """Simulate *circuit*; return ``(Recording, readout(circuit))``.

    *readout* (optional) reads Brian2 objects (e.g. final synaptic weights)
    while they are still alive - on cpp_standalone before the project folder
    is removed.
    """
    check_backend(backend)
    check_quantity("duration", duration, second, positive=True)
    if backend == "cpp_standalone":
        with StandaloneSimulation(circuit, duration, dt=dt, seed=int(seed)) as sim:
            rec = sim.run()
            extra = readout(circuit) if readout is not None else None
        return rec, extra
    rec = simulate(circuit, duration, backend=backend, seed=int(seed), dt=dt)
    return rec, (readout(circuit) if readout is not None else None)


def _settings(model: NeuronModel, backend, seed, quick, **extra) -> dict:
    return {"model": model.name, "options": dict(model.options), "backend": backend,
            "seed": seed, "quick": quick, **extra}


def _random_v(model: NeuronModel, spread: Quantity) -> dict:
    """Initial v uniform in [E_L, E_L + spread] (explicit seed), if the model has both."""
    if "E_L" not in model.parameters or "v" not in model.state_variables:
        return {}
    e_l = model.parameters["E_L"]
    return {"v": Uniform(e_l, e_l + spread)}


def _block(indices, times, block: int, size: int):
    sel = (indices >= block * size) & (indices < (block + 1) * size)
    return indices[sel] - block * size, times[sel]


# ---------------------------------------------------------------------------------------
def ff_excitation(model=None, *, preset: str | None = None, backend: str = "runtime",
                  seed: int = 0, quick: bool = False, fan_ins=None, n_trials: int | None = None,
                  window: Quantity = 200 * ms, dt: Quantity = 0.1 * ms) -> ProtocolResult:
    """Feedforward excitation: output SNR of a pooling readout vs number of converging inputs.

    An input layer ``L0`` of ``max(fan_ins)`` neurons receives a common current
    (0.15 nA, plus 0.03 nA in alternate "signal" windows) and independent
    Poisson noise (1 kHz of 30 pA, 2 ms current synapses, one source per
    neuron).  Readout ``k`` of layer ``L1`` pools the first ``N_k`` inputs with
    weights ``1.5 nA / N_k`` (5 ms current synapses; the mean drive does not
    depend on N).  SNR = ``d'`` of the spike counts in signal vs no-signal
    windows (first 20 ms of each window skipped); the pooled input count
    gives the ``sqrt(N)`` reference of independent noise.
    """
    model = resolve_model(model, preset)
    fan_ins = np.asarray(fan_ins if fan_ins is not None else
                         ((1, 2, 4, 8, 16) if quick else (1, 2, 4, 8, 16, 32, 64)), dtype=int)
    n_trials = int(n_trials or (15 if quick else 40))
    win = float(to_si(check_quantity("window", window, second, positive=True)))
    n_max, n_out = int(fan_ins.max()), len(fan_ins)
    levels = np.tile([0.15, 0.18], n_trials)
    l0 = Population("L0", model, n_max, stimulus=(levels * nA, window),
                    initial_values=_random_v(model, 15 * mV))
    l1 = Population("L1", model, n_out)
    noise = PoissonSource("noise", n_max, 1000 * Hz, record_spikes=False)
    pre = np.concatenate([np.arange(n) for n in fan_ins])
    post = np.concatenate([np.full(n, k) for k, n in enumerate(fan_ins)])
    circuit = feedforward_excitation(
        [noise, l0, l1],
        [CurrentSynapse(30 * pA, tau=2 * ms), CurrentSynapse(1.5 * nA, tau=5 * ms)],
        [OneToOne(), Explicit(pre, post)],
        projection_options={"L0_to_L1": {"weight_factor": lambda i, j: 1.0 / fan_ins[j]}},
        seed=seed, name="ff_excitation")
    duration = 2 * n_trials * win
    rec, _ = run_circuit(circuit, duration * second, backend=backend, seed=seed, dt=dt)
    skip = 0.02
    starts = np.arange(2 * n_trials) * win + skip
    c0 = window_counts(rec["L0"].spike_indices, rec["L0"].spike_times, n_max, starts, win - skip)
    c1 = window_counts(rec["L1"].spike_indices, rec["L1"].spike_times, n_out, starts, win - skip)
    snr_out = np.array([detection_snr(c1[1::2, k], c1[0::2, k]) for k in range(n_out)])
    pooled = np.array([c0[:, :n].sum(axis=1) for n in fan_ins])
    snr_in = np.array([detection_snr(p[1::2], p[0::2]) for p in pooled])
    small = fan_ins <= 16
    numbers = {
        "fan_in": fan_ins.tolist(), "snr_output": snr_out.round(3).tolist(),
        "snr_pooled_input": snr_in.round(3).tolist(),
        "sqrt_N_reference": (snr_out[0] * np.sqrt(fan_ins / fan_ins[0])).round(3).tolist(),
        "exponent_output": power_law_exponent(fan_ins, snr_out),
        "exponent_output_N_le_16": power_law_exponent(fan_ins[small], snr_out[small]),
        "exponent_pooled_input": power_law_exponent(fan_ins, snr_in),
        "snr_gain_output": float(snr_out[-1] / snr_out[0]),
        "sqrt_N_gain": float(np.sqrt(fan_ins[-1] / fan_ins[0])),
        "input_rate_Hz": float(c0.mean() / (win - skip)),
        "output_rate_off_Hz": float(c1[0::2].mean() / (win - skip)),
        "output_rate_on_Hz": float(c1[1::2].mean() / (win - skip)),
    }
    return ProtocolResult(
        "ff-excitation", numbers,
        data={"fan_in": fan_ins.astype(float), "snr_output": snr_out, "snr_pooled_input": snr_in,
              "window_starts": starts - skip, "stimulus": levels * 1e-9},
        units={"fan_in": "1", "snr_output": "1", "snr_pooled_input": "1", "window_starts": "s",
               "stimulus": "A"},
        settings=_settings(model, backend, seed, quick, n_trials=n_trials, window_s=win,
                           duration_s=duration, dt_s=to_si(dt), circuit=circuit.describe()),
        recording=rec)


# ---------------------------------------------------------------------------------------
def ff_inhibition(model=None, *, preset: str | None = None, backend: str = "runtime",
                  seed: int = 0, quick: bool = False, levels=None,
                  max_separation: Quantity = 15 * ms, step: Quantity | None = None,
                  dt: Quantity = 0.1 * ms) -> ProtocolResult:
    """Feedforward inhibition: coincidence window vs strength of input -> I -> E.

    Each replica ``u`` (one per inhibition level and input separation
    ``Delta t``) has two input fibres firing at 5 ms and ``5 ms + Delta t``,
    an E cell receiving both (1.8 nA, 1 ms current synapses: one input is
    subthreshold, two coincident ones fire it) and an interneuron I receiving
    both (3 nA, 2 ms: it fires on each input) that inhibits E with
    ``-0.3 nA x level`` (5 ms, 1.5 ms delay).  The window is the largest
    separation that still makes E fire.
    """
    model = resolve_model(model, preset)
    levels = np.asarray(levels if levels is not None else
                        ((0, 0.5, 1, 2) if quick else (0, 0.25, 0.5, 1, 1.5, 2, 3)), dtype=float)
    step_s = float(to_si(step)) if step is not None else (0.5e-3 if quick else 0.25e-3)
    seps = np.arange(0, float(to_si(max_separation)) + 0.5 * step_s, step_s)
    n_lv, n_sep = len(levels), len(seps)
    units = n_lv * n_sep
    u = np.arange(units)
    t0 = 0.005
    idx = np.concatenate([2 * u, 2 * u + 1])
    times = np.concatenate([np.full(units, t0), t0 + np.tile(seps, n_lv)])
    source = SpikeSource("input", 2 * units, idx, np.round(times, 7) * second)
    e_pop = Population("E", model, units)
    i_pop = Population("I", model, units)
    pairs = Explicit(idx, np.concatenate([u, u]))
    w_inh = 0.3 * nA
    circuit = feedforward_inhibition(
        source, e_pop, i_pop, input_to_e=CurrentSynapse(1.8 * nA, tau=1 * ms),
        input_to_i=CurrentSynapse(3 * nA, tau=2 * ms),
        i_to_e=CurrentSynapse(-w_inh, tau=5 * ms, delay=1.5 * ms, channel="i"),
        connectivity_input_e=pairs, connectivity_input_i=pairs, connectivity_i_e=OneToOne(),
        projection_options={"I_to_E": {"weight_factor": lambda i, j: levels[j // n_sep]}},
        seed=seed, name="ff_inhibition")
    duration = t0 + seps[-1] + 0.04
    rec, _ = run_circuit(circuit, duration * second, backend=backend, seed=seed, dt=dt)
    fired = (rec["E"].spike_counts() > 0).reshape(n_lv, n_sep)
    windows = np.array([integration_window(seps, f) for f in fired])
    interneuron_spikes = rec["I"].spike_counts().reshape(n_lv, n_sep)
    numbers = {
        "inhibition_nA": (levels * to_si(w_inh) * 1e9).round(4).tolist(),
        "window_ms": (windows * 1e3).round(3).tolist(),
        "window_no_inhibition_ms": float(windows[0] * 1e3),
        "window_strongest_ms": float(windows[-1] * 1e3),
        "monotone_nonincreasing": bool(np.all(np.diff(windows) <= 0)),
        "strictly_narrower": bool(windows[-1] < windows[0]),
        "resolution_ms": step_s * 1e3,
        "interneuron_spikes_per_trial": float(interneuron_spikes.mean()),
    }
    return ProtocolResult(
        "ff-inhibition", numbers,
        data={"levels": levels, "inhibition": levels * to_si(w_inh), "separations": seps,
              "fired": fired.astype(float), "window": windows},
        units={"levels": "1", "inhibition": "A", "separations": "s", "fired": "1",
               "window": "s"},
        settings=_settings(model, backend, seed, quick, duration_s=duration, dt_s=to_si(dt),
                           circuit=circuit.describe()),
        recording=rec)


# ---------------------------------------------------------------------------------------
def fb_inhibition(model=None, *, preset: str | None = None, backend: str = "runtime",
                  seed: int = 0, quick: bool = False, levels=None, n_e: int | None = None,
                  tau_inhibition: Quantity = 3 * ms, duration: Quantity | None = None,
                  dt: Quantity = 0.1 * ms) -> ProtocolResult:
    """Feedback inhibition: asynchronous -> synchronous (PING) as E -> I -> E strengthens.

    Per replica: ``n_e`` E cells (constant drive spread over 0.15-0.35 nA plus
    independent Poisson noise, 2 kHz of 25 pA) and ``n_e/4`` I cells without
    drive; E -> I ``20 pA x level`` (2 ms, fan-in 80), I -> E ``-10 pA x level``
    (``tau_inhibition``, fan-in 40), 1 ms delays.  Measures Golomb's chi of the
    E cells (spike trains filtered with 3 ms) and the peak of the E
    population-rate spectrum after a 200 ms transient.
    """
    model = resolve_model(model, preset)
    levels = np.asarray(levels if levels is not None else
                        ((0, 1, 2, 4) if quick else (0, 0.5, 1, 1.5, 2, 3, 4)), dtype=float)
    n_e = int(n_e or (200 if quick else 400))
    n_i = n_e // 4
    T = float(to_si(duration)) if duration is not None else (0.6 if quick else 2.0)
    k = len(levels)
    init = _random_v(model, 20 * mV)
    drive = np.tile(np.linspace(0.15, 0.35, n_e), k) * nA
    e_pop = Population("E", model, n_e * k, I_ext=drive, initial_values=init)
    i_model = model.with_parameters(tau_m=5 * ms) if "tau_m" in model.parameters else model
    i_pop = Population("I", i_model, n_i * k, initial_values=init)
    noise = PoissonSource("noise", n_e * k, 2000 * Hz, record_spikes=False)
    loop = feedback_inhibition(
        e_pop, i_pop, e_to_i=CurrentSynapse(20 * pA, tau=2 * ms, delay=1 * ms),
        i_to_e=CurrentSynapse(-10 * pA, tau=tau_inhibition, delay=1 * ms, channel="i"),
        connectivity_e_i=Blocks(FanIn(80), k), connectivity_i_e=Blocks(FanIn(40), k),
        projection_options={"E_to_I": {"weight_factor": lambda i, j: levels[j // n_i]},
                            "I_to_E": {"weight_factor": lambda i, j: levels[j // n_e]}},
        seed=seed, name="fb_inhibition")
    circuit = feedforward_excitation([noise, e_pop], CurrentSynapse(25 * pA, tau=2 * ms),
                                     OneToOne(), seed=seed) + loop
    rec, _ = run_circuit(circuit, T * second, backend=backend, seed=seed, dt=dt)
    t_start = 0.2
    chi, freq, band, rate_e, rate_i = [], [], [], [], []
    for b in range(k):
        idx, t = _block(rec["E"].spike_indices, rec["E"].spike_times, b, n_e)
        _, ti = _block(rec["I"].spike_indices, rec["I"].spike_times, b, n_i)
        chi.append(synchrony_index(idx, t, n_e, t_start, T))
        osc = oscillation_frequency(t, n_e, t_start, T, f_max=150.0)
        freq.append(osc["frequency"])
        band.append(osc["band_fraction"])
        rate_e.append(np.sum(t >= t_start) / n_e / (T - t_start))
        rate_i.append(np.sum(ti >= t_start) / n_i / (T - t_start))
    chi, freq = np.array(chi), np.array(freq)
    numbers = {
        "levels": levels.tolist(), "synchrony_chi": chi.round(4).tolist(),
        "frequency_Hz": np.round(freq, 2).tolist(),
        "rate_E_Hz": np.round(rate_e, 2).tolist(), "rate_I_Hz": np.round(rate_i, 2).tolist(),
        "chi_uncoupled": float(chi[0]), "chi_strongest": float(chi[-1]),
        "frequency_strongest_Hz": float(freq[-1]),
        "gamma_band_30_80Hz": bool(30 <= freq[-1] <= 80),
        "band_power_fraction_strongest": float(band[-1]),
        "tau_inhibition_ms": float(to_si(tau_inhibition) * 1e3),
    }
    return ProtocolResult(
        "fb-inhibition", numbers,
        data={"levels": levels, "chi": chi, "frequency": freq, "band_fraction": np.array(band),
              "rate_E": np.array(rate_e), "rate_I": np.array(rate_i)},
        units={"levels": "1", "chi": "1", "frequency": "Hz", "band_fraction": "1",
               "rate_E": "Hz", "rate_I": "Hz"},
        settings=_settings(model, backend, seed, quick, n_e=n_e, n_i=n_i, duration_s=T,
                           dt_s=to_si(dt), circuit=circuit.describe()),
        recording=rec)


# ---------------------------------------------------------------------------------------
def _region_contrast(profile, x, centre, width):
    """(peak - surround)/(peak + surround): peak |x - c| <= 2, surround |x - c| >= 3 width."""
    peak = profile[np.abs(x - centre) <= 2].mean()
    surround = profile[np.abs(x - centre) >= 3 * width].mean()
    return float(michelson_contrast([peak, surround])), float(peak), float(surround)


def lateral_inhibition_protocol(model=None, *, preset: str | None = None,
                                backend: str = "runtime", seed: int = 0, quick: bool = False,
                                n: int = 100, sigma_input: float = 3.0,
                                sigma_inhibition: float = 8.0, n_wta: int = 10,
                                duration: Quantity | None = None,
                                dt: Quantity = 0.1 * ms) -> ProtocolResult:
    """Lateral inhibition: contrast enhancement and winner-take-all.

    Contrast: ``n`` neurons on a line driven one-to-one by Poisson inputs
    (40 pA, 2 ms) at ``3 kHz + 2 kHz exp(-(x - n/2)^2 / (2 sigma_input^2))``;
    Gaussian lateral inhibition (``-40 pA x exp(-d^2/(2 sigma_inhibition^2))``,
    5 ms) in one replica, none in the control replica.  Contrast =
    ``(peak - surround)/(peak + surround)`` of the rates (peak: |x - n/2| <= 2;
    surround: |x - n/2| >= 3 sigma_input), for input and output.

    Winner-take-all: ``n_wta`` neurons with constant currents 0.24-0.30 nA
    (shuffled), all-to-all inhibition ``-1 nA`` (10 ms) vs none.
    """
    model = resolve_model(model, preset)
    T = float(to_si(duration)) if duration is not None else (0.5 if quick else 2.0)
    x = np.arange(n, dtype=float)
    profile = 3000.0 + 2000.0 * np.exp(-(x - n / 2) ** 2 / (2 * sigma_input ** 2))
    stim = PoissonSource("stim", 2 * n, np.tile(profile, 2) * Hz)
    layer = Population("L", model, 2 * n, positions=np.tile(x, 2))
    def replica(size):  # weight factor 0 in the control replica, 1 in the test replica
        return lambda i, j: (j // size).astype(float)
    contrast = feedforward_excitation([stim, layer], CurrentSynapse(40 * pA, tau=2 * ms),
                                      OneToOne(), seed=seed) + lateral_inhibition(
        layer, CurrentSynapse(-40 * pA, tau=5 * ms, channel="i"),
        connectivity=Blocks(Gaussian(sigma_inhibition, profile="weight"), 2),
        projection_options={"L_lateral": {"weight_factor": replica(n)}}, seed=seed)
    rng = np.random.default_rng(seed)
    currents = rng.permutation(np.linspace(0.24, 0.30, n_wta))
    wta_pop = Population("W", model, 2 * n_wta, I_ext=np.tile(currents, 2) * nA)
    wta = lateral_inhibition(wta_pop, CurrentSynapse(-1 * nA, tau=10 * ms, channel="i"),
                             winner_take_all=True,
                             connectivity=Blocks(AllToAll(self_connections=False), 2),
                             projection_options={"W_lateral": {"weight_factor": replica(n_wta)}},
                             seed=seed)
    circuit = contrast + wta
    rec, _ = run_circuit(circuit, T * second, backend=backend, seed=seed, dt=dt)
    r_in = rec["stim"].spike_counts() / T
    r_out = rec["L"].spike_counts() / T
    c_in = [_region_contrast(r_in[b * n:(b + 1) * n], x, n / 2, sigma_input) for b in range(2)]
    c_out = [_region_contrast(r_out[b * n:(b + 1) * n], x, n / 2, sigma_input) for b in range(2)]
    counts = rec["W"].spike_counts().reshape(2, n_wta)
    expected = int(np.argmax(currents))
    winner = [int(np.argmax(c)) for c in counts]
    share = [float(c.max() / max(c.sum(), 1)) for c in counts]
    numbers = {
        "input_contrast": c_in[1][0], "output_contrast_lateral": c_out[1][0],
        "output_contrast_control": c_out[0][0],
        "contrast_ratio_lateral": c_out[1][0] / c_in[1][0],
        "contrast_ratio_control": c_out[0][0] / c_in[0][0],
        "peak_rate_lateral_Hz": c_out[1][1], "surround_rate_lateral_Hz": c_out[1][2],
        "peak_rate_control_Hz": c_out[0][1], "surround_rate_control_Hz": c_out[0][2],
        "wta_expected_winner": expected, "wta_winner": winner[1],
        "wta_correct": winner[1] == expected, "wta_winner_spike_share": share[1],
        "control_winner_spike_share": share[0],
        "wta_active_neurons": int(np.sum(counts[1] > 0)),
        "control_active_neurons": int(np.sum(counts[0] > 0)),
    }
    return ProtocolResult(
        "lateral-inhibition", numbers,
        data={"position": x, "input_rate": r_in[n:], "output_rate_lateral": r_out[n:],
              "output_rate_control": r_out[:n], "input_profile": profile,
              "wta_currents": currents * 1e-9, "wta_counts_lateral": counts[1].astype(float),
              "wta_counts_control": counts[0].astype(float)},
        units={"position": "1", "input_rate": "Hz", "output_rate_lateral": "Hz",
               "output_rate_control": "Hz", "input_profile": "Hz", "wta_currents": "A",
               "wta_counts_lateral": "1", "wta_counts_control": "1"},
        settings=_settings(model, backend, seed, quick, n=n, duration_s=T, dt_s=to_si(dt),
                           sigma_input=sigma_input, sigma_inhibition=sigma_inhibition,
                           circuit=circuit.describe()),
        recording=rec)


PROTOCOLS = {"ff-excitation": ff_excitation, "ff-inhibition": ff_inhibition,
             "fb-inhibition": fb_inhibition, "lateral-inhibition": lateral_inhibition_protocol}
