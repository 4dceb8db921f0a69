"""Panel: step-protocol features of a synthetic HH cell beside an LIF built from them.

The example data (``$NEUROLAB_DATA``) hold frozen-noise recordings of one L5
cell and no current-step protocol, so the "cell" here is synthetic: the
Hodgkin-Huxley model (hh1952 preset) sampled at 50 kHz, one sweep per level.
It is analysed exactly as a recording (:func:`neurolab_snn.analysis.steps.analyze_steps`:
steps found in the current, spikes detected from V, eFEL spike shapes); then an
LIF is given the cell's resting potential, input resistance, membrane time
constant and rheobase (V_th = v_rest + R_in I_rheobase) and run through the same
levels, and the two are compared: traces, f-I curves, feature table.

Each sweep is simulated from the step onset with a constant current and preceded
by 50 ms of the model's initial (resting) state, so that one compiled model
serves every protocol (a sampled step current would be recompiled per shape);
the step lasts to the end of the sweep.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from neurolab_snn.analysis.steps import analyze_steps
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.models import HH, LIF
from neurolab_snn.plotting.steps import feature_rows, plot_fi_curves
from neurolab_snn.sim import simulate
from neurolab_snn.units import amp, ms, ohm, second, volt

PANEL = {"title": "Step protocol: synthetic HH cell (no step recordings in the example data) "
                  "vs an LIF with its R_in, tau_m and rheobase",
         "source": "Hodgkin & Huxley 1952; Allen Cell Types Database electrophysiology white "
                   "paper (2017) feature definitions; eFEL (Van Geit et al. 2016)",
         "issue": "issue 14: step-protocol analysis"}

DT_MS, PRE_MS = 0.02, 50.0


def _sweeps(model, levels_nA, step_ms, seed, waveform: bool):
    """V (V), I (A) of one sweep per level, and the spike times (s from the sweep start)."""
    rec = simulate(model, step_ms * ms, n=len(levels_nA), I_ext=np.asarray(levels_nA) * 1e-9 * amp,
                   dt=DT_MS * ms, backend="runtime", seed=seed)
    n_pre = int(round(PRE_MS / DT_MS))
    v_step = rec.main.traces["v"]
    v = np.concatenate((np.repeat(v_step[:, :1], n_pre, axis=1), v_step), axis=1)
    i = np.zeros(v.shape)
    i[:, n_pre:] = np.asarray(levels_nA)[:, None] * 1e-9
    trains = None if waveform else [tr + PRE_MS * 1e-3 for tr in rec.main.spike_trains()]
    return v, i, trains


def make_panel(out_dir, quick: bool = False) -> dict:
    """HH cell at levels -1 to 4 nA (quick: 6 levels, 150 ms steps), then the matched LIF."""
    out_dir = Path(out_dir)
    levels = (np.array([-1.0, -0.5, 0.0, 1.0, 2.0, 4.0]) if quick
              else np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0]))
    step_ms = 150.0 if quick else 400.0
    v, i, _ = _sweeps(HH(), levels, step_ms, 0, waveform=True)
    cell = analyze_steps(v * volt, i * amp, DT_MS * ms, source="synthetic HH cell (hh1952)")
    c = cell.cell
    # the cell's threshold current lies between the last silent level and rheobase: midpoint
    k_rb = int(np.argmin(np.abs(levels - c["rheobase"] * 1e9)))
    i_th = 0.5 * (levels[k_rb - 1] + levels[k_rb]) * 1e-9
    lif = LIF(tau_m=c["tau_m"] * second, R_m=c["input_resistance"] * ohm,
              E_L=c["v_rest"] * volt, V_reset=c["v_rest"] * volt,
              V_th=(c["v_rest"] + c["input_resistance"] * i_th) * volt, t_ref=2 * ms)
    vm, im, trains = _sweeps(lif, levels, step_ms, 0, waveform=False)
    model = analyze_steps(vm * volt, im * amp, DT_MS * ms, spike_times=[t * second for t in trains],
                          spike_shape=False, source="LIF matched to the cell")
    entries = [("synthetic HH cell", cell), ("LIF (cell's R_in, tau_m, rheobase)", model)]

    fig = plt.figure(figsize=(14, 6.2))
    grid = fig.add_gridspec(3, 3, width_ratios=[1.4, 0.9, 1.45], hspace=0.38, wspace=0.3)
    shown = [0, k_rb, len(levels) - 1]
    t_ms = np.arange(v.shape[1]) * DT_MS
    for row, k in enumerate(shown):
        ax = fig.add_subplot(grid[row, 0])
        ax.plot(t_ms, v[k] * 1e3, color="black", lw=0.7, label=entries[0][0])
        ax.plot(t_ms, vm[k] * 1e3, color="tab:red", lw=0.7, alpha=0.8, label=entries[1][0])
        ax.axvspan(PRE_MS, t_ms[-1], color="0.94", lw=0, zorder=0)
        ax.set_ylabel("V (mV)")
        ax.set_title(f"I = {levels[k]:+g} nA" + (" (rheobase)" if row == 1 else ""),
                     fontsize=9, loc="left")
        if row == 2:
            ax.set_xlabel("time (ms); shaded: current step")
        if row == 0:
            ax.legend(frameon=False, fontsize=7, loc="upper right")
    ax = fig.add_subplot(grid[:, 1])
    plot_fi_curves(entries, ax=ax)
    ax.legend(frameon=False, fontsize=7, loc="upper left")
    ax = fig.add_subplot(grid[:, 2])
    ax.axis("off")
    rows = feature_rows(entries)
    short = {" (rheobase sweep)": ", rheobase", " (reference sweep)": ", ref. sweep"}

    def label(text):
        for old, new in short.items():
            text = text.replace(old, new)
        return text

    table = ax.table(cellText=[[label(r[0]), r[1], r[2]] for r in rows],
                     colLabels=["feature", "HH cell", "LIF"], cellLoc="left",
                     colLoc="left", colWidths=[0.56, 0.22, 0.22], bbox=[0.0, 0.05, 1.0, 0.9])
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    ax.set_title("features (n/a: LIF spikes have no waveform)", fontsize=9)
    fig.suptitle("Step protocol of a synthetic Hodgkin-Huxley cell (the example data hold no "
                 "step recordings) and an LIF with its R_in, tau_m and rheobase", fontsize=10)
    save_figure(fig, out_dir / "step_protocol.png")
    numbers = {"cell_input_resistance_MOhm": c["input_resistance"] * 1e-6,
               "cell_tau_m_ms": c["tau_m"] * 1e3, "cell_rheobase_nA": c["rheobase"] * 1e9,
               "cell_ap_half_width_ms": c["ap_half_width_rheobase"] * 1e3,
               "cell_max_rate_Hz": c["max_rate"], "lif_max_rate_Hz": model.cell["max_rate"],
               "lif_rheobase_nA": model.cell["rheobase"] * 1e9}
    write_json(out_dir / "step_protocol.json",
               {"numbers": numbers, "synthetic": True,
                "note": "synthetic HH cell: the example data hold no current-step protocol",
                "analyses": {label: a.to_json() for label, a in entries},
                "lif_parameters": {k: float(np.asarray(val)) for k, val in
                                   lif.parameters.items() if k in ("tau_m", "R_m", "E_L",
                                                                   "V_th", "V_reset", "t_ref")},
                "units": {"lif_parameters": "SI (s, ohm, V)"}})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
