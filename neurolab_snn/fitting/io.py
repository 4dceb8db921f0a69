"""Reading current-clamp recordings for GIF fitting (layer L4).

A :class:`Sweep` is one current-clamp injection: the recorded voltage ``v`` (V)
and the injected current ``i`` (A) as float64 SI arrays sampled every ``dt``
(s), plus what was found while reading it: its source, NaN segments and gaps.

Sweeps come from files through `neo <https://neo.readthedocs.io>`_ (Igor
``.ibw`` via igor2, Axon ``.abf``, NWB via pynwb, and every other format neo
reads) with :func:`read_sweep`, or from arrays with :func:`sweep_from_arrays`.
Voltage and current channels are chosen by their **units** (a dimension of
voltage or of current), never by their names; a channel without units is an
error, since a GIF fit on numbers of unknown scale is meaningless.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..units import Quantity, amp, check_quantity, second, to_si, volt

__all__ = ["Sweep", "read_sweep", "sweep_from_arrays", "nan_segments"]


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

@dataclass(frozen=True)
class _Channel:
    """One channel of a file: SI samples, sampling interval, start, gaps, kind."""

    name: str
    kind: str          # 'voltage', 'current', 'other' or 'missing'
    units: str
    values: np.ndarray
    dt: float
    t_start: float
    gaps: tuple


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
                         f"({err}); expected a format neo reads (.ibw, .abf, .nwb, ...)") from err
    except ImportError as err:
        raise ImportError(f"recording file {str(path)!r}: reading it needs a package that is "
                          f"not installed ({err}); e.g. pip install igor2 (.ibw), "
                          "pynwb (.nwb)") from err
    return reader


def _read_channels(path, segment: int | None) -> list[_Channel]:
    """All analog channels of *path*, each joined over segments (gaps reported)."""
    path = Path(path)
    reader = _open(path)
    try:
        blocks = reader.read(lazy=False)
    except Exception as err:  # neo raises many types for corrupt files
        raise ValueError(f"recording file {str(path)!r} is unreadable ({err}); expected a "
                         "complete recording in a format neo reads") from err
    segments = [seg for block in blocks for seg in block.segments]
    if segment is not None:
        if not 0 <= segment < len(segments):
            raise ValueError(f"recording file {str(path)!r}: segment={segment}; the file has "
                             f"{len(segments)} segment(s)")
        segments = [segments[segment]]
    pieces: dict[tuple, list] = {}
    for seg in segments:
        for k, sig in enumerate(seg.analogsignals):
            for c in range(sig.shape[1]):
                name = sig.name if sig.shape[1] == 1 else f"{sig.name}[{c}]"
                pieces.setdefault((k, c), []).append((name, sig, c))
        for k, sig in enumerate(seg.irregularlysampledsignals):
            for c in range(sig.shape[1]):
                pieces.setdefault(("irr", k, c), []).append((sig.name, sig, c))
    return [_join(path, parts) for parts in pieces.values()]


def _join(path: Path, parts) -> _Channel:
    """Concatenate the pieces of one channel; record the gaps between them."""
    import quantities as pq

    name, first, _ = parts[0]
    kind = _kind(first.units)
    values, gaps = [], []
    t0 = float(first.t_start.rescale(pq.s).magnitude) if hasattr(first, "t_start") else 0.0
    dt = None
    end = t0
    for _, sig, c in parts:
        if kind in ("voltage", "current"):
            unit = pq.V if kind == "voltage" else pq.A
            mag = np.asarray(sig[:, c].rescale(unit).magnitude, dtype=np.float64).ravel()
        else:
            mag = np.asarray(sig[:, c].magnitude, dtype=np.float64).ravel()
        if hasattr(sig, "sampling_period"):
            step = float(sig.sampling_period.rescale(pq.s).magnitude)
            start = float(sig.t_start.rescale(pq.s).magnitude)
        else:  # irregularly sampled: infer the grid, report holes as gaps
            times = np.asarray(sig.times.rescale(pq.s).magnitude, dtype=np.float64)
            diffs = np.diff(times)
            step = float(np.median(diffs))
            start = float(times[0])
            for j in np.flatnonzero(diffs > 1.5 * step):
                gaps.append((times[j] + step - t0, times[j + 1] - t0))
            if not np.allclose(diffs[diffs <= 1.5 * step], step, rtol=1e-3):
                raise ValueError(f"recording file {str(path)!r}: channel {name!r} is not "
                                 "sampled on a regular grid; expected a constant sampling rate")
        if dt is None:
            dt = step
        elif not np.isclose(step, dt, rtol=1e-9):
            raise ValueError(f"recording file {str(path)!r}: channel {name!r} changes its "
                             f"sampling interval from {dt:g} s to {step:g} s between segments")
        if values and start > end + 0.5 * dt:
            gaps.append((end - t0, start - t0))
            fill = int(round((start - end) / dt))
            values.append(np.full(fill, np.nan))
        values.append(mag)
        end = start + mag.size * dt
    return _Channel(name=str(name), kind=kind, units=str(first.units.dimensionality),
                    values=np.concatenate(values), dt=float(dt), t_start=t0, gaps=tuple(gaps))


def _pick(path, channels: list[_Channel], kind: str, index: int | None) -> _Channel:
    found = [ch for ch in channels if ch.kind == kind]
    listing = ", ".join(f"{ch.name!r} ({ch.units})" for ch in channels) or "none"
    if not found:
        missing = [ch.name for ch in channels if ch.kind == "missing"]
        if missing:
            raise ValueError(f"recording file {str(path)!r}: channel(s) {missing} have no units; "
                             f"expected a channel with {kind} units ("
                             f"{'V or mV' if kind == 'voltage' else 'A, nA or pA'}); channels: "
                             f"{listing}")
        other = "current" if kind == "voltage" else "voltage"
        swapped = (f" (it holds {other}: are the V and I files swapped?)"
                   if any(ch.kind == other for ch in channels) else "")
        raise ValueError(f"recording file {str(path)!r}: no channel with {kind} units"
                         f"{swapped}; channels: {listing}; expected a channel with {kind} "
                         f"units ({'V or mV' if kind == 'voltage' else 'A, nA or pA'})")
    if index is None:
        if len(found) > 1:
            raise ValueError(f"recording file {str(path)!r}: {len(found)} channels with {kind} "
                             f"units ({[ch.name for ch in found]}); choose one with "
                             f"{'v_channel' if kind == 'voltage' else 'i_channel'}=<index>")
        return found[0]
    if not 0 <= index < len(found):
        raise ValueError(f"recording file {str(path)!r}: channel index {index} out of range; "
                         f"{len(found)} channel(s) with {kind} units")
    return found[index]


def read_sweep(v_path, i_path=None, *, v_channel: int | None = None,
               i_channel: int | None = None, segment: int | None = None) -> Sweep:
    """Read one current-clamp sweep through neo; channels are chosen by their units.

    Parameters
    ----------
    v_path : path
        File holding the voltage channel (any format neo reads: ``.ibw``, ``.abf``, ``.nwb``...).
    i_path : path, optional
        File holding the current channel (default: the same file as the voltage).
    v_channel, i_channel : int, optional
        Index among the channels with voltage (current) units, needed only when a
        file holds several.
    segment : int, optional
        Read only this segment (sweep/episode) of multi-segment files; by
        default all segments are joined and the time between them reported as gaps.

    Returns
    -------
    Sweep
        With its sampling rate, gaps and NaN segments (see :meth:`Sweep.describe`).

    Raises
    ------
    ValueError
        A channel without units, no channel of the wanted kind, different
        sampling rates or lengths of voltage and current.
    """
    v_path = Path(v_path)
    i_path = v_path if i_path is None else Path(i_path)
    v_channels = _read_channels(v_path, segment)
    i_channels = v_channels if i_path == v_path else _read_channels(i_path, segment)
    vch = _pick(v_path, v_channels, "voltage", v_channel)
    ich = _pick(i_path, i_channels, "current", i_channel)
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
    source = v_path.name if i_path == v_path else f"{v_path.name} + {i_path.name}"
    gaps = tuple(sorted(set(vch.gaps) | set(ich.gaps)))
    return Sweep(v=vch.values, i=ich.values, dt=vch.dt, t_start=vch.t_start, source=source,
                 gaps=gaps)
