"""Panels of the circuit-motif protocols (layer L5).

``PLOTS`` maps each protocol of :mod:`neurolab_snn.experiment.circuit_protocols`
to a function ``result -> {suffix: Figure}``; the raster functions are reused
by the figure panels ``figures/panel_circuit_motifs_*.py``.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..experiment.result import ProtocolResult

__all__ = ["PLOTS", "raster", "draw_motif", "plot_ff_excitation", "plot_ff_inhibition",
           "plot_fb_inhibition", "plot_lateral_inhibition", "draw_ff_snr", "draw_ff_raster",
           "draw_ff_window", "draw_ff_fired", "fb_rasters", "draw_fb_chi", "draw_fb_frequency",
           "draw_contrast", "draw_wta", "draw_lateral_raster"]


def _title(result: ProtocolResult) -> str:
    s = result.settings
    return f"{s.get('model', '')}, {s.get('backend', '')}, seed {s.get('seed', '')}"


def raster(ax, indices, times, *, t_window=None, index_range=None, offset: int = 0,
           color="k", label=None, size: float = 2.0):
    """Scatter a spike raster (time in ms) on *ax*; returns the number of spikes drawn."""
    idx, t = np.asarray(indices), np.asarray(times)
    sel = np.ones(idx.shape, bool)
    if t_window is not None:
        sel &= (t >= t_window[0]) & (t < t_window[1])
    if index_range is not None:
        sel &= (idx >= index_range[0]) & (idx < index_range[1])
        idx = idx - index_range[0]
    ax.scatter(t[sel] * 1e3, idx[sel] + offset, s=size, marker="|", c=color, linewidths=0.7,
               label=label)
    return int(sel.sum())


def draw_motif(ax, nodes: dict, edges, title: str = "") -> None:
    """A circuit diagram: *nodes* ``{name: (x, y, color)}``, *edges* ``[(a, b, 'exc'|'inh')]``.

    Excitatory projections end in an arrow head, inhibitory ones in a dot
    (the usual convention of circuit diagrams).
    """
    for a, b, kind in edges:
        (xa, ya, _), (xb, yb, _) = nodes[a], nodes[b]
        if a == b:
            ax.annotate("", xy=(xa + 0.12, ya + 0.1), xytext=(xa - 0.12, ya + 0.1),
                        arrowprops=dict(arrowstyle="-[" if kind == "inh" else "->",
                                        connectionstyle="arc3,rad=-1.6", lw=1.3,
                                        color="tab:red" if kind == "inh" else "k"))
            continue
        color = "tab:red" if kind == "inh" else "k"
        ax.annotate("", xy=(xb, yb), xytext=(xa, ya),
                    arrowprops=dict(arrowstyle="-|>" if kind == "exc" else "-", lw=1.3,
                                    color=color, shrinkA=16, shrinkB=16,
                                    connectionstyle="arc3,rad=0.15"))
        if kind == "inh":
            fx, fy = xa + 0.82 * (xb - xa), ya + 0.82 * (yb - ya)
            ax.plot(fx, fy, "o", c=color, ms=5)
    for name, (x, y, color) in nodes.items():
        ax.plot(x, y, "o", ms=26, mfc=color, mec="k", alpha=0.9)
        ax.text(x, y, name, ha="center", va="center", fontsize=8, color="w", weight="bold")
    ax.set_xlim(-0.3, 1.3)
    ax.set_ylim(-0.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)


def draw_ff_snr(ax, result: ProtocolResult) -> None:
    """Detection SNR vs converging inputs (log-log) with the sqrt(N) reference."""
    d, nb = result.data, result.numbers
    n = np.asarray(d["fan_in"])
    ax.loglog(n, d["snr_output"], "o-", label=f"readout spikes (slope {nb['exponent_output']:.2f})")
    ax.loglog(n, d["snr_pooled_input"], "s--",
              label=f"pooled input count (slope {nb['exponent_pooled_input']:.2f})")
    ax.loglog(n, d["snr_output"][0] * np.sqrt(n / n[0]), "k:", label=r"$\propto\sqrt{N}$")
    ax.set(xlabel="converging inputs N", ylabel="detection SNR d' (1)")
    ax.legend(frameon=False, fontsize=7)


def draw_ff_raster(ax, result: ProtocolResult, t_end: float = 1.0) -> None:
    """Rasters of the input layer and the readouts, signal windows shaded."""
    rec, d = result.recording, result.data
    win = result.settings["window_s"]
    t_end = min(t_end, rec.duration)
    for k, start in enumerate(np.asarray(d["window_starts"])):
        if k % 2 == 1 and start < t_end:
            ax.axvspan(start * 1e3, (start + win) * 1e3, color="0.9", lw=0)
    n0 = rec["L0"].n
    raster(ax, rec["L0"].spike_indices, rec["L0"].spike_times, t_window=(0, t_end),
           color="tab:blue", label="input layer L0")
    raster(ax, rec["L1"].spike_indices, rec["L1"].spike_times, t_window=(0, t_end),
           offset=n0 + 2, color="tab:red", size=6, label="readouts L1 (N = 1 ... max)")
    ax.set(xlabel="time (ms)", ylabel="neuron index", xlim=(0, t_end * 1e3),
           ylim=(-1, n0 + rec["L1"].n + 8))
    ax.legend(frameon=False, fontsize=7, loc="upper center", ncol=2)


def plot_ff_excitation(result: ProtocolResult) -> dict:
    """SNR vs number of converging inputs (log-log, with sqrt(N)) and a raster."""
    fig = Figure(figsize=(10, 4))
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.4]})
    draw_ff_snr(ax, result)
    ax.set_title("feedforward excitation: pooling")
    if result.recording is not None:
        draw_ff_raster(ax2, result)
        ax2.set_title("rasters (grey: signal windows)")
    fig.suptitle(_title(result), fontsize=9)
    fig.tight_layout()
    return {"snr": fig}


def draw_ff_window(ax, result: ProtocolResult) -> None:
    """Coincidence window (ms) vs feedforward inhibition (nA)."""
    d = result.data
    ax.plot(np.asarray(d["inhibition"]) * 1e9, np.asarray(d["window"]) * 1e3, "o-")
    ax.set(xlabel="feedforward inhibition I -> E (nA, peak current)",
           ylabel="coincidence window (ms)")
    ax.set_ylim(bottom=0)


def draw_ff_fired(ax2, result: ProtocolResult) -> None:
    """Which (inhibition, separation) trials made E fire."""
    d = result.data
    seps = np.asarray(d["separations"]) * 1e3
    fired = np.asarray(d["fired"])
    ax2.imshow(fired, aspect="auto", origin="lower", cmap="Greys", interpolation="nearest",
               extent=(seps[0], seps[-1], -0.5, fired.shape[0] - 0.5))
    ax2.set_yticks(range(fired.shape[0]))
    ax2.set_yticklabels([f"{x * 1e9:.2f}" for x in np.asarray(d["inhibition"])])
    ax2.set(xlabel="input separation Delta t (ms)", ylabel="inhibition (nA)")


def plot_ff_inhibition(result: ProtocolResult) -> dict:
    """Coincidence window vs feedforward inhibition, and the fire/no-fire map."""
    fig = Figure(figsize=(10, 3.8))
    ax, ax2 = fig.subplots(1, 2)
    draw_ff_window(ax, result)
    ax.set_title("window narrows with inhibition")
    draw_ff_fired(ax2, result)
    ax2.set_title("E fires (black) / silent (white)")
    fig.suptitle(_title(result), fontsize=9)
    fig.tight_layout()
    return {"window": fig}


def fb_rasters(result: ProtocolResult, axes, blocks=(0, -1), t_span: float = 0.2) -> None:
    """E (blue) and I (red) rasters of the given coupling levels, last *t_span* seconds."""
    rec, s = result.recording, result.settings
    n_e, n_i, T = s["n_e"], s["n_i"], s["duration_s"]
    levels = np.asarray(result.data["levels"])
    for ax, b in zip(axes, blocks):
        b = b % len(levels)
        for pop, n, show, off, color in (("E", n_e, 100, 0, "tab:blue"),
                                         ("I", n_i, 25, 103, "tab:red")):
            stride = max(1, n // show)   # every stride-th cell: the drive spans the population
            idx, t = rec[pop].spike_indices - b * n, rec[pop].spike_times
            sel = (idx >= 0) & (idx < n) & (idx % stride == 0) & (t >= T - t_span)
            ax.scatter(t[sel] * 1e3, idx[sel] // stride + off, s=2, marker="|", c=color,
                       linewidths=0.7, label=f"{pop} ({min(show, n)} of {n})")
        ax.set(xlabel="time (ms)", ylabel="neuron",
               title=f"coupling x{levels[b]:g}: chi = {result.data['chi'][b]:.2f}")


def draw_fb_chi(ax, result: ProtocolResult) -> None:
    """Synchrony chi vs coupling."""
    d = result.data
    ax.plot(d["levels"], d["chi"], "o-")
    ax.set(xlabel="E -> I -> E coupling (x base weights)", ylabel="synchrony chi (1)",
           ylim=(0, 1))


def draw_fb_frequency(ax_f, result: ProtocolResult) -> None:
    """Oscillation frequency vs coupling, where chi > 0.2, with the gamma band."""
    d = result.data
    osc = np.asarray(d["chi"]) > 0.2
    ax_f.plot(np.asarray(d["levels"])[osc], np.asarray(d["frequency"])[osc], "s-", c="tab:green")
    ax_f.axhspan(30, 80, color="0.9", lw=0, label="gamma 30-80 Hz")
    ax_f.set(xlabel="coupling (x base weights)", ylabel="oscillation frequency (Hz)",
             ylim=(0, 150))
    ax_f.legend(frameon=False, fontsize=8)


def plot_fb_inhibition(result: ProtocolResult) -> dict:
    """Synchrony and frequency vs E -> I -> E coupling, and rasters at both ends."""
    fig = Figure(figsize=(12, 3.8))
    ax, ax_f, r0, r1 = fig.subplots(1, 4, gridspec_kw={"width_ratios": [1, 1, 1.1, 1.1]})
    draw_fb_chi(ax, result)
    ax.set_title("asynchronous -> synchronous")
    draw_fb_frequency(ax_f, result)
    ax_f.set_title("rhythm (chi > 0.2)")
    if result.recording is not None:
        fb_rasters(result, (r0, r1))
        r1.legend(frameon=False, fontsize=7, loc="upper right")
    fig.suptitle(_title(result), fontsize=9)
    fig.tight_layout()
    return {"synchrony": fig}


def draw_contrast(ax, result: ProtocolResult) -> None:
    """Input and output rate profiles with and without lateral inhibition."""
    d, nb = result.data, result.numbers
    x = np.asarray(d["position"])
    ax.plot(x, np.asarray(d["input_rate"]) / 50, c="0.5",
            label=f"input rate / 50 (contrast {nb['input_contrast']:.2f})")
    ax.plot(x, d["output_rate_control"], c="tab:blue",
            label=f"output, no inhibition ({nb['output_contrast_control']:.2f})")
    ax.plot(x, d["output_rate_lateral"], c="tab:red",
            label=f"output, lateral inhibition ({nb['output_contrast_lateral']:.2f})")
    ax.set(xlabel="position (neuron index)", ylabel="firing rate (Hz)")
    ax.legend(frameon=False, fontsize=7)


def draw_wta(ax2, result: ProtocolResult) -> None:
    """Spike counts vs input current with and without global inhibition."""
    d = result.data
    cur = np.asarray(d["wta_currents"]) * 1e9
    order = np.argsort(cur)
    pos = np.arange(len(cur))
    ax2.bar(pos - 0.2, np.asarray(d["wta_counts_control"])[order], 0.4, label="no inhibition")
    ax2.bar(pos + 0.2, np.asarray(d["wta_counts_lateral"])[order], 0.4,
            label="global inhibition (WTA)")
    ax2.set_xticks(pos)
    ax2.set_xticklabels([f"{c:.3f}" for c in cur[order]], rotation=60, fontsize=7)
    ax2.set(xlabel="input current (nA)", ylabel="spike count")
    ax2.legend(frameon=False, fontsize=7)


def plot_lateral_inhibition(result: ProtocolResult) -> dict:
    """Rate profiles with and without lateral inhibition, and winner-take-all counts."""
    nb = result.numbers
    fig = Figure(figsize=(10, 3.8))
    ax, ax2 = fig.subplots(1, 2)
    draw_contrast(ax, result)
    ax.set_title(f"contrast ratio out/in = {nb['contrast_ratio_lateral']:.2f}")
    draw_wta(ax2, result)
    ax2.set_title(f"winner-take-all: winner = strongest input: {nb['wta_correct']}")
    fig.suptitle(_title(result), fontsize=9)
    fig.tight_layout()
    return {"contrast": fig}


PLOTS = {"ff-excitation": plot_ff_excitation, "ff-inhibition": plot_ff_inhibition,
         "fb-inhibition": plot_fb_inhibition, "lateral-inhibition": plot_lateral_inhibition}


def draw_lateral_raster(ax, result: ProtocolResult, t_span: float = 0.3) -> None:
    """Rasters of the layer without (bottom) and with (top) lateral inhibition, last *t_span* s."""
    rec, n = result.recording, result.settings["n"]
    T = result.settings["duration_s"]
    raster(ax, rec["L"].spike_indices, rec["L"].spike_times, t_window=(T - t_span, T),
           index_range=(0, n), color="tab:blue", label="no inhibition")
    raster(ax, rec["L"].spike_indices, rec["L"].spike_times, t_window=(T - t_span, T),
           index_range=(n, 2 * n), offset=n + 10, color="tab:red", label="lateral inhibition")
    ax.set(xlabel="time (ms)", ylabel="position (neuron index)", ylim=(-2, 2 * n + 30))
    ax.legend(frameon=False, fontsize=7, loc="upper center", ncol=2)
