"""Panel: an AdEx written as equations, fitted by the exact discrete gradient to a recording.

The example L5 pyramidal-cell recording (Pozzorini et al. 2015) when present
under the data path (a window of its first repetition, electrode-compensated
by :mod:`neurolab_snn.fitting.aec`), otherwise a
synthetic AdEx recording, which the panel says in its title.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from neurolab_snn.experiment.gif_fit_protocol import example_recording_dir, read_example_recording
from neurolab_snn.experiment.gradient_fit import fit_model
from neurolab_snn.experiment.gradient_fit_examples import adex, noisy_current, synthetic_sweeps
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.fitting.aec import compensate, fit_electrode_kernel
from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.plotting.gradient_fit import model_traces
from neurolab_snn.units import mV, ms, nS, pA, pF, to_si

PANEL = {"title": "AdEx fitted to a recording by the exact discrete adjoint (L-BFGS-B)",
         "source": "Brette & Gerstner 2005; Pozzorini et al. 2015 (recording); issue 14 sec. 3",
         "issue": "issue 14: fitting equation-string models to recordings"}

NAMES = ["C", "g_L", "E_L", "V_T", "DeltaT", "V_r", "tau_w", "a", "b"]


def _data(quick: bool):
    if example_recording_dir().is_dir():
        calibration, reps = read_example_recording()
        kernel = fit_electrode_kernel(calibration)
        seconds = 0.3 if quick else 2.0
        sweep = compensate(reps[0], kernel).window(1.0, 1.0 + seconds)
        return [sweep], None, f"example recording (L5 pyramidal cell, AEC, {seconds:g} s)"
    I = noisy_current(1, (300 if quick else 1000) * ms, 0.1 * ms, mean=300 * pA, std=150 * pA,
                      seed=1)
    sweeps, times = synthetic_sweeps(adex(), I, 0.1 * ms, noise=0.5 * mV, seed=2)
    return sweeps, times, "SYNTHETIC AdEx recording (example data not found)"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Fit nine AdEx parameters (forced spikes) and plot data vs model and the loss."""
    out_dir = Path(out_dir)
    sweeps, times, source = _data(quick)
    start = adex(C=250 * pF, g_L=12 * nS, tau_w=80 * ms, a=4 * nS, b=30 * pA)
    bounds = {"a": (0.1 * nS, 20 * nS), "b": (1 * pA, 300 * pA),
              "E_L": (-85 * mV, -55 * mV), "V_T": (-60 * mV, -40 * mV),
              "DeltaT": (0.5 * mV, 6 * mV), "V_r": (-70 * mV, -35 * mV)}
    fit = fit_model(start, sweeps, NAMES, bounds=bounds, spike_times=times,
                    max_iter=6 if quick else 60, seed=0, progress=False)
    v = model_traces(fit, sweeps, spike_times=times)
    t = np.arange(sweeps[0].n_samples) * sweeps[0].dt
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.4), width_ratios=[3, 1])
    ax.plot(t * 1e3, sweeps[0].v * 1e3, color="k", lw=0.7, label="recorded")
    ax.plot(t * 1e3, v[:, 0] * 1e3, color="C3", lw=0.7, label="AdEx, fitted (forced spikes)")
    ax.set(xlabel="time (ms)", ylabel="membrane potential V (mV)", title=source)
    ax.legend(frameon=False, fontsize=7, loc="upper right")
    ax2.semilogy(np.arange(1, len(fit.history) + 1), fit.history, "o-", ms=3)
    ax2.set(xlabel="L-BFGS-B iteration", ylabel="V MSE outside spikes (mV$^2$)",
            title="loss per iteration")
    fig.tight_layout()
    save_figure(fig, out_dir / "adex_gradient_fit.png")
    numbers = {"source": source, "loss_mV2": fit.loss, "evaluations": fit.evaluations,
               "parameters": {k: float(to_si(q)) for k, q in fit.parameters.items()},
               "parameter_units": {k: "SI" for k in fit.parameters}}
    write_json(out_dir / "adex_gradient_fit.json",
               {"numbers": numbers, "loss_history": fit.history, "units": {"t": "s", "v": "V"},
                "data": {"t": t, "v_recorded": sweeps[0].v, "v_model": v[:, 0]}})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
