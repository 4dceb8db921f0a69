"""Panel: a GIF fitted to recordings (Pozzorini et al. 2015) and its spike-time prediction.

Uses the example layer-5 pyramidal recording when it is under the data path
(train on the first 12 s of 9 frozen-noise repetitions, predict the last 8 s);
otherwise says so and fits a synthetic recording made by the package's GIF.
"""
from __future__ import annotations

from pathlib import Path

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment import run_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.plotting.gif_fit import plot_gif_fit_summary

PANEL = {"title": "GIF fitted to a layer-5 pyramidal cell: subthreshold fit, kernels, "
                  "test-set raster and Md*",
         "source": "Pozzorini et al. 2015 PLOS Comput Biol 11:e1004275, Figs. 2-4 "
                   "(GIFFittingToolbox example data)",
         "issue": "GIF fitting on recorded data"}


def make_panel(out_dir, quick: bool = False) -> dict:
    """Fit (example recording or synthetic), then draw V fit, eta, gamma and the raster."""
    out_dir = Path(out_dir)
    result = run_protocol("gif-fit", quick=quick, seed=0)
    fig = plot_gif_fit_summary(result.data, result.numbers, result.settings["data"])
    save_figure(fig, out_dir / "gif_fit.png")
    numbers = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in result.numbers.items()}
    numbers["data"] = result.settings["data"]
    write_json(out_dir / "gif_fit.json", {"numbers": numbers, "settings": result.settings})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
