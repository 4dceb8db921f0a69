"""Panel: LIF rheobase and firing rate over a tau_m x R_m grid, from one sweep table."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from neurolab_snn.files import save_figure, write_json
from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.models import LIF
from neurolab_snn.sweep import column_quantity, sweep
from neurolab_snn.units import Mohm, ms, to_si

PANEL = {"title": "Sweep: LIF rheobase and rate over tau_m x R_m (f-I curve at every grid point)",
         "source": "Gerstner et al. 2014 eq. 1.9 (LIF interspike interval); issue 13 (Dask sweeps)",
         "issue": "13: sweeps on Dask"}


def analytic_rate(tau_m, R_m, current, V_th, E_L, t_ref):
    """LIF rate (Hz) for constant current, reset to E_L: 1/(t_ref + tau_m ln(RI/(RI - dV))), SI."""
    drive = R_m * current
    dv = V_th - E_L
    with np.errstate(divide="ignore", invalid="ignore"):
        isi = t_ref + tau_m * np.log(drive / (drive - dv))
    return np.where(drive > dv, 1.0 / isi, 0.0)


def make_panel(out_dir, quick: bool = False) -> dict:
    """Sweep tau_m x R_m with the fi-curve protocol; heat maps of rheobase and rate at 1 nA.

    Quick mode: a 3 x 3 grid of quick f-I curves (12 levels, 250 ms, numpy
    backend) run serially; full mode: 6 x 6 grid, 40 levels, 1 s, Cython, on a
    LocalCluster of 2 workers.
    """
    out_dir = Path(out_dir)
    n = 3 if quick else 6
    taus = np.linspace(10, 30, n) * ms
    resistances = np.linspace(50, 150, n) * Mohm
    grid = {"model": "LIF", "tau_m": taus, "R_m": resistances,
            "backend": "numpy" if quick else "runtime", "quick": bool(quick)}
    table = sweep("fi-curve", grid, out=out_dir / "sweep_rheobase_sweep",
                  client="serial" if quick else None, workers=None if quick else 2,
                  progress=not quick)
    ok = table[table["status"] == "ok"]
    tau_si, r_si = to_si(column_quantity(ok, "tau_m")), to_si(column_quantity(ok, "R_m"))
    rheobase = ok["rheobase_nA"].to_numpy()
    top = np.array([rates[-1] for rates in ok["steady_rate"]])
    current_top = float(ok["current"].iloc[0][-1])
    p = {k: to_si(v) for k, v in LIF().parameters.items()}
    rb_exact = (p["V_th"] - p["E_L"]) / r_si * 1e9
    step_nA = float(np.diff(ok["current"].iloc[0][:2])[0]) * 1e9
    rate_exact = analytic_rate(tau_si, r_si, current_top, p["V_th"], p["E_L"], p["t_ref"])
    shape = (len(taus), len(resistances))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    extent = [to_si(resistances[0]) / 1e6, to_si(resistances[-1]) / 1e6,
              to_si(taus[0]) * 1e3, to_si(taus[-1]) * 1e3]
    half_r = (extent[1] - extent[0]) / (2 * (n - 1))
    half_t = (extent[3] - extent[2]) / (2 * (n - 1))
    extent = [extent[0] - half_r, extent[1] + half_r, extent[2] - half_t, extent[3] + half_t]
    images = []
    for ax, values, label, title in (
            (axes[0], rheobase, "rheobase (nA)",
             f"rheobase from the f-I levels (step {step_nA:.3g} nA)\n"
             "analytic (V_th - E_L)/R_m: white contours"),
            (axes[1], top, f"steady rate at I = {current_top * 1e9:.3g} nA (Hz)",
             "steady rate at the top current level\nanalytic LIF rate: white contours")):
        image = ax.imshow(values.reshape(shape), origin="lower", aspect="auto", extent=extent,
                          cmap="viridis")
        images.append(image)
        fig.colorbar(image, ax=ax, label=label)
        ax.set(xlabel="membrane resistance R_m (MOhm)", ylabel="membrane time constant "
               "tau_m (ms)", title=title)
    r_fine = np.linspace(extent[0], extent[1], 120)
    t_fine = np.linspace(extent[2], extent[3], 120)
    r_grid, t_grid = np.meshgrid(r_fine, t_fine)
    exact_fine = {0: (p["V_th"] - p["E_L"]) / (r_grid * 1e6) * 1e9,
                  1: analytic_rate(t_grid * 1e-3, r_grid * 1e6, current_top, p["V_th"], p["E_L"],
                                   p["t_ref"])}
    for k, ax in enumerate(axes):
        lines = ax.contour(r_grid, t_grid, exact_fine[k], levels=np.linspace(
            *images[k].get_clim(), 6)[1:-1], colors="white", linewidths=0.8)
        ax.clabel(lines, fontsize=7, fmt="%.3g")
    fig.suptitle(f"LIF (gerstner2014 preset) over a {n} x {n} sweep: {len(table)} points, "
                 f"{len(ok)} finished", fontsize=10)
    fig.tight_layout()
    save_figure(fig, out_dir / "sweep_rheobase.png")
    numbers = {
        "n_points": int(len(table)), "n_ok": int(len(ok)),
        "rheobase_max_error_nA": float(np.max(np.abs(rheobase - rb_exact))),
        "rheobase_level_step_nA": step_nA,
        "rate_max_relative_error": float(np.max(np.abs(top - rate_exact) / rate_exact)),
    }
    write_json(out_dir / "sweep_rheobase.json", {
        "numbers": numbers,
        "units": {"tau_m": "s", "R_m": "ohm", "rheobase": "nA", "rate": "Hz"},
        "data": {"tau_m": tau_si, "R_m": r_si, "rheobase": rheobase, "rheobase_analytic": rb_exact,
                 "rate": top, "rate_analytic": rate_exact, "current_A": current_top}})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
