"""Writing Neurodata Without Borders files with pynwb (layer L0, below Recording).

The building blocks every NWB export of the package uses: a new ``NWBFile``
whose ``notes`` hold the metadata (model equations, parameters, seed, backend)
as JSON, spike trains in the ``Units`` table, current-clamp sweeps as
``CurrentClampSeries`` (voltage, acquisition) paired by ``sweep_number`` with
``CurrentClampStimulusSeries`` (injected current, stimulus), any other trace as
a ``TimeSeries`` with its SI unit, and an atomic write.  Arrays are stored in SI
units (volts, amperes, seconds) with ``conversion = 1``.

pynwb is imported inside the functions, so the package imports without it
(``pip install pynwb``, or the ``data`` extra).

Reference: Rübel et al. (2022) The Neurodata Without Borders ecosystem for
neurophysiological data science, eLife 11:e78362.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .files import atomic_path, json_default
from .units import to_si, unit_string

__all__ = ["new_nwbfile", "write_nwbfile", "add_units", "add_current_clamp", "add_timeseries",
           "read_metadata", "model_metadata"]


def model_metadata(model) -> dict:
    """A neuron model's equations, threshold, reset, method, reference and parameters (SI + unit).

    *model* is a :class:`neurolab_snn.models.NeuronModel` (read by its attributes).
    """
    def value(q):
        if isinstance(q, str):
            return q
        si = np.asarray(to_si(q))
        return {"value": si.tolist(), "unit": unit_string(q)}

    return {"name": model.name, "equations": model.equations.strip(),
            "threshold": model.threshold, "reset": model.reset,
            "refractory": None if model.refractory is None else value(model.refractory),
            "method": model.method, "reference": model.reference,
            "options": {k: str(v) for k, v in dict(model.options).items()},
            "parameters": {k: value(v) for k, v in model.parameters.items()}}


def _pynwb():
    try:
        import pynwb
    except ImportError as err:
        raise ImportError("writing NWB files needs pynwb (pip install pynwb, or the 'data' "
                          "extra of neurolab_snn)") from err
    return pynwb


def new_nwbfile(description: str, metadata: dict | None = None):
    """An empty ``NWBFile`` whose ``notes`` are the JSON of *metadata*."""
    pynwb = _pynwb()
    notes = json.dumps(metadata or {}, default=json_default, sort_keys=True)
    return pynwb.NWBFile(session_description=str(description), identifier=str(uuid.uuid4()),
                         session_start_time=datetime.now(timezone.utc), notes=notes,
                         source_script="neurolab_snn", source_script_file_name="neurolab_snn")


def read_metadata(nwbfile) -> dict:
    """The metadata dict stored by :func:`new_nwbfile` (``{}`` for other files)."""
    try:
        return json.loads(nwbfile.notes or "{}")
    except (TypeError, ValueError):
        return {}


def write_nwbfile(nwbfile, path) -> Path:
    """Write *nwbfile* to *path* atomically (a failed write leaves nothing behind)."""
    pynwb = _pynwb()
    path = Path(path)
    with atomic_path(path, suffix=".nwb") as tmp:
        with pynwb.NWBHDF5IO(str(tmp), "w") as io:
            io.write(nwbfile)
    return path


def add_units(nwbfile, spike_trains, population: str = "neurons", offset: int = 0) -> None:
    """Add one row per spike train (s) to the Units table, with its population and index."""
    if nwbfile.units is None or "population" not in nwbfile.units.colnames:
        nwbfile.add_unit_column(name="population", description="neuron population")
        nwbfile.add_unit_column(name="neuron_index", description="index in its population")
    for k, train in enumerate(spike_trains):
        nwbfile.add_unit(spike_times=np.asarray(train, dtype=np.float64), population=population,
                         neuron_index=int(offset + k))


def _electrode(nwbfile, name: str, description: str):
    if name in nwbfile.icephys_electrodes:
        return nwbfile.icephys_electrodes[name]
    if "neurolab_snn" in nwbfile.devices:
        device = nwbfile.devices["neurolab_snn"]
    else:
        device = nwbfile.create_device(name="neurolab_snn",
                                       description="simulation or recording given to neurolab_snn")
    return nwbfile.create_icephys_electrode(name=name, description=description, device=device)


def add_current_clamp(nwbfile, name: str, v: np.ndarray | None, i: np.ndarray | None, rate: float,
                      *, starting_time: float = 0.0, sweep_number: int = 0,
                      electrode: str = "cell", description: str = "") -> None:
    """Add one current-clamp sweep: voltage *v* (V) and/or injected current *i* (A) at *rate* Hz.

    The voltage becomes ``CurrentClampSeries`` ``<name>_V`` (acquisition), the
    current ``CurrentClampStimulusSeries`` ``<name>_I`` (stimulus), both with
    *sweep_number* and on the electrode *electrode*, as acquisition systems write
    them, so that the pairs are read back as sweeps.
    """
    _pynwb()
    from pynwb.icephys import CurrentClampSeries, CurrentClampStimulusSeries

    elec = _electrode(nwbfile, electrode, description or electrode)
    common = dict(rate=float(rate), starting_time=float(starting_time), electrode=elec, gain=1.0,
                  sweep_number=np.uint64(sweep_number), conversion=1.0)
    if i is not None:
        nwbfile.add_stimulus(CurrentClampStimulusSeries(
            name=f"{name}_I", data=np.asarray(i, dtype=np.float64), description=description,
            **common))
    if v is not None:
        nwbfile.add_acquisition(CurrentClampSeries(
            name=f"{name}_V", data=np.asarray(v, dtype=np.float64), description=description,
            **common))


def add_timeseries(nwbfile, name: str, data: np.ndarray, unit: str, rate: float, *,
                   starting_time: float = 0.0, description: str = "",
                   processing: str | None = None) -> None:
    """Add a ``TimeSeries`` (time along the first axis) in SI *unit*.

    In acquisition, or in the processing module *processing* (created if needed)
    for derived data such as a model's response.
    """
    pynwb = _pynwb()
    series = pynwb.TimeSeries(name=name, data=np.asarray(data, dtype=np.float64), unit=unit,
                              rate=float(rate), starting_time=float(starting_time),
                              description=description or name, conversion=1.0)
    if processing is None:
        nwbfile.add_acquisition(series)
        return
    if processing not in nwbfile.processing:
        nwbfile.create_processing_module(name=processing, description=processing)
    nwbfile.processing[processing].add(series)
