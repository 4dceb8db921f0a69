"""Delta modulation of a signal, with on/off spikes.

Top: a membrane-like signal (mV), the delta modulator's reference level (a
staircase that moves by the threshold at each event) and the on/off events.
Bottom: snnTorch's step-difference form on a coarsely sampled copy: a spike
where the change since the previous sample reaches the threshold.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.coding import delta, delta_decode
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.units import mV, ms

PANEL = {
    "title": "Delta modulation: on/off spikes where the signal moves by a threshold",
    "source": "snnTorch tutorial 1 (Eshraghian et al. 2023, Proc. IEEE, delta modulation "
              "with on and off spikes)",
    "issue": "coding: delta encoder (snnTorch spikegen.delta semantics) and reconstruction",
}
NAME = "delta_modulation"


def _signal(t_ms):
    """A smooth membrane-like trace (mV): two rhythms and a step."""
    return (-65 + 6 * np.sin(2 * np.pi * t_ms / 250) + 2.5 * np.sin(2 * np.pi * t_ms / 60)
            + 5 * (t_ms > 600))


def make_panel(out_dir, quick: bool = False) -> dict:
    """Delta-modulate a signal; plot the reference staircase and the on/off spikes."""
    out_dir = Path(out_dir)
    dt = 1 * ms if not quick else 4 * ms
    duration_ms = 1000
    t = np.arange(0, duration_ms, float(dt / ms))
    x = _signal(t) * mV
    thr = 1 * mV
    spikes = delta(x, thr, padding=True, off_spike=True, reference="last_spike")
    recon = np.asarray(delta_decode(spikes, thr, initial=x[0]) / mV)
    err_mod = np.abs(recon - np.asarray(x / mV))
    # slow changes (< threshold per step) keep the reference within one threshold;
    # the 5 mV step at 600 ms is followed only one threshold per step
    smooth = t < 600

    # snnTorch form on a coarse sampling (25 ms), threshold on the step difference
    t_c = np.arange(0, duration_ms, 25.0)
    x_c = _signal(t_c) * mV
    s_c = delta(x_c, 2 * mV, padding=True, off_spike=True)

    fig = Figure(figsize=(12, 6.2))
    ax1, ax2, ax3 = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [3, 0.9, 2.2]})
    ax1.plot(t, np.asarray(x / mV), color="0.3", lw=1.2, label="signal")
    ax1.step(t, recon, where="post", color="C0", lw=1,
             label=f"reference level\n(reconstruction),\nthreshold {float(thr / mV):g} mV")
    on, off = spikes > 0, spikes < 0
    ax1.plot(t[on], recon[on], "^", color="C2", ms=4, label="on spike")
    ax1.plot(t[off], recon[off], "v", color="C3", ms=4, label="off spike")
    ax1.set_ylabel("membrane potential (mV)")
    ax1.set_title("delta modulator (reference moves by the threshold at each event)")
    ax1.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))

    ax2.eventplot([t[on], t[off]], lineoffsets=[1, 0], linelengths=0.8,
                  colors=["C2", "C3"], linewidths=1)
    ax2.set_yticks([0, 1], ["off", "on"])
    ax2.set_ylabel("event")
    ax2.set_ylim(-0.6, 1.6)

    ax3.plot(t_c, np.asarray(x_c / mV), "o-", color="0.5", ms=3, lw=0.8,
             label="signal sampled\nevery 25 ms")
    up, down = s_c > 0, s_c < 0
    ax3.plot(t_c[up], np.asarray(x_c / mV)[up], "^", color="C2", ms=7,
             label="on: rise since previous\nsample >= 2 mV")
    ax3.plot(t_c[down], np.asarray(x_c / mV)[down], "v", color="C3", ms=7,
             label="off: fall since previous\nsample >= 2 mV")
    ax3.set_xlabel("time (ms)")
    ax3.set_ylabel("membrane potential (mV)")
    ax3.set_title("snnTorch spikegen.delta form (reference = previous sample)")
    ax3.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()

    numbers = {
        "dt_ms": float(dt / ms), "threshold_mV": float(thr / mV),
        "modulator_on_spikes": int(on.sum()), "modulator_off_spikes": int(off.sum()),
        "max_abs_reconstruction_error_mV_before_step": float(err_mod[smooth].max()),
        "max_abs_reconstruction_error_mV": float(err_mod.max()),
        "snntorch_form_on_spikes": int(up.sum()), "snntorch_form_off_spikes": int(down.sum()),
    }
    save_figure(fig, out_dir / f"{NAME}.png")
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
