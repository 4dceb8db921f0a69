"""Panels for the single-neuron protocols (layer L5)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..experiment.result import ProtocolResult


def _title(result: ProtocolResult) -> str:
    s = result.settings
    preset = s.get("options", {}).get("preset", "")
    return f"{s.get('model', '')} {preset} ({s.get('backend', '')}, seed {s.get('seed', '')})"


def plot_fi_curve(result: ProtocolResult) -> dict:
    """Steady and count rate (Hz) vs injected current (nA)."""
    d = result.data
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.plot(d["current"] * 1e9, d["steady_rate"], "o-", ms=3, label="1 / mean ISI")
    ax.plot(d["current"] * 1e9, d["count_rate"], "s--", ms=2, alpha=0.7,
            label="spike count / duration")
    ax.axvline(result.numbers["rheobase_nA"], color="0.6", lw=0.8, ls=":",
               label=f"rheobase {result.numbers['rheobase_nA']:.3g} nA")
    ax.set(xlabel="injected current I (nA)", ylabel="firing rate (Hz)",
           title=f"f-I curve: {_title(result)}")
    ax.legend(frameon=False, fontsize=8)
    return {"rates": fig}


def plot_step_response(result: ProtocolResult) -> dict:
    """Membrane potential (mV) over time (ms) for each current step."""
    d = result.data
    n = len(d["amplitudes"])
    fig, axes = plt.subplots(n + 1, 1, figsize=(6, 1.6 * (n + 1)), sharex=True,
                             gridspec_kw={"height_ratios": [1] * n + [0.6]})
    t_ms = np.asarray(d["t"]) * 1e3
    for k, ax in enumerate(axes[:-1]):
        ax.plot(t_ms, np.asarray(d["v"][k]) * 1e3, lw=0.8)
        lat = result.numbers["first_spike_latency_ms"][k]
        ai = result.numbers["adaptation_index"][k]
        label = f"I = {d['amplitudes'][k] * 1e9:.3g} nA"
        if lat is not None:
            label += f", latency {lat:.1f} ms"
        if ai is not None:
            label += f", adaptation index {ai:.2f}"
        ax.set_ylabel("V (mV)")
        ax.set_title(label, fontsize=8, loc="left")
    for k in range(n):
        axes[-1].plot(t_ms, np.asarray(d["current"][k]) * 1e9, lw=0.8)
    axes[-1].set(xlabel="time (ms)", ylabel="I (nA)")
    fig.suptitle(f"step response: {_title(result)}", fontsize=9)
    return {"traces": fig}


def plot_frozen_noise(result: ProtocolResult) -> dict:
    """Injected OU current, one voltage trace, and the spike raster of all repetitions."""
    d = result.data
    t = np.asarray(d["t"])
    fig, axes = plt.subplots(3, 1, figsize=(7, 5), sharex=True,
                             gridspec_kw={"height_ratios": [0.8, 1.2, 1]})
    axes[0].plot(t, np.asarray(d["I"])[: t.size] * 1e12, lw=0.4)
    axes[0].set_ylabel("I (pA)")
    axes[1].plot(t, np.asarray(d["v"][0]) * 1e3, lw=0.4)
    axes[1].set_ylabel("V (mV)")
    for k, train in enumerate(d["spike_times"]):
        axes[2].plot(train, np.full(len(train), k), "|", ms=4, color="k")
    axes[2].set(xlabel="time (s)", ylabel="repetition")
    fig.suptitle(f"frozen noise: {_title(result)}; rate {result.numbers['mean_rate_Hz']:.1f} Hz",
                 fontsize=9)
    return {"raster": fig}


PLOTS = {"fi-curve": plot_fi_curve, "step-response": plot_step_response,
         "frozen-noise": plot_frozen_noise}
