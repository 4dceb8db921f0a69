"""Reading current-clamp recordings for GIF fitting (layer L4).

A :class:`Sweep` is one current-clamp injection: the recorded voltage ``v`` (V)
and the injected current ``i`` (A) as float64 SI arrays sampled every ``dt``
(s), plus what was found while reading it: its source, NaN segments and gaps.

Sweeps come from files through `neo <https://neo.readthedocs.io>`_ (Igor
``.ibw`` via igor2, Axon ``.abf``, NWB via pynwb, NIX via nixio, and every other
format neo reads) with :func:`read_sweeps` / :func:`read_sweep`, or from arrays
with :func:`sweep_from_arrays`.  Each neo Segment of a file (an episode of an
episodic ``.abf``, a sweep of an NWB or NIX file) is one sweep;
:func:`read_sweep` joins the segments of a file into one recording with gaps
only when asked (``join=True``).  Voltage and current channels are chosen by
their **units** (a dimension of voltage or of current), never by their names;
a channel without units is an error, since a GIF fit on numbers of unknown
scale is meaningless.  :func:`name_suggests` reads names only to point out
names that contradict the units.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..units import Quantity, amp, check_quantity, second, to_si, volt

__all__ = ["Sweep", "Channel", "RecordingFile", "read_sweep", "read_sweeps", "read_recording_file",
           "sweeps_from_files", "sweep_from_arrays", "nan_segments", "name_suggests"]


@dataclass(frozen=True)
class Sweep:
    """One current-clamp sweep: voltage and current, float64 SI, on one time grid.

    Attributes
    ----------
    v : ndarray
        Recorded membrane voltage (V), shape (n_samples,).
    i : ndarray
        Injected current (A), same shape.
    dt : float
        Sampling interval (s); the sampling rate is ``1/dt``.
    t_start : float
        Time of the first sample (s) in the source's clock.
    source : str
        Where the data came from (file names or ``'arrays'``), used in messages.
    nan_segments : tuple of (float, float)
        Time ranges [start, stop) (s, from the first sample) holding NaN in ``v`` or ``i``.
    gaps : tuple of (float, float)
        Missing time ranges (s, from the first sample) between recorded pieces.
    """

    v: np.ndarray
    i: np.ndarray
    dt: float
    t_start: float = 0.0
    source: str = "arrays"
    nan_segments: tuple = ()
    gaps: tuple = ()

    def __post_init__(self):
        v = np.asarray(self.v, dtype=np.float64).ravel()
        i = np.asarray(self.i, dtype=np.float64).ravel()
        if v.shape != i.shape:
            raise ValueError(f"sweep {self.source!r}: voltage v has {v.size} samples but current "
                             f"i has {i.size}; expected the same number of samples")
        if v.size < 2:
            raise ValueError(f"sweep {self.source!r}: {v.size} samples; expected at least 2")
        if not (np.isfinite(self.dt) and self.dt > 0):
            raise ValueError(f"sweep {self.source!r}: dt={self.dt!r} s; expected a positive "
                             "sampling interval")
        object.__setattr__(self, "v", v)
        object.__setattr__(self, "i", i)
        object.__setattr__(self, "dt", float(self.dt))
        if not self.nan_segments:
            found = nan_segments(v, self.dt) + nan_segments(i, self.dt)
            object.__setattr__(self, "nan_segments", tuple(sorted(found)))

    @property
    def n_samples(self) -> int:
        return int(self.v.size)

    @property
    def duration(self) -> float:
        """Length of the sweep (s)."""
        return self.n_samples * self.dt

    @property
    def sampling_rate(self) -> float:
        """Samples per second (Hz)."""
        return 1.0 / self.dt

    def time(self) -> np.ndarray:
        """Sample times (s) from the first sample."""
        return np.arange(self.n_samples) * self.dt

    def describe(self) -> str:
        """One line: source, samples, sampling rate, duration, gaps and NaN segments."""
        def ranges(items):
            return ", ".join(f"[{a:.4g}, {b:.4g}) s" for a, b in items) or "none"
        return (f"{self.source}: {self.n_samples} samples at {self.sampling_rate:.6g} Hz "
                f"({self.duration:.6g} s); gaps: {ranges(self.gaps)}; "
                f"NaN segments: {ranges(self.nan_segments)}")

    def window(self, start: float | None, stop: float | None) -> "Sweep":
        """The samples in [start, stop) (s from the first sample), as a new Sweep.

        Raises a ``ValueError`` naming the window if it is empty or outside the sweep.
        """
        start = 0.0 if start is None else float(start)
        stop = self.duration if stop is None else float(stop)
        k0 = int(round(start / self.dt))
        k1 = int(round(stop / self.dt))
        if not (0 <= k0 < k1 <= self.n_samples):
            raise ValueError(f"sweep {self.source!r}: window [{start:g} s, {stop:g} s) is empty "
                             f"or outside the sweep; expected 0 <= start < stop <= "
                             f"{self.duration:g} s")
        shift, length = k0 * self.dt, (k1 - k0) * self.dt
        gaps = tuple((max(a - shift, 0.0), min(b - shift, length))
                     for a, b in self.gaps if b > shift and a < stop)
        return replace(self, v=self.v[k0:k1], i=self.i[k0:k1], t_start=self.t_start + shift,
                       nan_segments=(), gaps=gaps,
                       source=f"{self.source}[{start:g}s:{stop:g}s]")

    def check_usable(self, role: str, start: float = 0.0, stop: float | None = None) -> None:
        """Raise a ``ValueError`` if [start, stop) (s) holds NaN samples or gaps (unfittable)."""
        stop = self.duration if stop is None else stop
        gaps = [(a, b) for a, b in self.gaps if b > start and a < stop]
        nans = [(a, b) for a, b in self.nan_segments if b > start and a < stop]
        if gaps:
            a, b = gaps[0]
            raise ValueError(f"{role} sweep {self.source!r}: {len(gaps)} gap(s) in the "
                             f"recording, the first in [{a:.6g}, {b:.6g}) s; expected one "
                             "continuous recording (choose a window without gaps)")
        if nans:
            a, b = nans[0]
            total = sum(b - a for a, b in nans)
            raise ValueError(f"{role} sweep {self.source!r}: NaN samples in {len(nans)} "
                             f"segment(s) ({total:.6g} s in all), the first in "
                             f"[{a:.6g}, {b:.6g}) s; expected finite samples (choose a window "
                             "without NaN)")


def nan_segments(x: np.ndarray, dt: float) -> list[tuple[float, float]]:
    """Time ranges [start, stop) (s) of consecutive NaN/inf samples in *x*."""
    bad = ~np.isfinite(np.asarray(x, dtype=np.float64))
    if not bad.any():
        return []
    edges = np.diff(np.concatenate(([0], bad.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(a * dt, b * dt) for a, b in zip(starts, stops)]


def sweep_from_arrays(v: Quantity, i: Quantity, dt: Quantity, *, t_start: Quantity = 0 * second,
                      source: str = "arrays") -> Sweep:
    """A :class:`Sweep` from a voltage and a current array with units.

    Parameters
    ----------
    v : Quantity, shape (n_samples,)
        Recorded voltage (dimension of volt).
    i : Quantity, shape (n_samples,)
        Injected current (dimension of ampere).
    dt : Quantity
        Sampling interval.
    t_start : Quantity
        Time of the first sample.
    source : str
        Name used in messages.
    """
    check_quantity("v", v, volt, finite=False)
    check_quantity("i", i, amp, finite=False)
    check_quantity("dt", dt, second, positive=True)
    return Sweep(v=to_si(v), i=to_si(i), dt=to_si(dt), t_start=float(to_si(t_start)),
                 source=source)


# --- neo -------------------------------------------------------------------------------------

_VOLTAGE_NAME = re.compile(r"^(v|vm|vmem|vrec|vout|volt|volts|voltage|mv|potential|membrane)$")
_CURRENT_NAME = re.compile(r"^(i|im|imem|iinj|inj|istim|icmd|iout|cur|curr|current|pa|na|amp"
                           r"|amps|ampere)$")


def name_suggests(name: str) -> str | None:
    """'voltage' or 'current' if a channel name reads as one (``'Vm'``, ``'I_inj'``), else None.

    The name is split into alphabetic words (``'IN 0'`` -> ``'in'``, which suggests neither).
    """
    words = re.findall(r"[a-z]+", str(name).lower())
    if any(_VOLTAGE_NAME.match(w) for w in words):
        return "voltage"
    if any(_CURRENT_NAME.match(w) for w in words):
        return "current"
    return None


@dataclass(frozen=True)
class Channel:
    """One analog channel of one segment (sweep) of a file.

    Attributes
    ----------
    name : str
        Name stored in the file.
    kind : str
        'voltage' or 'current' (by the units), 'missing' (no units) or 'other'.
    units : str
        Units stored in the file (e.g. ``'mV'``).
    values : ndarray
        Samples: V or A (float64 SI) for voltage and current channels, as stored otherwise.
    dt, t_start : float
        Sampling interval and time of the first sample (s).
    gaps : tuple of (float, float)
        Missing ranges (s from the first sample), filled with NaN in ``values``.
    """

    name: str
    kind: str
    units: str
    values: np.ndarray
    dt: float
    t_start: float
    gaps: tuple = ()

    def label(self) -> str:
        return f"{self.name!r} ({self.units})"


def _kind(units) -> str:
    import quantities as pq
    dim = units.dimensionality.simplified
    if dim == pq.V.dimensionality.simplified:
        return "voltage"
    if dim == pq.A.dimensionality.simplified:
        return "current"
    if dim == pq.dimensionless.dimensionality:
        return "missing"
    return "other"


#: Igor binary wave versions and the size (bytes) of their binary header.
_IGOR_HEADER_BYTES = {1: 8, 2: 16, 3: 20, 5: 64}


def _check_igor_binary(path: Path) -> None:
    """Refuse an ``.ibw`` that is not an Igor binary wave, or is shorter than its header says.

    The first short is the format version (1, 2, 3 or 5, either byte order);
    ``wfmSize`` (the wave header plus the data) follows it (version 5: after
    the checksum), so a complete file has at least header + ``wfmSize`` bytes.
    """
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(64)
    for order in "<>":
        version = struct.unpack(order + "h", head[:2])[0] if len(head) >= 2 else None
        if version in _IGOR_HEADER_BYTES:
            break
    else:
        text = head[:32].decode("ascii", errors="replace")
        looks_text = head and all(32 <= b < 127 or b in (9, 10, 13) for b in head[:32])
        raise ValueError(f"recording file {str(path)!r} is not an Igor binary wave "
                         f"({size} bytes, version field 0x{head[:2].hex() or 'none'}"
                         + (f", starts with the text {text.splitlines()[0]!r}" if looks_text
                            else "") + "); expected an .ibw written by Igor Pro (version "
                         "1, 2, 3 or 5)")
    header = _IGOR_HEADER_BYTES[version]
    offset = 4 if version == 5 else 2
    if len(head) < offset + 4:
        raise ValueError(f"recording file {str(path)!r} is truncated: {size} bytes, shorter "
                         f"than the {header}-byte header of an Igor binary wave version "
                         f"{version}; expected a complete file")
    wfm_size = struct.unpack(order + "i", head[offset:offset + 4])[0]
    if size < header + wfm_size:
        raise ValueError(f"recording file {str(path)!r} is truncated: {size} bytes, but its "
                         f"Igor header declares {header + wfm_size} (a {header}-byte header "
                         f"and {wfm_size} bytes of wave); expected a complete file")


def _open(path: Path):
    import neo.io

    if not path.is_file():
        raise FileNotFoundError(f"recording file {str(path)!r} does not exist; expected an "
                                "existing file (check the path)")
    if path.suffix.lower() == ".ibw":
        _check_igor_binary(path)
    try:
        reader = neo.io.get_io(str(path))
    except (IOError, ValueError, KeyError) as err:
        raise ValueError(f"recording file {str(path)!r}: neo does not recognise this format "
                         f"({err}); expected a format neo reads (.ibw, .abf, .nwb, .nix, ...)"
                         ) from err
    except ImportError as err:
        raise ImportError(f"recording file {str(path)!r}: reading it needs a package that is "
                          f"not installed ({err}); e.g. pip install igor2 (.ibw), "
                          "pynwb (.nwb), nixio (.nix)") from err
    return reader


def _channel(path: Path, sig, c: int, name: str) -> Channel:
    """Column *c* of a neo (ir)regularly sampled signal as a Channel (NaN over its holes)."""
    import quantities as pq

    kind = _kind(sig.units)
    if kind in ("voltage", "current"):
        unit = pq.V if kind == "voltage" else pq.A
        mag = np.asarray(sig[:, c].rescale(unit).magnitude, dtype=np.float64).ravel()
    else:
        mag = np.asarray(sig[:, c].magnitude, dtype=np.float64).ravel()
    units = str(sig.units.dimensionality)
    if hasattr(sig, "sampling_period"):
        return Channel(name=name, kind=kind, units=units, values=mag,
                       dt=float(sig.sampling_period.rescale(pq.s).magnitude),
                       t_start=float(sig.t_start.rescale(pq.s).magnitude))
    # irregularly sampled: infer the grid, put the samples on it, report holes as gaps
    times = np.asarray(sig.times.rescale(pq.s).magnitude, dtype=np.float64)
    diffs = np.diff(times)
    step = float(np.median(diffs))
    if not np.allclose(diffs[diffs <= 1.5 * step], step, rtol=1e-3):
        raise ValueError(f"recording file {str(path)!r}: channel {name!r} is not sampled on a "
                         "regular grid; expected a constant sampling rate")
    idx = np.rint((times - times[0]) / step).astype(np.int64)
    values = np.full(int(idx[-1]) + 1, np.nan)
    values[idx] = mag
    gaps = tuple((times[j] + step - times[0], times[j + 1] - times[0])
                 for j in np.flatnonzero(diffs > 1.5 * step))
    return Channel(name=name, kind=kind, units=units, values=values, dt=step,
                   t_start=float(times[0]), gaps=gaps)


@dataclass(frozen=True)
class RecordingFile:
    """What neo found in one file: its segments, each one sweep (an episode) of channels.

    Attributes
    ----------
    path : Path
    segments : tuple of tuple of Channel
        ``segments[k]`` holds the analog channels of neo Segment k (over all Blocks, in order).
    """

    path: Path
    segments: tuple

    @property
    def n_sweeps(self) -> int:
        return len(self.segments)

    @property
    def channels(self) -> tuple:
        """The channels of the first segment (names, kinds and units)."""
        return self.segments[0]

    def holds(self, kind: str) -> bool:
        """Whether the file has a channel with *kind* ('voltage' or 'current') units."""
        return any(ch.kind == kind for ch in self.channels)

    def pick(self, kind: str, index: int | None = None, segment: int = 0) -> Channel:
        """The channel with *kind* units in *segment* (*index* among several such channels)."""
        return _pick(self.path, self.segments[segment], kind, index,
                     f" sweep {segment}" if self.n_sweeps > 1 else "")

    def name_notes(self) -> list[str]:
        """One note per channel whose name suggests the other kind than its units."""
        notes = []
        for ch in self.channels:
            said = name_suggests(ch.name)
            if said and ch.kind in ("voltage", "current") and said != ch.kind:
                notes.append(f"note: {self.path.name}: channel {ch.name!r} holds {ch.kind} "
                             f"({ch.units}) although its name suggests {said}; channels are "
                             "chosen by units")
        return notes

    def joined(self) -> "RecordingFile":
        """All segments joined into one, the time between them NaN-filled and reported as gaps."""
        n = len(self.channels)
        if any(len(seg) != n for seg in self.segments):
            raise ValueError(f"recording file {str(self.path)!r}: segments hold different "
                             "numbers of channels; expected the same channels in every segment")
        joined = tuple(_join(self.path, [seg[c] for seg in self.segments]) for c in range(n))
        return replace(self, segments=(joined,))


def read_recording_file(path) -> RecordingFile:
    """Read every analog channel of every segment of *path* through neo.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        A format neo does not read, an unreadable file, or a file without analog signals.
    """
    path = Path(path)
    if path.suffix.lower() == ".nwb":               # sweeps by sweep_number (neo drops them)
        from .nwb_input import read_nwb_recording
        found = read_nwb_recording(path)
        if found is not None:
            return found
    reader = _open(path)
    try:
        blocks = reader.read(lazy=False)
    except Exception as err:  # neo raises many types for corrupt files
        raise ValueError(f"recording file {str(path)!r} is unreadable ({err}); expected a "
                         "complete recording in a format neo reads") from err
    finally:
        close = getattr(reader, "close", None)
        if callable(close):
            close()
    segments = []
    for seg in (seg for block in blocks for seg in block.segments):
        channels = []
        for sig in list(seg.analogsignals) + list(seg.irregularlysampledsignals):
            names = getattr(sig, "array_annotations", {}).get("channel_names")
            for c in range(sig.shape[1]):
                if names is not None and len(names) == sig.shape[1] and sig.shape[1] > 1:
                    name = str(names[c])          # e.g. Clampex's 'IN 0', 'IN 1'
                else:
                    name = str(sig.name) if sig.shape[1] == 1 else f"{sig.name}[{c}]"
                channels.append(_channel(path, sig, c, name))
        segments.append(tuple(channels))
    if not segments or not segments[0]:
        raise ValueError(f"recording file {str(path)!r}: no analog signal found; expected "
                         "voltage and current channels")
    return RecordingFile(path=path, segments=tuple(segments))


def _join(path: Path, parts: list[Channel]) -> Channel:
    """Concatenate the pieces of one channel; record the gaps between them (NaN-filled)."""
    first = parts[0]
    t0, dt = first.t_start, first.dt
    values, gaps, end = [], [], t0
    for ch in parts:
        if not np.isclose(ch.dt, dt, rtol=1e-9):
            raise ValueError(f"recording file {str(path)!r}: channel {ch.name!r} changes its "
                             f"sampling interval from {dt:g} s to {ch.dt:g} s between segments")
        if values and ch.t_start > end + 0.5 * dt:
            gaps.append((end - t0, ch.t_start - t0))
            values.append(np.full(int(round((ch.t_start - end) / dt)), np.nan))
        shift = (ch.t_start - t0) if values else 0.0
        gaps.extend((a + shift, b + shift) for a, b in ch.gaps)
        values.append(ch.values)
        end = ch.t_start + ch.values.size * dt
    return replace(first, values=np.concatenate(values), gaps=tuple(gaps))


def _pick(path, channels, kind: str, index: int | None, where: str = "") -> Channel:
    found = [ch for ch in channels if ch.kind == kind]
    listing = ", ".join(ch.label() for ch in channels) or "none"
    option = "v_channel" if kind == "voltage" else "i_channel"
    if not found:
        missing = [ch.name for ch in channels if ch.kind == "missing"]
        if missing:
            raise ValueError(f"recording file {str(path)!r}{where}: channel(s) {missing} have no "
                             f"units; expected a channel with {kind} units ("
                             f"{'V or mV' if kind == 'voltage' else 'A, nA or pA'}); channels: "
                             f"{listing}")
        other = "current" if kind == "voltage" else "voltage"
        swapped = (f" (it holds {other}: are the V and I files swapped?)"
                   if any(ch.kind == other for ch in channels) else "")
        raise ValueError(f"recording file {str(path)!r}{where}: no channel with {kind} units"
                         f"{swapped}; channels: {listing}; expected a channel with {kind} "
                         f"units ({'V or mV' if kind == 'voltage' else 'A, nA or pA'})")
    if index is None:
        if len(found) > 1:
            raise ValueError(f"recording file {str(path)!r}{where}: {len(found)} channels with "
                             f"{kind} units ({[ch.name for ch in found]}); choose one with "
                             f"{option}=<index>")
        return found[0]
    if not 0 <= index < len(found):
        raise ValueError(f"recording file {str(path)!r}: {option}={index} out of range; "
                         f"{len(found)} channel(s) with {kind} units")
    return found[index]


def sweeps_from_files(v_file: RecordingFile, i_file: RecordingFile | None = None, *,
                      sweeps=None, v_channel: int | None = None,
                      i_channel: int | None = None) -> list[Sweep]:
    """One :class:`Sweep` per selected segment of already read files (see :func:`read_sweeps`)."""
    i_file = v_file if i_file is None else i_file
    same = i_file.path == v_file.path
    if i_file.n_sweeps != v_file.n_sweeps:
        raise ValueError(f"V file {str(v_file.path)!r} holds {v_file.n_sweeps} sweep(s) but I "
                         f"file {str(i_file.path)!r} holds {i_file.n_sweeps}; expected the same "
                         "number of sweeps")
    n = v_file.n_sweeps
    chosen = range(n) if sweeps is None else list(sweeps)
    for k in chosen:
        if int(k) != k or not 0 <= k < n:
            raise ValueError(f"recording file {str(v_file.path)!r}: sweep {k!r} requested; the "
                             f"file holds {n} sweep(s), numbered 0 to {n - 1}")
    name = v_file.path.name if same else f"{v_file.path.name} + {i_file.path.name}"
    out = []
    for k in chosen:
        k = int(k)
        vch = v_file.pick("voltage", v_channel, k)
        ich = i_file.pick("current", i_channel, k)
        out.append(_sweep(vch, ich, v_file.path, i_file.path,
                          name if n == 1 else f"{name} sweep {k}"))
    return out


def _sweep(vch: Channel, ich: Channel, v_path: Path, i_path: Path, source: str) -> Sweep:
    if not np.isclose(vch.dt, ich.dt, rtol=1e-9):
        raise ValueError(f"different sampling rates for V ({1 / vch.dt:.6g} Hz, file "
                         f"{str(v_path)!r}) and I ({1 / ich.dt:.6g} Hz, file {str(i_path)!r}); "
                         "expected V and I sampled at the same rate")
    if vch.values.size != ich.values.size:
        raise ValueError(f"V (file {str(v_path)!r}) has {vch.values.size} samples but I (file "
                         f"{str(i_path)!r}) has {ich.values.size}; expected the same length")
    if not np.isclose(vch.t_start, ich.t_start, atol=0.5 * vch.dt):
        raise ValueError(f"V (file {str(v_path)!r}) starts at {vch.t_start:g} s but I (file "
                         f"{str(i_path)!r}) at {ich.t_start:g} s; expected simultaneous channels")
    gaps = tuple(sorted(set(vch.gaps) | set(ich.gaps)))
    return Sweep(v=vch.values, i=ich.values, dt=vch.dt, t_start=vch.t_start, source=source,
                 gaps=gaps)


def read_sweeps(v_path, i_path=None, *, sweeps=None, v_channel: int | None = None,
                i_channel: int | None = None) -> list[Sweep]:
    """Read each segment (episode) of a recording as one sweep; channels chosen by units.

    Episodic files (an Axon ``.abf`` of N episodes, an NWB or NIX file of N
    sweeps) hold one neo Segment per episode; each becomes one :class:`Sweep`,
    e.g. the repetitions of a frozen current.

    Parameters
    ----------
    v_path : path
        File holding the voltage channel (any format neo reads).
    i_path : path, optional
        File holding the current channel (default: the same file); it must hold
        as many segments as the voltage file.
    sweeps : sequence of int, optional
        Segment numbers to read (from 0); default: all.
    v_channel, i_channel : int, optional
        Index among the channels with voltage (current) units, needed only when a
        file holds several.

    Returns
    -------
    list of Sweep
        Named ``'<file> sweep <k>'`` (just ``'<file>'`` for a one-segment file).
    """
    v_file = read_recording_file(v_path)
    i_file = None if i_path is None or Path(i_path) == Path(v_path) else read_recording_file(i_path)
    return sweeps_from_files(v_file, i_file, sweeps=sweeps, v_channel=v_channel,
                             i_channel=i_channel)


def read_sweep(v_path, i_path=None, *, v_channel: int | None = None,
               i_channel: int | None = None, segment: int | None = None,
               join: bool = False) -> Sweep:
    """Read one current-clamp sweep through neo; channels are chosen by their units.

    Parameters
    ----------
    v_path : path
        File holding the voltage channel (any format neo reads: ``.ibw``, ``.abf``,
        ``.nwb``, ``.nix``...).
    i_path : path, optional
        File holding the current channel (default: the same file as the voltage).
    v_channel, i_channel : int, optional
        Index among the channels with voltage (current) units, needed only when a
        file holds several.
    segment : int, optional
        The segment (sweep, episode) to read from a multi-segment file.
    join : bool
        Join all segments into one recording instead, the time between them
        NaN-filled and reported as gaps (for a continuous recording split by pauses).

    Returns
    -------
    Sweep
        With its sampling rate, gaps and NaN segments (see :meth:`Sweep.describe`).

    Raises
    ------
    ValueError
        A multi-segment file without ``segment`` or ``join`` (use :func:`read_sweeps`
        for all its sweeps), a channel without units, no channel of the wanted
        kind, different sampling rates or lengths of voltage and current.
    """
    v_path = Path(v_path)
    i_path = v_path if i_path is None else Path(i_path)
    v_file = read_recording_file(v_path)
    i_file = v_file if i_path == v_path else read_recording_file(i_path)
    if join and segment is not None:
        raise ValueError(f"read_sweep: segment={segment} and join=True; expected one of them")
    if join:
        v_file, i_file = v_file.joined(), (v_file.joined() if i_file is v_file
                                           else i_file.joined())
    elif segment is None and max(v_file.n_sweeps, i_file.n_sweeps) > 1:
        n = max(v_file.n_sweeps, i_file.n_sweeps)
        raise ValueError(f"recording file {str(v_path)!r} holds {n} sweeps (neo segments); "
                         f"expected segment=<k> (0 to {n - 1}), read_sweeps() for all of them, "
                         "or join=True for one recording with gaps")
    sweeps = None if segment is None or join else [segment]
    if segment is not None and not join and not 0 <= segment < v_file.n_sweeps:
        raise ValueError(f"recording file {str(v_path)!r}: segment={segment}; the file has "
                         f"{v_file.n_sweeps} segment(s)")
    return sweeps_from_files(v_file, None if i_file is v_file else i_file, sweeps=sweeps,
                             v_channel=v_channel, i_channel=i_channel)[0]
