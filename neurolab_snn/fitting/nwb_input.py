"""NWB current-clamp sweeps as a :class:`~neurolab_snn.fitting.io.RecordingFile` (layer L4).

An NWB file written by an acquisition system (or by :meth:`Recording.to_nwb`)
stores each current-clamp sweep as a ``CurrentClampSeries`` (voltage, under
``acquisition``) and a ``CurrentClampStimulusSeries`` (injected current, under
``stimulus``) with the same ``sweep_number`` and electrode.  neo's ``NWBIO``
reads every series of a file into one Segment and drops the sweep numbers, so
this module reads them with pynwb: one segment per sweep number (and electrode, in
that order),
the voltage and current channels in volts and amperes (``data * conversion +
offset``).  A file without current-clamp series is left to neo.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .io import Channel, RecordingFile

__all__ = ["read_nwb_recording"]


def _channel(series, kind: str) -> Channel:
    data = np.asarray(series.data[:], dtype=np.float64).ravel()
    values = data * float(series.conversion) + float(getattr(series, "offset", 0.0) or 0.0)
    if series.rate is not None:
        dt, t0 = 1.0 / float(series.rate), float(series.starting_time or 0.0)
    else:
        times = np.asarray(series.timestamps[:], dtype=np.float64)
        steps = np.diff(times)
        if times.size < 2 or not np.allclose(steps, steps[0], rtol=1e-6):
            raise ValueError(f"NWB series {series.name!r}: timestamps are not a regular grid; "
                             "expected a constant sampling rate")
        dt, t0 = float(steps[0]), float(times[0])
    return Channel(name=series.name, kind=kind, units="V" if kind == "voltage" else "A",
                   values=values, dt=dt, t_start=t0)


def read_nwb_recording(path) -> RecordingFile | None:
    """The current-clamp sweeps of an NWB file, one segment per (sweep number, electrode).

    Returns None when the file holds no ``CurrentClampSeries`` (read it with neo).

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        An unreadable file, or irregular timestamps.
    ImportError
        pynwb is not installed.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"recording file {str(path)!r} does not exist")
    try:
        from pynwb import NWBHDF5IO
        from pynwb.icephys import CurrentClampSeries, CurrentClampStimulusSeries
    except ImportError as err:
        raise ImportError(f"recording file {str(path)!r}: reading NWB needs pynwb "
                          "(pip install pynwb)") from err
    try:
        io = NWBHDF5IO(str(path), "r")
        nwbfile = io.read()
    except Exception as err:  # h5py and hdmf raise many types for corrupt files
        raise ValueError(f"recording file {str(path)!r} is unreadable as NWB: {err}") from err
    try:
        def key(series):
            number = series.sweep_number
            return (-1 if number is None else int(number),
                    series.electrode.name if series.electrode is not None else "")

        voltages = {key(s): s for s in nwbfile.acquisition.values()
                    if isinstance(s, CurrentClampSeries)}
        if not voltages:
            return None
        currents = {key(s): s for s in nwbfile.stimulus.values()
                    if isinstance(s, CurrentClampStimulusSeries)}
        segments = []
        for k in sorted(voltages):
            channels = [_channel(voltages[k], "voltage")]
            if k in currents:
                channels.append(_channel(currents[k], "current"))
            segments.append(tuple(channels))
    finally:
        io.close()
    return RecordingFile(path=path, segments=tuple(segments))
