"""Plasticity protocols: STDP window, Song et al. (2000), triplet frequency dependence (layer L4).

* ``stdp-pairing`` - ``n_pairs`` pre/post pairings at 1 Hz for each
  ``Delta t = t_post - t_pre`` in [-100, 100] ms, every rule in one network
  (imposed spikes: :class:`~neurolab_snn.circuits.SpikeSource` pre and post,
  plasticity-only projections).  The additive rule is held to its analytic
  window ``A_+- exp(-|Delta t|/tau_+-)`` and every rule to its event-by-event
  numpy twin (:func:`~neurolab_snn.analysis.plasticity.replay_stdp`).
* ``song2000`` - 1000 Poisson inputs (15 Hz) onto conductance-based LIF
  neurons with additive STDP (Song, Miller & Abbott 2000; parameters of
  Brian2's example of that paper: tau_m = 10 ms, E_L = -74 mV, threshold
  -54 mV, reset -60 mV, g_max = 0.01 of the leak conductance, tau_e = 5 ms,
  tau_+- = 20 ms); one postsynaptic neuron per ``A-/A+`` ratio, all fed by
  the same input trains.  Reports the fractions of weights near 0 and near
  ``w_max``.
* ``triplet-frequency`` - 60 pairings at ``rho`` in {0.1, 10, 20, 40, 50} Hz,
  ``Delta t = +-10 ms``; weight change of the triplet rule (Pfister & Gerstner
  2006, Table 4) against the data of Sjöström et al. (2001), with the
  normalised error of the fit.

Spike times lie on the grid of ``dt`` (default 5 ms for the imposed-spike
protocols, where nothing else is integrated: event-driven traces are exact
at any ``dt``).
"""
from __future__ import annotations

import time

import numpy as np

from ..analysis.plasticity import (SJOSTROM2001, normalized_error, pairing_trains,
                                   replay_stdp, weight_fractions)
from ..circuits import AllToAll, Circuit, OneToOne, PoissonSource, Population, Projection, \
    SpikeSource, Uniform
from ..models import LIF, NeuronModel
from ..synapses import ConductanceSynapse, PairSTDP, TripletSTDP
from ..units import Hz, Quantity, check_quantity, mV, ms, nS, second, to_si
from .circuit_protocols import resolve_model, run_circuit
from .result import ProtocolResult

__all__ = ["stdp_pairing", "song2000", "triplet_frequency", "default_pairing_rules", "PROTOCOLS"]


def default_pairing_rules() -> dict:
    """The rules compared by ``stdp-pairing``, by label."""
    return {
        "additive (Song 2000)": PairSTDP.song2000(),
        "additive, nearest-neighbour": PairSTDP.song2000(pairing="nearest"),
        "multiplicative (van Rossum 2000)": PairSTDP.van_rossum2000(),
        "Gutig 2003, mu = 0.4": PairSTDP.gutig2003(mu=0.4),
        "triplet, visual cortex": TripletSTDP.visual_cortex(),
        "triplet, hippocampal": TripletSTDP.hippocampal(),
    }


def _imposed_pairs(trains, name_pre="pre", name_post="post", dt_s=1e-3):
    """SpikeSources with one neuron per (pre, post) train pair; times on the dt grid."""
    n = len(trains)
    idx = np.concatenate([np.full(len(p), k) for k, (p, _) in enumerate(trains)])
    pre = np.concatenate([p for p, _ in trains])
    post = np.concatenate([q for _, q in trains])
    grid = lambda t: np.round(np.round(t / dt_s) * dt_s, 9)  # noqa: E731
    return (SpikeSource(name_pre, n, idx, grid(pre) * second),
            SpikeSource(name_post, n, idx, grid(post) * second), grid(pre), grid(post), idx)


def stdp_pairing(model=None, *, preset: str | None = None, backend: str = "runtime",
                 seed: int = 0, quick: bool = False, rules: dict | None = None,
                 delta_t: Quantity | None = None, n_pairs: int = 60,
                 frequency: Quantity = 1 * Hz, w0: float = 0.5,
                 dt: Quantity | None = None) -> ProtocolResult:
    """STDP window: weight change per pair vs ``Delta t`` for every rule (Bi & Poo 1998 shape).

    *model* is not used: pre- and postsynaptic spikes are imposed (a spike
    source each), as in a pairing experiment with current injection.
    """
    rules = dict(rules or default_pairing_rules())
    if delta_t is None:
        delta_t = np.linspace(-100, 100, 41 if quick else 81) * ms
    dts = np.asarray(to_si(check_quantity("delta_t", delta_t, second)), dtype=float)
    dt = dt if dt is not None else (5 * ms if quick else 0.5 * ms)
    dt_s, f = float(to_si(dt)), float(to_si(check_quantity("frequency", frequency, Hz,
                                                             positive=True)))
    trains = [pairing_trains(d, f, int(n_pairs), start=0.2) for d in dts]
    pre, post, pre_t, post_t, idx = _imposed_pairs(trains, dt_s=dt_s)
    labels = list(rules)
    projections = [Projection("pre", "post", None, OneToOne(), plasticity=rules[k], w_init=w0,
                              name=f"stdp_{i}") for i, k in enumerate(labels)]
    circuit = Circuit([pre, post], projections, seed=seed, name="stdp_pairing")
    duration = float(max(pre_t.max(), post_t.max()) + 0.5)
    readout = lambda c: {k: np.asarray(c.synapses[f"stdp_{i}"].w_syn[:], dtype=float)  # noqa: E731
                         for i, k in enumerate(labels)}
    t_wall = time.perf_counter()
    rec, weights = run_circuit(circuit, duration * second, backend=backend, seed=seed, dt=dt,
                                 readout=readout)
    t_wall = time.perf_counter() - t_wall
    dw = {k: (weights[k] - w0) / n_pairs for k in labels}
    replay_err = {}
    for k in labels:
        ref = np.array([replay_stdp(rules[k], pre_t[idx == d], post_t[idx == d], w0)
                        for d in range(len(dts))])
        replay_err[k] = float(np.max(np.abs(weights[k] - ref)))
    additive = [k for k in labels if isinstance(rules[k], PairSTDP)
                and rules[k].weight_dependence == "additive"]
    window_err = {}
    for k in additive:
        ana = rules[k].window(dts * second)
        window_err[k] = (float(np.max(np.abs(dw[k] - ana))),
                         float(np.max(np.abs(dw[k] - ana) / np.abs(ana))))
    shape_ok = {k: bool(np.all(dw[k][dts > 0] > 0) and np.all(dw[k][dts < -10e-3] < 0))
                for k in labels}
    numbers = {
        "n_pairs": int(n_pairs), "frequency_Hz": f, "n_delta_t": len(dts),
        "additive_max_abs_error": max(v[0] for v in window_err.values()) if window_err else None,
        "additive_max_rel_error": max(v[1] for v in window_err.values()) if window_err else None,
        "additive_errors": {k: {"abs": v[0], "rel": v[1]} for k, v in window_err.items()},
        "replay_max_abs_error": replay_err,
        "ltp_peak": {k: float(dw[k].max()) for k in labels},
        "ltd_peak": {k: float(dw[k].min()) for k in labels},
        "bi_poo_shape": shape_ok,
        "wall_time_s": t_wall,
    }
    data = {"delta_t": dts, "analytic_additive": rules[additive[0]].window(dts * second)
            if additive else np.zeros_like(dts)}
    units = {"delta_t": "s", "analytic_additive": "1"}
    for i, k in enumerate(labels):
        data[f"dw_{i}"] = dw[k]
        units[f"dw_{i}"] = "1"
    return ProtocolResult(
        "stdp-pairing", numbers, data=data, units=units,
        settings={"model": None, "backend": backend, "seed": seed, "quick": quick,
                  "rules": {f"dw_{i}": {"label": k, "reference": rules[k].reference}
                            for i, k in enumerate(labels)},
                  "w0": w0, "dt_s": dt_s, "duration_s": duration,
                  "note": "pre and post spikes imposed; the neuron model is not used"},
        recording=rec)


def song2000_model() -> NeuronModel:
    """Conductance LIF of Brian2's Song et al. (2000) example: tau_m = 10 ms, E_L = -74 mV,
    V_th = -54 mV, V_reset = -60 mV, tau_e = 5 ms, E_e = 0 mV (R_m = 100 MOhm: g_L = 10 nS)."""
    return LIF("gerstner2014", synapse="conductance", tau_m=10 * ms, E_L=-74 * mV,
               V_th=-54 * mV, V_reset=-60 * mV)


def song2000(model=None, *, preset: str | None = None, backend: str = "runtime", seed: int = 0,
             quick: bool = False, ratios=(1.05, 1.1, 1.2), n_inputs: int = 1000,
             rate: Quantity = 15 * Hz, g_max: Quantity = 0.1 * nS, A_plus: float | None = None,
             duration: Quantity | None = None, dt: Quantity | None = None) -> ProtocolResult:
    """Bimodal weights under additive STDP (Song, Miller & Abbott 2000).

    ``n_inputs`` Poisson trains at *rate* drive ``len(ratios)`` neurons through
    excitatory conductances ``w g_max`` (``w`` plastic in [0, 1], initially
    uniform); neuron ``k`` learns with ``A- = ratios[k] A+``.  Full mode: 200 s,
    ``A+ = 0.01``; quick mode: 10 s with ``A+ = 0.05`` (5x larger steps: the weights
    spread towards the bounds in a twentieth of the time, with broader peaks).
    The larger the ratio, the lower the postsynaptic rate and the slower the
    weights move; the fraction near ``w_max`` falls with the ratio.
    """
    model = song2000_model() if model is None else resolve_model(model, preset)
    ratios = np.asarray(ratios, dtype=float)
    A_plus = float(A_plus if A_plus is not None else (0.05 if quick else 0.01))
    T = float(to_si(duration)) if duration is not None else (10.0 if quick else 200.0)
    dt = dt if dt is not None else (0.25 * ms if quick else 0.1 * ms)
    inputs = PoissonSource("inputs", int(n_inputs), rate, record_spikes=False)
    post = Population("post", model, len(ratios))
    rule = PairSTDP.song2000(ratio=float(ratios[0]), A_plus=A_plus)
    proj = Projection("inputs", "post", ConductanceSynapse(g_max, tau=5 * ms, E_rev=0 * mV),
                      AllToAll(), plasticity=rule, w_init=Uniform(0.0, 1.0),
                      per_synapse={"A_minus": lambda i, j: A_plus * ratios[j]}, name="plastic")
    circuit = Circuit([inputs, post], [proj], seed=seed, name="song2000")
    readout = lambda c: (np.asarray(c.synapses["plastic"].w_syn[:], dtype=float),  # noqa: E731
                         np.asarray(c.synapses["plastic"].j[:], dtype=int))
    t_wall = time.perf_counter()
    rec, (w, j) = run_circuit(circuit, T * second, backend=backend, seed=seed, dt=dt,
                              readout=readout)
    t_wall = time.perf_counter() - t_wall
    fractions = [weight_fractions(w[j == k], rule.w_max) for k in range(len(ratios))]
    rates = rec["post"].spike_counts() / T
    hist = np.array([np.histogram(w[j == k], bins=20, range=(0, 1))[0] for k in range(len(ratios))])
    numbers = {
        "ratios": ratios.tolist(),
        "fraction_near_zero": [round(fr["near_zero"], 4) for fr in fractions],
        "fraction_near_max": [round(fr["near_max"], 4) for fr in fractions],
        "fraction_middle": [round(fr["middle"], 4) for fr in fractions],
        "postsynaptic_rate_Hz": np.round(rates, 2).tolist(),
        "A_plus": A_plus, "duration_s": T, "wall_time_s": round(t_wall, 2),
        "mean_weight": [round(float(np.mean(w[j == k])), 4) for k in range(len(ratios))],
        "near_max_decreases_with_ratio": bool(np.all(np.diff([f["near_max"] for f in fractions])
                                                     < 0)),
    }
    return ProtocolResult(
        "song2000", numbers,
        data={"ratios": ratios, "weights": np.array([w[j == k] for k in range(len(ratios))]),
              "histogram": hist.astype(float), "bin_edges": np.linspace(0, 1, 21)},
        units={"ratios": "1", "weights": "1", "histogram": "1", "bin_edges": "1"},
        settings={"model": model.name, "options": dict(model.options), "backend": backend,
                  "seed": seed, "quick": quick, "n_inputs": int(n_inputs),
                  "rate_Hz": float(to_si(rate)), "g_max_nS": float(to_si(g_max) * 1e9),
                  "dt_s": float(to_si(dt)), "reference": rule.reference},
        recording=rec)


def default_triplet_rules(quick: bool = False) -> dict:
    """Rules of ``triplet-frequency``: Table 4 sets (w_max = 10, so no bound is reached)."""
    rules = {"triplet, visual cortex, all-to-all": TripletSTDP.visual_cortex(w_max=10.0),
             "pair additive (Song 2000)": PairSTDP(A_plus=0.005, A_minus=0.00525, w_max=10.0)}
    if not quick:
        rules["triplet, visual cortex, nearest-spike"] = TripletSTDP.visual_cortex(
            pairing="nearest", w_max=10.0)
        rules["triplet, visual cortex, all-to-all minimal"] = TripletSTDP.visual_cortex(
            variant="minimal", w_max=10.0)
        rules["triplet, hippocampal, all-to-all"] = TripletSTDP.hippocampal(w_max=10.0)
    return rules


def triplet_frequency(model=None, *, preset: str | None = None, backend: str = "runtime",
                      seed: int = 0, quick: bool = False, rules: dict | None = None,
                      frequencies=None,
                      n_pairs: int = 60, offset: Quantity = 10 * ms,
                      dt: Quantity = 5 * ms) -> ProtocolResult:
    """Weight change vs pairing frequency at ``Delta t = +-10 ms`` (Sjöström et al. 2001).

    60 pairings at each frequency, initial weight 1 (the change is relative);
    *model* is not used (imposed spikes).  The error against the data is
    ``E = (1/p) sum ((model - data)/SEM)^2`` over the p = 10 data points.
    """
    rules = dict(rules or default_triplet_rules(quick))
    data_f = SJOSTROM2001["frequency"]
    freqs = np.asarray(frequencies if frequencies is not None else
                       (data_f if quick else (0.1, 1, 2, 5, 10, 20, 25, 40, 50)), dtype=float)
    freqs = np.unique(np.concatenate([freqs, data_f]))
    off = float(to_si(check_quantity("offset", offset, second, positive=True)))
    dt_s = float(to_si(dt))
    conds = [(s, fr) for s in (+1, -1) for fr in freqs]
    trains = [pairing_trains(s * off, fr, int(n_pairs), start=0.1) for s, fr in conds]
    pre, post, pre_t, post_t, idx = _imposed_pairs(trains, dt_s=dt_s)
    labels = list(rules)
    projections = [Projection("pre", "post", None, OneToOne(), plasticity=rules[k], w_init=1.0,
                              name=f"triplet_{i}") for i, k in enumerate(labels)]
    circuit = Circuit([pre, post], projections, seed=seed, name="triplet_frequency")
    duration = float(max(pre_t.max(), post_t.max()) + 0.2)
    readout = lambda c: {k: np.asarray(c.synapses[f"triplet_{i}"].w_syn[:], dtype=float)  # noqa: E731
                         for i, k in enumerate(labels)}
    rec, weights = run_circuit(circuit, duration * second, backend=backend, seed=seed, dt=dt,
                                 readout=readout)
    n_f = len(freqs)
    at = np.searchsorted(freqs, data_f)
    target = np.concatenate([SJOSTROM2001["dw_plus"], SJOSTROM2001["dw_minus"]])
    sem = np.concatenate([SJOSTROM2001["sem_plus"], SJOSTROM2001["sem_minus"]])
    numbers = {"frequencies_Hz": data_f.tolist(),
               "data_dw_plus10": SJOSTROM2001["dw_plus"].tolist(),
               "data_dw_minus10": SJOSTROM2001["dw_minus"].tolist(), "rules": {}}
    data = {"frequency": freqs, "data_frequency": data_f, "data_dw_plus": SJOSTROM2001["dw_plus"],
            "data_sem_plus": SJOSTROM2001["sem_plus"], "data_dw_minus": SJOSTROM2001["dw_minus"],
            "data_sem_minus": SJOSTROM2001["sem_minus"]}
    for i, k in enumerate(labels):
        dw = weights[k] - 1.0
        plus, minus = dw[:n_f], dw[n_f:]
        model_pts = np.concatenate([plus[at], minus[at]])
        ref = np.array([replay_stdp(rules[k], pre_t[idx == c], post_t[idx == c], 1.0)
                        for c in range(len(conds))]) - 1.0
        numbers["rules"][k] = {
            "dw_plus10": np.round(plus[at], 4).tolist(),
            "dw_minus10": np.round(minus[at], 4).tolist(),
            "normalized_error": normalized_error(model_pts, target, sem),
            "rms_error": float(np.sqrt(np.mean((model_pts - target) ** 2))),
            "replay_max_abs_error": float(np.max(np.abs(dw - ref))),
        }
        data[f"dw_plus_{i}"], data[f"dw_minus_{i}"] = plus, minus
    main = labels[0]
    numbers["normalized_error"] = numbers["rules"][main]["normalized_error"]
    numbers["rms_error"] = numbers["rules"][main]["rms_error"]
    numbers["main_rule"] = main
    units = {k: ("Hz" if "frequency" in k else "1") for k in data}
    return ProtocolResult(
        "triplet-frequency", numbers, data=data, units=units,
        settings={"model": None, "backend": backend, "seed": seed, "quick": quick,
                  "rules": {f"{i}": {"label": k, "reference": rules[k].reference}
                            for i, k in enumerate(labels)},
                  "n_pairs": int(n_pairs), "offset_s": off, "dt_s": dt_s,
                  "duration_s": duration, "data_reference": SJOSTROM2001["reference"],
                  "note": "pre and post spikes imposed; the neuron model is not used"},
        recording=rec)


PROTOCOLS = {"stdp-pairing": stdp_pairing, "song2000": song2000,
             "triplet-frequency": triplet_frequency}
