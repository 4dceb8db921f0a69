"""Panel: f-I curves of LIF, AdaptiveLIF, GIF and HH on one axis."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.analysis import lif_rate
from neurolab_snn.experiment import run_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.models import LIF
from neurolab_snn.units import amp, to_si

PANEL = {"title": "f-I curves of the four library models (1 s steps)",
         "source": "Gerstner et al. 2014 Fig. 1.7 (LIF); Hodgkin & Huxley 1952; "
                   "Bellec et al. 2018; Pozzorini et al. 2015",
         "issue": "foundation: neuron models"}


def make_panel(out_dir, quick: bool = False) -> dict:
    """f-I curves of the four models, with the analytic LIF curve."""
    out_dir = Path(out_dir)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    numbers, data = {}, {}
    for name in ("LIF", "AdaptiveLIF", "GIF", "HH"):
        res = run_protocol("fi-curve", model=name, quick=quick, n_levels=30)
        current_nA = res.data["current"] * 1e9
        ax.plot(current_nA, res.data["count_rate"], "o-", ms=2.5, lw=1, label=name)
        numbers[f"{name}_rheobase_nA"] = round(res.numbers["rheobase_nA"], 4)
        numbers[f"{name}_max_rate_Hz"] = round(float(res.data["count_rate"].max()), 2)
        data[name] = {"current_A": res.data["current"], "rate_Hz": res.data["count_rate"]}
    lif = LIF()
    analytic = to_si(lif_rate(data["LIF"]["current_A"] * amp,
                              **{k: lif.parameters[k] for k in ("tau_m", "R_m", "E_L", "V_th",
                                                                "V_reset", "t_ref")}))
    ax.plot(data["LIF"]["current_A"] * 1e9, analytic, "k--", lw=0.8, label="LIF analytic")
    ax.set(xlabel="injected current I (nA)", ylabel="firing rate (Hz, spike count / 1 s)",
           title="f-I curves, default presets")
    ax.legend(frameon=False, fontsize=8)
    save_figure(fig, out_dir / "fi_curves.png")
    write_json(out_dir / "fi_curves.json", {"numbers": numbers, "data": data,
                                            "units": {"current_A": "A", "rate_Hz": "Hz"}})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
