"""Panels of the plasticity protocols (layer L5): STDP window, weight histograms, triplet curve."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..experiment.result import ProtocolResult

__all__ = ["PLOTS", "plot_stdp_pairing", "plot_song2000", "plot_triplet_frequency",
           "draw_stdp_window", "draw_weight_histograms", "draw_triplet_frequency"]


def draw_stdp_window(ax, result: ProtocolResult) -> None:
    """Weight change per pair (x 1e3) vs Delta t (ms), one curve per rule, analytic dots."""
    d = result.data
    dts = np.asarray(d["delta_t"]) * 1e3
    for key, info in result.settings["rules"].items():
        ax.plot(dts, np.asarray(d[key]) * 1e3, lw=1.2, label=info["label"])
    ax.plot(dts, np.asarray(d["analytic_additive"]) * 1e3, "k.", ms=4,
            label=r"analytic $A_\pm e^{-|\Delta t|/\tau_\pm}$")
    ax.axhline(0, c="0.7", lw=0.6)
    ax.axvline(0, c="0.7", lw=0.6)
    ax.set(xlabel=r"$\Delta t = t_{post} - t_{pre}$ (ms)",
           ylabel=r"weight change per pair $\Delta w$ ($10^{-3}$ of $w_{max}$)")


def plot_stdp_pairing(result: ProtocolResult) -> dict:
    """The STDP window of every rule, and the additive rule's error against the closed form."""
    nb = result.numbers
    fig = Figure(figsize=(11, 4))
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
    draw_stdp_window(ax, result)
    ax.set_title(f"{nb['n_pairs']} pairs at {nb['frequency_Hz']:g} Hz (Bi & Poo 1998 shape)")
    ax.legend(frameon=False, fontsize=7)
    d = result.data
    dts = np.asarray(d["delta_t"]) * 1e3
    key = next(k for k, v in result.settings["rules"].items() if "additive" in v["label"])
    err = np.abs(np.asarray(d[key]) - np.asarray(d["analytic_additive"]))
    ax2.semilogy(dts, np.maximum(err, 1e-20), "o", ms=3)
    ax2.set(xlabel=r"$\Delta t$ (ms)", ylabel=r"|$\Delta w$ - analytic| per pair (1)",
            title=f"additive rule: max error {nb['additive_max_abs_error']:.1e}\n"
                  f"(float64 spacing at w = 1: {np.finfo(float).eps:.1e})", ylim=(1e-20, 1e-12))
    fig.suptitle(f"STDP pairing protocol ({result.settings['backend']})", fontsize=9)
    fig.tight_layout()
    return {"window": fig}


def draw_weight_histograms(ax, result: ProtocolResult) -> None:
    """Histograms of the final weights, one per A-/A+ ratio."""
    d = result.data
    edges = np.asarray(d["bin_edges"])
    centers = 0.5 * (edges[1:] + edges[:-1])
    width = (edges[1] - edges[0]) / (len(d["ratios"]) + 1)
    for k, ratio in enumerate(d["ratios"]):
        frac_0 = result.numbers["fraction_near_zero"][k]
        frac_1 = result.numbers["fraction_near_max"][k]
        ax.bar(centers + (k - len(d["ratios"]) / 2 + 0.5) * width, d["histogram"][k], width,
               label=f"A-/A+ = {ratio:g}: {frac_0:.0%} < 0.1, {frac_1:.0%} > 0.9")
    ax.set(xlabel=r"final weight $w / w_{max}$", ylabel="number of synapses")


def plot_song2000(result: ProtocolResult) -> dict:
    """Final weight histograms (bimodal) for each A-/A+ ratio."""
    nb = result.numbers
    fig = Figure(figsize=(6.5, 4))
    ax = fig.subplots()
    draw_weight_histograms(ax, result)
    ax.set_title(f"Song et al. 2000: {len(result.data['weights'][0])} inputs, "
                 f"{nb['duration_s']:g} s, A+ = {nb['A_plus']:g} ({result.settings['backend']})",
                 fontsize=9)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return {"weights": fig}


def draw_triplet_frequency(ax, result: ProtocolResult) -> None:
    """Data (Sjöström 2001) with SEM and the model curves vs pairing frequency."""
    d = result.data
    f = np.asarray(d["frequency"])
    colors = ["tab:red", "tab:blue"]
    ax.errorbar(d["data_frequency"], d["data_dw_plus"], d["data_sem_plus"], fmt="o", c=colors[0],
                capsize=3, label="data +10 ms (Sjöström 2001)")
    ax.errorbar(d["data_frequency"], d["data_dw_minus"], d["data_sem_minus"], fmt="s",
                c=colors[1], capsize=3, label="data -10 ms")
    styles = ["-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1))]
    for i, info in result.settings["rules"].items():
        ls = styles[int(i) % len(styles)]
        ax.plot(f, d[f"dw_plus_{i}"], ls=ls, c=colors[0], lw=1.2, label=f"{info['label']} +10")
        ax.plot(f, d[f"dw_minus_{i}"], ls=ls, c=colors[1], lw=1.2, label=f"{info['label']} -10")
    ax.axhline(0, c="0.7", lw=0.6)
    ax.set(xlabel=r"pairing frequency $\rho$ (Hz)",
           ylabel=r"relative weight change $\Delta w / w_0$ (60 pairings)", ylim=(-0.6, 1.0))


def plot_triplet_frequency(result: ProtocolResult) -> dict:
    """Weight change vs pairing frequency at +-10 ms: triplet rule vs data."""
    nb = result.numbers
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    draw_triplet_frequency(ax, result)
    ax.set_title(f"triplet rule (Pfister & Gerstner 2006): E = {nb['normalized_error']:.2f}, "
                 f"RMS = {nb['rms_error']:.2f} ({result.settings['backend']})", fontsize=9)
    ax.legend(frameon=False, fontsize=6, ncol=2, loc="upper left")
    fig.tight_layout()
    return {"frequency": fig}


PLOTS = {"stdp-pairing": plot_stdp_pairing, "song2000": plot_song2000,
         "triplet-frequency": plot_triplet_frequency}
