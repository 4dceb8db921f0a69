"""Circuit motif A - feedforward excitation, as simulated rasters.

The seed's circuit diagram (motif A: layers with convergent connectivity)
drawn next to its simulation: an input layer with independent noise and a
common signal converges onto readouts pooling N = 1 ... 64 inputs; the
readout's detection SNR grows about as sqrt(N) until its own spiking noise
dominates (``ff-excitation`` protocol).
"""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment import run_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.plotting.circuits import draw_ff_raster, draw_ff_snr, draw_motif

PANEL = {
    "title": "Circuit motif A: feedforward excitation (convergence) as rasters; SNR vs sqrt(N)",
    "source": "seed circuit diagram, motif A (feedforward excitation); pooling of independent "
              "noise: Shadlen & Newsome (1998) J Neurosci 18:3870",
    "issue": "circuits: feedforward excitation motif, ff-excitation protocol",
}
NAME = "circuit_motifs_a"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Diagram, rasters and SNR curve of the ff-excitation protocol.

    Quick mode runs the numpy backend (no compilation); full mode the runtime backend.
    """
    out_dir = Path(out_dir)
    result = run_protocol("ff-excitation", backend="numpy" if quick else "runtime", quick=quick)
    fig = Figure(figsize=(13, 4))
    ax0, ax1, ax2 = fig.subplots(1, 3, gridspec_kw={"width_ratios": [0.7, 1.6, 1]})
    draw_motif(ax0, {"noise": (0.0, 0.5, "0.5"), "L0": (0.5, 0.5, "tab:blue"),
                     "L1": (1.0, 0.5, "tab:red")},
               [("noise", "L0", "exc"), ("L0", "L1", "exc")],
               "A  feedforward excitation\nnoise -> L0 -> L1 (fan-in N)")
    draw_ff_raster(ax1, result)
    ax1.set_title("simulated rasters (grey: signal windows)", fontsize=9)
    draw_ff_snr(ax2, result)
    ax2.set_title("readout SNR vs converging inputs", fontsize=9)
    fig.tight_layout()
    save_figure(fig, out_dir / f"{NAME}.png")
    numbers = {k: result.numbers[k] for k in ("fan_in", "snr_output", "snr_pooled_input",
                                              "exponent_output", "exponent_pooled_input")}
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers,
                                          "settings": result.to_json()["settings"]})
    return numbers


def main(argv=None) -> dict:
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
