"""Panels and outputs of a GIF fit, and the ``neurolab fit-gif`` command body (layer L5).

Panels (matplotlib figures): the electrode kernel (AEC), the subthreshold
fit against the data, the kernels eta and gamma, and a raster of recorded and
model spikes on the test set with Md*.  :func:`write_fit_outputs` writes
``fit.json``, ``fitted_gif.json`` (loadable by
:func:`neurolab_snn.fitting.load_fitted_gif`) and the PNGs; everything is
rendered in memory first and each file is written atomically, so a failing
fit or plot leaves no output behind.

:func:`add_fit_gif_arguments` and :func:`fit_gif_command` hold the command
line of ``neurolab fit-gif`` (the CLI module only wires them).
"""
from __future__ import annotations

import argparse
import io
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..experiment.result import ProtocolResult  # noqa: E402
from ..console import logger, progress_enabled  # noqa: E402
from ..files import atomic_path, json_default  # noqa: E402
from ..fitting.pipeline import GIFFitResult, fit_gif, model_file_data  # noqa: E402
from ..fitting.report import fit_numbers, fit_panel_data  # noqa: E402

__all__ = ["plot_aec", "plot_subthreshold", "plot_kernels", "plot_raster", "gif_fit_figures",
           "plot_gif_fit_summary",
           "write_fit_outputs", "add_fit_gif_arguments", "fit_gif_command", "parse_time", "PLOTS"]

_DATA, _MODEL = "black", "tab:red"


def plot_aec(data: dict) -> plt.Figure:
    """K_opt with its membrane exponential, and the electrode kernel K_e (MOhm/ms)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
    t = data["aec_time"] * 1e3
    scale = 1e-9  # ohm/s -> MOhm/ms
    ax1.axhline(0, color="0.8", lw=0.8)
    ax1.plot(t[1:], data["aec_k_opt"][1:] * scale, color="0.3", lw=1, label="K_opt (fit)")
    ax1.plot(t[1:], data["aec_membrane"][1:] * scale, color=_MODEL, ls="--", lw=1.2,
             label="membrane exponential")
    ax1.set_xscale("log")
    ax1.set(xlabel="time (ms)", ylabel="filter (MOhm/ms)",
            title="optimal linear filter K_opt (lag 0 not shown)")
    ax1.legend(frameon=False, fontsize=8)
    n_e = int(np.flatnonzero(data["aec_kernel"])[-1]) + 1 if np.any(data["aec_kernel"]) else 1
    r_e = np.sum(data["aec_kernel"]) * (t[1] - t[0]) * 1e-3 * 1e-6
    ax2.axhline(0, color="0.8", lw=0.8)
    ax2.plot(t[:n_e], data["aec_kernel"][:n_e] * scale, color=_MODEL, marker=".", ms=3, lw=1)
    ax2.set(xlabel="time (ms)", ylabel="K_e (MOhm/ms)",
            title=f"electrode kernel K_e (R_e = {r_e:.2f} MOhm)")
    fig.suptitle("Active electrode compensation (Badel et al. 2008)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_subthreshold(data: dict, numbers: dict) -> plt.Figure:
    """A stretch of the training data against the model voltage with forced spikes."""
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 4.6), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 1]})
    t = data["train_time"]
    ax1.plot(t, data["train_v"] * 1e3, color=_DATA, lw=0.7, label="data (after AEC)")
    ax1.plot(t, data["train_v_model"] * 1e3, color=_MODEL, lw=0.9, alpha=0.85,
             label="GIF, spikes forced")
    ax1.set(ylabel="V (mV)", ylim=(min(np.min(data["train_v_model"]) * 1e3,
                                      np.percentile(data["train_v"] * 1e3, 0.5)) - 3, 10),
            title=f"subthreshold fit: variance explained V {numbers['variance_explained_v']:.3f}, "
                  f"dV/dt {numbers['variance_explained_dvdt']:.3f} (training set)")
    ax1.legend(frameon=False, fontsize=8, loc="upper right")
    ax2.plot(t, data["train_i"] * 1e12, color="0.4", lw=0.7)
    ax2.set(xlabel="time (s)", ylabel="I (pA)")
    fig.tight_layout()
    return fig


def plot_kernels(data: dict, numbers: dict) -> plt.Figure:
    """eta (spike-triggered current) and gamma (moving threshold) from the spike sample on."""
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    t = data["kernel_time"] * 1e3
    t_ref = numbers["t_ref_ms"]
    live = t >= t_ref
    for ax, key, scale, label in ((axes[1], "eta", 1e12, "eta (pA)"),
                                  (axes[2], "gamma", 1e3, "gamma (mV)")):
        ax.axvspan(0, t_ref, color="0.92", lw=0)
        ax.axhline(0, color="0.7", lw=0.8)
        ax.plot(t[live], data[key][live] * scale, color=_MODEL, lw=1.4)
        ax.set_xscale("log")
        ax.set(xlim=(t_ref * 0.8, t[-1]), xlabel="time after spike (ms)", ylabel=label)
    axes[1].set_title("spike-triggered current eta")
    axes[2].set_title("moving threshold gamma")
    ax = axes[0]
    ax.plot(data["sta_time"] * 1e3, data["sta_v"] * 1e3, color=_DATA, lw=1)
    ax.axvline(t_ref - (data["sta_time"][1] - data["sta_time"][0]) * 1e3, color="0.6", ls=":")
    ax.axhline(numbers["V_reset_mV"], color=_MODEL, ls="--", lw=1)
    ax.set(xlabel="time from spike (ms)", ylabel="V (mV)",
           title=f"spike average, V_reset = {numbers['V_reset_mV']:.1f} mV")
    fig.suptitle("GIF kernels (shaded: absolute refractory period, where they have no effect)",
                 fontsize=9)
    fig.tight_layout()
    return fig


def _draw_raster(ax, data: dict) -> None:
    d_t, d_k = data["raster_data_times"], data["raster_data_trials"]
    m_t, m_k = data["raster_model_times"], data["raster_model_trials"]
    n_d = int(d_k.max()) + 1 if d_k.size else 0
    ax.scatter(d_t, -d_k, marker="|", s=14, color=_DATA, linewidths=0.9)
    ax.scatter(m_t, -(m_k + n_d + 1), marker="|", s=14, color=_MODEL, linewidths=0.9)
    ax.set_yticks([-(n_d - 1) / 2, -(n_d + 1 + (m_k.max() if m_k.size else 0) / 2)],
                  ["data", "model"])


def plot_raster(data: dict, numbers: dict, zoom: float = 3.0) -> plt.Figure:
    """Recorded (black) and model (red) spikes on the test set, PSTHs, and Md*.

    The raster shows the first *zoom* seconds of the test window; Md* and the
    rates are over the whole window.
    """
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 4.8), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 2]})
    _draw_raster(ax1, data)
    ax1.set_xlim(0, min(zoom, float(data["psth_time"][-1]) + 1e-3))
    ax1.set_title(f"test set: Md* = {numbers.get('md_star', float('nan')):.3f} "
                  f"(Delta = 4 ms, {numbers.get('n_model_repetitions', 0)} model repetitions); "
                  f"rate data {numbers.get('rate_data_Hz', float('nan')):.2f} Hz, "
                  f"model {numbers.get('rate_model_Hz', float('nan')):.2f} Hz", fontsize=9)
    ax2.plot(data["psth_time"], data["psth_data"], color=_DATA, lw=0.9, label="data")
    ax2.plot(data["psth_time"], data["psth_model"], color=_MODEL, lw=0.9, label="model (all)")
    ax2.set(xlabel=f"time in test window (s; first {zoom:g} s shown)", ylabel="PSTH (Hz)")
    ax2.legend(frameon=False, fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def plot_gif_fit_summary(data: dict, numbers: dict, source: str = "") -> plt.Figure:
    """One figure: V fit, eta, gamma and the test raster with Md* (the gallery panel)."""
    fig = plt.figure(figsize=(11, 6.4))
    grid = fig.add_gridspec(2, 3, height_ratios=[1, 1])
    ax_v = fig.add_subplot(grid[0, :2])
    t = data["train_time"]
    ax_v.plot(t, data["train_v"] * 1e3, color=_DATA, lw=0.7, label="data (after AEC)")
    ax_v.plot(t, data["train_v_model"] * 1e3, color=_MODEL, lw=0.9, alpha=0.85,
              label="GIF, spikes forced")
    ax_v.set(xlabel="time (s)", ylabel="V (mV)", ylim=(None, 10),
             title=f"training set: variance explained V {numbers['variance_explained_v']:.3f}")
    ax_v.legend(frameon=False, fontsize=8, loc="lower right")
    tk = data["kernel_time"] * 1e3
    live = tk >= numbers["t_ref_ms"]
    ax_k = fig.add_subplot(grid[0, 2])
    ax_k.plot(tk[live], data["eta"][live] * 1e12, color="tab:blue", lw=1.3, label="eta (pA)")
    ax_g = ax_k.twinx()
    ax_g.plot(tk[live], data["gamma"][live] * 1e3, color=_MODEL, lw=1.3, label="gamma (mV)")
    ax_k.set_xscale("log")
    ax_k.set(xlabel="time after spike (ms)", title="kernels")
    ax_k.set_ylabel("eta (pA)", color="tab:blue")
    ax_g.set_ylabel("gamma (mV)", color=_MODEL)
    ax_r = fig.add_subplot(grid[1, :])
    if "raster_data_times" in data:
        _draw_raster(ax_r, data)
        ax_r.set_xlim(0, min(3.0, float(data["psth_time"][-1]) + 1e-3))
        ax_r.set(xlabel="time in test window (s)",
                 title=f"test set (model starts at rest): Md* = {numbers['md_star']:.3f}, "
                       f"rate data {numbers['rate_data_Hz']:.1f} Hz / model "
                       f"{numbers['rate_model_Hz']:.1f} Hz")
    fig.suptitle(f"GIF fitted (method of Pozzorini et al. 2015) to the {source}", fontsize=10)
    fig.tight_layout()
    return fig


def _figures(data: dict, numbers: dict) -> dict:
    figs = {}
    if "aec_time" in data:
        figs["aec_kernel"] = plot_aec(data)
    figs["subthreshold_fit"] = plot_subthreshold(data, numbers)
    figs["kernels"] = plot_kernels(data, numbers)
    if "raster_data_times" in data:
        figs["raster"] = plot_raster(data, numbers)
    return figs


def gif_fit_figures(result: GIFFitResult) -> dict:
    """All panels of a fit: ``{'aec_kernel', 'subthreshold_fit', 'kernels', 'raster'}``."""
    data, _ = fit_panel_data(result)
    return _figures(data, fit_numbers(result))


def plot_gif_fit_protocol(result: ProtocolResult) -> dict:
    """Panels of the ``gif-fit`` protocol result (from its stored arrays)."""
    data = {k: np.asarray(v) for k, v in result.data.items()}
    return _figures(data, result.numbers)


PLOTS = {"gif-fit": plot_gif_fit_protocol}


def _png_bytes(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def write_fit_outputs(result: GIFFitResult, out_dir) -> list[Path]:
    """Write ``fit.json``, ``fitted_gif.json`` and the PNG panels into *out_dir*.

    All contents are built in memory first (a failure writes nothing); each file
    is then written atomically.  Returns the paths written.
    """
    out_dir = Path(out_dir)
    summary = result.summary()
    contents = {"fit.json": json.dumps(summary, indent=2, default=json_default,
                                       allow_nan=False) + "\n",
                "fitted_gif.json": json.dumps(model_file_data(result), indent=2,
                                              default=json_default, allow_nan=False) + "\n"}
    figures = gif_fit_figures(result)
    try:
        blobs = {f"{name}.png": _png_bytes(fig) for name, fig in list(figures.items())}
    finally:
        for fig in figures.values():
            plt.close(fig)
    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in contents.items():
        with atomic_path(out_dir / name) as tmp:
            tmp.write_text(text)
        written.append(out_dir / name)
    for name, blob in blobs.items():
        with atomic_path(out_dir / name) as tmp:
            tmp.write_bytes(blob)
        written.append(out_dir / name)
    return written


# --- command line -----------------------------------------------------------------------------

_TIME = re.compile(r"^\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*(s|ms|us|min)?\s*$")


def parse_time(text: str):
    """``'12s'``, ``'500ms'``, ``'12'`` (seconds) -> a Brian2 time quantity."""
    from ..units import ms, second, us
    match = _TIME.match(str(text))
    if not match:
        raise ValueError(f"time {text!r}: expected a number with a unit, e.g. '12s' or '500ms'")
    value, unit = float(match.group(1)), match.group(2) or "s"
    return value * {"s": second, "ms": ms, "us": us, "min": 60 * second}[unit]


def add_fit_gif_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Declare the options of ``neurolab fit-gif`` on *parser*."""
    parser.add_argument("--calibration", nargs="+", metavar="FILE", required=True,
                        help="subthreshold AEC calibration sweep: one file holding V and I "
                             "(channels chosen by units), or a V I pair")
    parser.add_argument("--train", nargs="+", metavar="FILE", required=True,
                        help="training sweeps: files holding V and I, or V I pairs; every "
                             "sweep (episode) of an episodic file is one sweep")
    parser.add_argument("--test", nargs="+", metavar="FILE", required=True,
                        help="test repetitions of one frozen current: files holding V and I "
                             "(an episodic file gives one repetition per episode), or V I pairs")
    parser.add_argument("--sweeps", metavar="LIST", default=None,
                        help="sweeps to keep from every multi-sweep --train/--test file, "
                             "numbered from 0, e.g. 0-9 or 0,2,4-7 (default: all)")
    parser.add_argument("--train-sweeps", metavar="LIST", default=None,
                        help="sweeps of the multi-sweep --train files (overrides --sweeps)")
    parser.add_argument("--test-sweeps", metavar="LIST", default=None,
                        help="sweeps of the multi-sweep --test files (overrides --sweeps)")
    parser.add_argument("--calibration-sweep", metavar="K", type=int, default=None,
                        help="sweep of a multi-sweep --calibration file (from 0)")
    parser.add_argument("--train-window", nargs=2, metavar=("START", "STOP"), default=None,
                        help="part of each training sweep to fit, e.g. 0s 12s (default: all)")
    parser.add_argument("--test-window", nargs=2, metavar=("START", "STOP"), default=None,
                        help="part of each test sweep to predict, e.g. 12s 20s (default: all)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the model repetitions simulated for Md* (default 0)")
    parser.add_argument("--nwb", action="store_true",
                        help="also write fit.nwb: stimulus, recorded and model responses")
    parser.add_argument("--backend", choices=("runtime", "numpy", "cpp_standalone"),
                        default="runtime",
                        help="Brian2 backend of the model repetitions simulated for Md*")
    return parser


def _window(option: str, values):
    if values is None:
        return None
    start, stop = (parse_time(v) for v in values)
    if not float(start) < float(stop):
        raise ValueError(f"{option} {values[0]} {values[1]}: expected START < STOP")
    return start, stop


def fit_gif_command(args: argparse.Namespace) -> dict:
    """Run ``neurolab fit-gif``: read the files, fit, evaluate, write the outputs.

    Returns the fit summary (also written as ``fit.json``).  Errors in the
    arguments or the data raise ``ValueError``/``FileNotFoundError`` naming the
    option or file, before anything is written.
    """
    from ..fitting.episodes import parse_sweep_list, read_file_list

    def selection(option, text):
        return None if text is None else parse_sweep_list(text, option)

    common = selection("--sweeps", getattr(args, "sweeps", None))
    train_sel = selection("--train-sweeps", getattr(args, "train_sweeps", None)) or common
    test_sel = selection("--test-sweeps", getattr(args, "test_sweeps", None)) or common
    k_cal = getattr(args, "calibration_sweep", None)
    cal, cal_log = read_file_list(args.calibration, "--calibration",
                                  None if k_cal is None else [k_cal], single_too=True)
    if len(cal) != 1:
        raise ValueError(f"--calibration: {len(cal)} sweeps ({', '.join(s.source for s in cal)})"
                         "; expected one calibration sweep (choose it with --calibration-sweep K)")
    calibration = cal[0]
    train, train_log = read_file_list(args.train, "--train", train_sel)
    test, test_log = read_file_list(args.test, "--test", test_sel)
    for line in cal_log + train_log + test_log:
        logger.info("%s", line)
    result = fit_gif(calibration, train, test, train_window=_window("--train-window",
                                                                    args.train_window),
                     test_window=_window("--test-window", args.test_window),
                     seed=int(args.seed), backend=getattr(args, "backend", "runtime"),
                     progress=progress_enabled())
    paths = write_fit_outputs(result, args.out)
    if getattr(args, "nwb", False):
        from ..fitting.nwb_export import gif_fit_to_nwb
        paths.append(gif_fit_to_nwb(result, Path(args.out) / "fit.nwb"))
    numbers = fit_numbers(result)
    for key, value in numbers.items():
        print(f"fit-gif: {key} = {value:.6g}" if isinstance(value, float)
              else f"fit-gif: {key} = {value}")
    for diagnostic in result.diagnostics:
        print(diagnostic.line())
    if result.warnings:
        print(f"fit-gif: the fit trips {len(result.warnings)} diagnostic(s) "
              f"({', '.join(d.name for d in result.warnings)}); outputs written, see "
              "'diagnostics' in fit.json")
    for path in paths:
        print(f"wrote {path}")
    return result.summary()
