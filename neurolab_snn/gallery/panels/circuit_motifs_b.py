"""Circuit motif B - feedforward and feedback inhibition, as simulated rasters.

Top: input -> E plus input -> I -> E; the disynaptic inhibition narrows the
window in which two inputs summate (``ff-inhibition``).  Bottom: E -> I -> E;
as the loop strengthens, asynchronous firing turns into a PING gamma rhythm
(``fb-inhibition``).
"""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment import run_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.plotting.circuits import (draw_fb_chi, draw_ff_fired,
                                            draw_ff_window, draw_motif, fb_rasters)

PANEL = {
    "title": "Circuit motif B: feedforward inhibition (coincidence window) and feedback "
             "inhibition (asynchronous -> PING gamma) as rasters",
    "source": "seed circuit diagram, motif B; Pouille & Scanziani (2001) Science 293:1159; "
              "Börgers & Kopell (2003) Neural Comput 15:509",
    "issue": "circuits: feedforward/feedback inhibition motifs, ff-inhibition and "
             "fb-inhibition protocols",
}
NAME = "circuit_motifs_b"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Diagrams, window vs inhibition, fire map, synchrony and rasters."""
    out_dir = Path(out_dir)
    backend = "numpy" if quick else "runtime"
    ffi = run_protocol("ff-inhibition", backend=backend, quick=quick)
    fbi = run_protocol("fb-inhibition", backend=backend, quick=quick)
    fig = Figure(figsize=(14, 7))
    axes = fig.subplots(2, 4, gridspec_kw={"width_ratios": [0.7, 1, 1, 1]})
    draw_motif(axes[0, 0], {"in": (0.0, 0.5, "0.5"), "I": (0.5, 1.0, "tab:red"),
                            "E": (1.0, 0.5, "tab:blue")},
               [("in", "E", "exc"), ("in", "I", "exc"), ("I", "E", "inh")],
               "B1  feedforward inhibition\ninput -> E, input -> I -> E")
    draw_ff_fired(axes[0, 1], ffi)
    axes[0, 1].set_title("E fires (black) vs input separation", fontsize=9)
    draw_ff_window(axes[0, 2], ffi)
    axes[0, 2].set_title("coincidence window narrows", fontsize=9)
    axes[0, 3].axis("off")
    axes[0, 3].text(0.0, 0.5, "\n".join(
        [f"inhibition {i:.2f} nA: window {w:.2f} ms" for i, w in
         zip(ffi.numbers["inhibition_nA"], ffi.numbers["window_ms"])]), fontsize=8, va="center")
    draw_motif(axes[1, 0], {"E": (0.0, 0.5, "tab:blue"), "I": (1.0, 0.5, "tab:red")},
               [("E", "I", "exc"), ("I", "E", "inh")],
               "B2  feedback inhibition\nE -> I -> E")
    draw_fb_chi(axes[1, 1], fbi)
    axes[1, 1].set_title(f"synchrony; f = {fbi.numbers['frequency_strongest_Hz']:.0f} Hz "
                         "at the strongest coupling", fontsize=9)
    fb_rasters(fbi, (axes[1, 2], axes[1, 3]))
    axes[1, 3].legend(frameon=False, fontsize=7, loc="upper right")
    fig.tight_layout()
    save_figure(fig, out_dir / f"{NAME}.png")
    numbers = {"ff_inhibition_nA": ffi.numbers["inhibition_nA"],
               "ff_window_ms": ffi.numbers["window_ms"],
               "fb_levels": fbi.numbers["levels"], "fb_chi": fbi.numbers["synchrony_chi"],
               "fb_frequency_Hz": fbi.numbers["frequency_Hz"]}
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers,
                                          "settings": {"ff": ffi.to_json()["settings"],
                                                       "fb": fbi.to_json()["settings"]}})
    return numbers


def main(argv=None) -> dict:
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
