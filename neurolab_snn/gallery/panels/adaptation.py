"""Panel: AdaptiveLIF and GIF responses to a current step, showing adaptation."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment import run_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.models import GIF, AdaptiveLIF
from neurolab_snn.units import nA

PANEL = {"title": "Spike-frequency adaptation: AdaptiveLIF (threshold) and GIF (eta, gamma)",
         "source": "Bellec et al. 2018 Fig. 1; Pozzorini et al. 2015 Fig. 1; Mensi et al. 2012",
         "issue": "foundation: neuron models"}


def make_panel(out_dir, quick: bool = False) -> dict:
    """A 500 ms step into each model: voltage and instantaneous rate 1/ISI."""
    out_dir = Path(out_dir)
    cases = (("AdaptiveLIF", AdaptiveLIF(), 0.3), ("GIF (deterministic threshold)",
                                                   GIF(escape=False), 0.5))
    fig, axes = plt.subplots(2, 2, figsize=(9, 4.5), sharex=True,
                             gridspec_kw={"height_ratios": [1.4, 1]})
    numbers, data = {}, {}
    for col, (label, model, amp_nA) in enumerate(cases):
        res = run_protocol("step-response", model=model, amplitudes=[amp_nA] * nA, quick=quick)
        t_ms = res.data["t"] * 1e3
        axes[0, col].plot(t_ms, res.data["v"][0] * 1e3, lw=0.7)
        axes[0, col].set(title=f"{label}, I = {amp_nA} nA", ylabel="V (mV)")
        spikes = np.asarray(res.data["spike_times"][0])
        inst = 1 / np.diff(spikes)
        axes[1, col].plot(spikes[1:] * 1e3, inst, "o-", ms=3)
        axes[1, col].set(xlabel="time (ms)", ylabel="1/ISI (Hz)")
        key = model.name
        numbers[f"{key}_adaptation_index"] = round(float(res.numbers["adaptation_index"][0]), 4)
        numbers[f"{key}_first_over_last_rate"] = round(float(inst[0] / inst[-1]), 3)
        data[key] = {"t": res.data["t"], "v": res.data["v"][0], "spike_times": spikes}
    save_figure(fig, out_dir / "adaptation.png")
    write_json(out_dir / "adaptation.json",
               {"numbers": numbers, "data": data, "units": {"t": "s", "v": "V",
                                                            "spike_times": "s"}})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
