"""Panel: LIF membrane traces for sub- and supra-threshold steps (the Lapicque RC picture)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment import run_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.models import LIF
from neurolab_snn.units import ms, nA, to_si

PANEL = {"title": "LIF: RC charging below threshold, fire-and-reset above",
         "source": "Lapicque 1907; Gerstner et al. 2014 Fig. 1.6-1.7; Abbott 1999",
         "issue": "foundation: neuron models"}


def make_panel(out_dir, quick: bool = False) -> dict:
    """Steps of 0.1, 0.19, 0.25 and 0.4 nA into the default LIF, with the RC envelope."""
    out_dir = Path(out_dir)
    model = LIF()
    amps = np.array([0.1, 0.19, 0.25, 0.4])
    res = run_protocol("step-response", model=model, amplitudes=amps * nA, onset=20 * ms,
                       step_duration=100 * ms)
    t = res.data["t"]
    onset, length = res.settings["onset_s"], res.settings["step_duration_s"]
    p = {k: to_si(v) for k, v in model.parameters.items()}
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for k, a in enumerate(amps):
        ax.plot(t * 1e3, res.data["v"][k] * 1e3, lw=1, label=f"I = {a:g} nA")
    on = (t >= onset) & (t <= onset + length)
    rc = p["E_L"] + p["R_m"] * 0.19e-9 * (1 - np.exp(-(t[on] - onset) / p["tau_m"]))
    ax.plot(t[on] * 1e3, rc * 1e3, "k:", lw=1,
            label="RC solution, 0.19 nA:\n$E_L + RI(1 - e^{-t/\\tau_m})$")
    ax.axhline(p["V_th"] * 1e3, color="0.5", ls="--", lw=0.8, label="threshold V_th")
    ax.set(xlabel="time (ms)", ylabel="membrane potential V (mV)",
           title=f"LIF (tau_m = {p['tau_m'] * 1e3:g} ms, R = {p['R_m'] / 1e6:g} MOhm)")
    ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    save_figure(fig, out_dir / "lif_rc.png")
    numbers = {"spike_counts": res.numbers["spike_counts"],
               "rheobase_analytic_nA": (p["V_th"] - p["E_L"]) / p["R_m"] * 1e9}
    write_json(out_dir / "lif_rc.json", {"numbers": numbers, "units": {"t": "s", "v": "V"},
                                        "data": {"t": t, "v": res.data["v"], "I_nA": amps}})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
