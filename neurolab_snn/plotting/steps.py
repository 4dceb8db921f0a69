"""Panels of a step-protocol analysis, and the ``neurolab analyze-steps`` command (layer L5).

Panels compare any number of analyses (a cell and the models run through its
protocol): voltage traces per current level, the f-I curves overlaid, and a
table of the per-cell features in display units.  :func:`write_step_outputs`
renders everything in memory, then writes ``features.json`` and the PNGs
atomically, so a failure leaves no partial output.
"""
from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..analysis.steps import StepProtocolAnalysis  # noqa: E402
from ..files import atomic_path, json_default  # noqa: E402

__all__ = ["plot_step_traces", "plot_fi_curves", "plot_feature_table", "feature_rows",
           "step_figures", "write_step_outputs", "add_analyze_steps_arguments",
           "analyze_steps_command"]

_COLORS = ("black", "tab:red", "tab:blue", "tab:green")

#: SI unit -> (display unit, factor)
_DISPLAY = {"A": ("pA", 1e12), "ohm": ("MOhm", 1e-6), "s": ("ms", 1e3), "V": ("mV", 1e3),
            "Hz": ("Hz", 1.0), "Hz/A": ("Hz/nA", 1e-9), "1": ("", 1.0)}

#: Cell features in the table, in order, with their labels.
_TABLE = (("v_rest", "resting potential"), ("input_resistance", "input resistance R_in"),
          ("tau_m", "membrane time constant"), ("rheobase", "rheobase"),
          ("fi_slope", "f-I slope above rheobase"), ("max_rate", "maximum rate"),
          ("first_spike_latency", "first-spike latency at rheobase"),
          ("adaptation_index", "adaptation index (reference sweep)"),
          ("isi_cv", "ISI CV (reference sweep)"),
          ("ap_threshold_rheobase", "AP threshold (rheobase sweep)"),
          ("ap_amplitude_rheobase", "AP amplitude (rheobase sweep)"),
          ("ap_half_width_rheobase", "AP half-width (rheobase sweep)"),
          ("ahp_depth_rheobase", "AHP minimum (rheobase sweep)"))


def _levels(analysis: StepProtocolAnalysis, max_rows: int) -> list[int]:
    n = len(analysis.sweeps)
    return list(range(n)) if n <= max_rows else sorted(
        {int(round(x)) for x in np.linspace(0, n - 1, max_rows)})


def plot_step_traces(entries, max_rows: int = 8) -> plt.Figure:
    """Voltage of each current level (rows), every analysis in *entries* overlaid.

    *entries* is a list of ``(label, StepProtocolAnalysis)``; the first sets the levels shown.
    """
    first = entries[0][1]
    rows = _levels(first, max_rows)
    fig, axes = plt.subplots(len(rows), 1, figsize=(8, 1.1 * len(rows) + 0.9), sharex=True,
                             squeeze=False)
    for ax, k in zip(axes[:, 0], rows):
        level = first.sweeps[k].amplitude
        for (label, analysis), color in zip(entries, _COLORS):
            j = int(np.argmin([abs(s.amplitude - level) for s in analysis.sweeps]))
            t = np.arange(analysis.traces["v"][j].size) * analysis.dt
            ax.plot(t * 1e3, analysis.traces["v"][j] * 1e3, color=color, lw=0.7,
                    alpha=0.9 if color == "black" else 0.75, label=label)
        ax.text(1.005, 0.5, f"{level * 1e12:+.0f} pA", transform=ax.transAxes, fontsize=8,
                va="center")
        ax.set_ylabel("V (mV)", fontsize=8)
        ax.tick_params(labelsize=7)
    s0 = first.sweeps[0]
    for ax in axes[:, 0]:
        ax.axvspan(s0.onset * 1e3, s0.offset * 1e3, color="0.94", lw=0, zorder=0)
    axes[-1, 0].set_xlabel("time from sweep start (ms); shaded: current step")
    axes[0, 0].legend(frameon=False, fontsize=8, loc="lower right", ncol=len(entries),
                      bbox_to_anchor=(1.0, 1.0))
    axes[0, 0].set_title("voltage response per current level", fontsize=10, loc="left")
    fig.tight_layout()
    return fig


def plot_fi_curves(entries, ax=None) -> plt.Figure:
    """Firing rate in the step against the step amplitude; rheobase marked."""
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 3.6))
    for (label, analysis), color in zip(entries, _COLORS):
        amps = np.array([s.amplitude for s in analysis.sweeps]) * 1e12
        rates = np.array([s.rate for s in analysis.sweeps])
        ax.plot(amps, rates, "o-", color=color, ms=3.5, lw=1.2, label=label)
        rb = analysis.cell.get("rheobase", np.nan)
        if np.isfinite(rb):
            ax.axvline(rb * 1e12, color=color, ls=":", lw=0.8)
    ax.set(xlabel="step amplitude (pA)", ylabel="firing rate in the step (Hz)",
           title="f-I curve (dotted: rheobase)")
    ax.legend(frameon=False, fontsize=8)
    return fig if fig is not None else ax.figure


def _display(value, unit: str) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    name, factor = _DISPLAY.get(unit, (unit, 1.0))
    if unit == "1":
        return f"{value:.3f}"
    return f"{value * factor:.4g} {name}".strip()


def feature_rows(entries) -> list[list[str]]:
    """Table rows: feature label, then its value in display units for each analysis."""
    rows = []
    for key, label in _TABLE:
        if not any(key in a.cell for _, a in entries):
            continue
        rows.append([label] + [_display(a.cell.get(key), a.cell_units.get(key, "1"))
                               for _, a in entries])
    return rows


def plot_feature_table(entries) -> plt.Figure:
    """The per-cell features of every analysis side by side (n/a: not measurable)."""
    rows = feature_rows(entries)
    fig, ax = plt.subplots(figsize=(3.2 + 1.9 * len(entries), 0.28 * len(rows) + 0.9))
    ax.axis("off")
    table = ax.table(cellText=rows, colLabels=["feature"] + [label for label, _ in entries],
                     loc="center", cellLoc="left", colLoc="left",
                     colWidths=[0.42] + [0.58 / len(entries)] * len(entries))
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.scale(1.0, 1.25)
    ax.set_title("step-protocol features", fontsize=10)
    fig.tight_layout()
    return fig


def step_figures(entries) -> dict:
    """``{'steps_traces': fig, 'steps_fi': fig, 'steps_features': fig}``."""
    return {"steps_traces": plot_step_traces(entries), "steps_fi": plot_fi_curves(entries),
            "steps_features": plot_feature_table(entries)}


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def write_step_outputs(entries, out_dir, extra: dict | None = None) -> list[Path]:
    """Write ``features.json`` (every analysis, *extra*) and the PNG panels into *out_dir*."""
    out_dir = Path(out_dir)
    data = {"analyses": {label: a.to_json() for label, a in entries}, **(extra or {})}
    text = json.dumps(data, indent=2, default=json_default, allow_nan=False) + "\n"
    figures = step_figures(entries)
    try:
        blobs = {f"{name}.png": _png(fig) for name, fig in figures.items()}
    finally:
        for fig in figures.values():
            plt.close(fig)
    written = []
    for name, content in [("features.json", text.encode())] + list(blobs.items()):
        with atomic_path(out_dir / name) as tmp:
            tmp.write_bytes(content)
        written.append(out_dir / name)
    return written


# --- command line -----------------------------------------------------------------------------

def add_analyze_steps_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Declare the options of ``neurolab analyze-steps`` on *parser*."""
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="step protocol: files holding V and I (channels chosen by units; "
                             "every sweep is one current level), or V I pairs; NWB files of "
                             "CurrentClampSeries/CurrentClampStimulusSeries pairs")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--sweeps", metavar="LIST", default=None,
                        help="sweeps to use, numbered from 0, e.g. 0-9 or 0,2,4-7 (default: all)")
    parser.add_argument("--spike-threshold", type=float, default=-20.0, metavar="MV",
                        help="voltage (mV) a spike crosses upwards (default -20)")
    parser.add_argument("--model", default=None,
                        help="also run this library model (LIF, AdaptiveLIF, GIF, HH) through "
                             "the same protocol and compare")
    parser.add_argument("--preset", default=None, help="parameter preset of --model")
    parser.add_argument("--backend", default="runtime", choices=("runtime", "numpy",
                                                                  "cpp_standalone"))
    parser.add_argument("--seed", type=int, default=0, help="seed of the model simulation")
    parser.add_argument("--nwb", action="store_true",
                        help="with --model: also write the model's responses as model.nwb")
    return parser


def analyze_steps_command(args: argparse.Namespace) -> dict:
    """Run ``neurolab analyze-steps``: read, analyse, compare with --model, write outputs."""
    from ..fitting.episodes import parse_sweep_list
    from ..fitting.ephys import analyze_model_steps, analyze_step_files
    from ..models import get_model
    from ..units import amp, mV

    if args.nwb and args.model is None:
        raise ValueError("--nwb: expected --model as well (the recordings are files already)")
    sweeps = None if args.sweeps is None else parse_sweep_list(args.sweeps, "--sweeps")
    cell, log = analyze_step_files(args.files, sweeps=sweeps,
                                   spike_threshold=args.spike_threshold * mV)
    for line in log:
        print(line)
    entries = [("recording", cell)]
    extra = {"files": [str(p) for p in args.files], "log": log}
    nwb_job = None
    if args.model is not None:
        model = get_model(args.model, args.preset)
        analysis, rec, current = analyze_model_steps(model, cell, backend=args.backend,
                                                     seed=int(args.seed))
        entries.append((f"model {model.name}", analysis))
        extra["model"] = {"name": model.name, "preset": args.preset, "seed": int(args.seed),
                          "backend": args.backend}
        if args.nwb:
            nwb_job = (model, rec, current)
    written = write_step_outputs(entries, args.out, extra)
    if nwb_job is not None:
        from ..nwb import model_metadata
        model, rec, current = nwb_job
        written.append(rec.to_nwb(Path(args.out) / "model.nwb", stimulus=current * amp,
                                  metadata={"model": model_metadata(model),
                                            "protocol": "analyze-steps"}))
    for label, analysis in entries:
        for row in feature_rows([(label, analysis)]):
            print(f"analyze-steps: {label}: {row[0]} = {row[1]}")
        for warning in analysis.warnings:
            print(f"analyze-steps: {label}: warning: {warning}")
    for path in written:
        print(f"wrote {path}")
    return {label: a.to_json() for label, a in entries}
