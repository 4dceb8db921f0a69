"""Panel: GIF escape-noise raster under frozen noise."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment import run_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.units import ms, nA, second

PANEL = {"title": "GIF escape noise: 50 repetitions of one frozen OU current",
         "source": "Pozzorini et al. 2015 Fig. 1C; Mensi et al. 2012; Naud & Gerstner 2012",
         "issue": "foundation: neuron models"}


def make_panel(out_dir, quick: bool = False) -> dict:
    """Current, one voltage trace and the raster of 50 escape-noise repetitions."""
    out_dir = Path(out_dir)
    res = run_protocol("frozen-noise", model="GIF", mean=0.25 * nA, sigma=0.15 * nA,
                       tau=3 * ms, duration=(1 if quick else 3) * second, repetitions=50, seed=4)
    t = res.data["t"]
    fig, axes = plt.subplots(3, 1, figsize=(7, 5.5), sharex=True,
                             gridspec_kw={"height_ratios": [0.7, 1, 1.6]})
    axes[0].plot(t, res.data["I"][: t.size] * 1e9, lw=0.4, color="0.3")
    axes[0].set(ylabel="I (nA)", title="GIF (pozzorini2015_l5pyr), frozen OU current, tau 3 ms")
    axes[1].plot(t, res.data["v"][0] * 1e3, lw=0.4)
    axes[1].set(ylabel="V (mV)")
    for k, train in enumerate(res.data["spike_times"]):
        axes[2].plot(train, np.full(len(train), k), "|", ms=3, color="k")
    axes[2].set(xlabel="time (s)", ylabel="repetition")
    save_figure(fig, out_dir / "gif_raster.png")
    numbers = {"mean_rate_Hz": round(res.numbers["mean_rate_Hz"], 3),
               "rate_sd_Hz": round(res.numbers["rate_sd_Hz"], 3)}
    write_json(out_dir / "gif_raster.json", {"numbers": numbers,
                                            "units": {"spike_times": "s"},
                                            "data": {"spike_times": res.data["spike_times"]}})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
