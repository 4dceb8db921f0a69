"""Lists of recording files as sweeps, with a log of what was read (layer L4).

The command line names recordings as a list of files per role (calibration,
training, test).  :func:`read_file_list` turns such a list into sweeps:

* a file holding both a voltage and a current channel (chosen by **units**) is
  one source on its own; the same file given twice in a row (``V I`` with
  ``V == I``, the older form) is read once;
* a file holding only a voltage channel is paired with the next file, which
  must hold the current (``V I`` pairs, e.g. Igor ``.ibw`` waves);
* every neo Segment of a source (an episode of an episodic ``.abf``, a sweep of
  an NWB or NIX file) is one sweep, so ``--test test.abf`` alone yields its
  repetitions; a selection (:func:`parse_sweep_list`, e.g. ``'0-9'``) keeps
  some of them.

Each source adds one line to the log: file, sweeps read, duration and sampling
rate, the voltage and current channels with their names and units, and a note
for every channel whose name contradicts its units.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .io import RecordingFile, Sweep, read_recording_file, sweeps_from_files

__all__ = ["parse_sweep_list", "format_sweep_list", "read_file_list", "describe_source"]

_ITEM = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def parse_sweep_list(text: str, option: str = "sweeps") -> tuple[int, ...]:
    """``'0-9'``, ``'0,2,5-7'`` or ``'3'`` -> sweep numbers (from 0; ranges include both ends).

    Raises a ``ValueError`` naming *option* for anything else, a descending range or a repeat.
    """
    out: list[int] = []
    for item in str(text).split(","):
        match = _ITEM.match(item)
        if not match:
            raise ValueError(f"{option} {text!r}: expected sweep numbers from 0 such as '0-9' "
                             "or '0,2,5-7'")
        a = int(match.group(1))
        b = a if match.group(2) is None else int(match.group(2))
        if b < a:
            raise ValueError(f"{option} {text!r}: range {a}-{b} runs backwards; expected "
                             "START-STOP with START <= STOP")
        out.extend(range(a, b + 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{option} {text!r}: a sweep is listed twice; expected each sweep once")
    return tuple(out)


def format_sweep_list(sweeps: Sequence[int]) -> str:
    """Sweep numbers as compact ranges: (0, 1, 2, 5) -> ``'0-2, 5'``."""
    runs: list[list[int]] = []
    for k in sweeps:
        if runs and k == runs[-1][1] + 1:
            runs[-1][1] = k
        else:
            runs.append([k, k])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


def describe_source(v_file: RecordingFile, i_file: RecordingFile | None,
                    sweeps: Sequence[Sweep], chosen: Sequence[int], v_channel=None,
                    i_channel=None) -> str:
    """One line: file(s), sweeps read, duration, rate, channels by units and names."""
    i_file = v_file if i_file is None else i_file
    name = v_file.path.name if i_file is v_file else f"{v_file.path.name} + {i_file.path.name}"
    durations = sorted({round(s.duration, 9) for s in sweeps})
    length = (f"{durations[0]:.6g} s" if len(durations) == 1
              else f"{durations[0]:.6g}-{durations[-1]:.6g} s")
    k0 = chosen[0] if chosen else 0
    vch, ich = v_file.pick("voltage", v_channel, k0), i_file.pick("current", i_channel, k0)
    read = (f"sweep {format_sweep_list(chosen)} of {v_file.n_sweeps}" if len(chosen) == 1
            else f"sweeps {format_sweep_list(chosen)} of {v_file.n_sweeps}")
    return (f"{name}: {read}, {length}{' each' if len(sweeps) > 1 else ''} at "
            f"{sweeps[0].sampling_rate:.6g} Hz; V: {vch.label()}, I: {ich.label()}")


def _sources(paths: Sequence, option: str) -> list[tuple[RecordingFile, RecordingFile | None]]:
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError(f"{option}: no files; expected recording files")
    cache: dict[Path, RecordingFile] = {}

    def read(path):
        if path not in cache:
            cache[path] = read_recording_file(path)
        return cache[path]

    listing = f"{option}: {len(paths)} file(s) {[str(p) for p in paths]}"
    sources, k = [], 0
    while k < len(paths):
        first = read(paths[k])
        has_v, has_i = first.holds("voltage"), first.holds("current")
        if has_v and has_i:
            sources.append((first, None))
            k += 2 if k + 1 < len(paths) and paths[k + 1] == paths[k] else 1
        elif has_v:
            if k + 1 >= len(paths):
                raise ValueError(f"{listing}: {paths[k].name} holds a voltage but no current "
                                 "channel and no file follows it; expected V I pairs or files "
                                 "holding both")
            second = read(paths[k + 1])
            if not second.holds("current"):
                second.pick("current")   # raises, naming its channels
            sources.append((first, second))
            k += 2
        elif has_i:
            raise ValueError(f"{listing}: {paths[k].name} holds a current but no voltage "
                             "channel (are the V and I files swapped?); expected the voltage "
                             "file first (V I pairs) or a file holding both")
        else:
            first.pick("voltage")        # raises: no units, or no voltage channel
    return sources


def read_file_list(paths: Sequence, option: str, sweeps: Sequence[int] | None = None, *,
                   single_too: bool = False) -> tuple[list[Sweep], list[str]]:
    """Sweeps of a list of recording files (see the module notes) and the lines of the log.

    Parameters
    ----------
    paths : sequence of path
        The files, as given on the command line.
    option : str
        Name of the option in messages (``'--test'``).
    sweeps : sequence of int, optional
        Sweep numbers to keep from every source holding more than one sweep
        (one-sweep sources are read whole unless *single_too*); default: all.
    single_too : bool
        Apply *sweeps* to one-sweep sources as well (an out-of-range number is an error).

    Raises
    ------
    ValueError
        A file that fits no source, a selection outside a file's sweeps, or the
        reasons of :func:`.io.sweeps_from_files`.
    """
    out, log = [], []
    for v_file, i_file in _sources(paths, option):
        chosen = (list(range(v_file.n_sweeps))
                  if sweeps is None or (v_file.n_sweeps == 1 and not single_too)
                  else list(sweeps))
        read = sweeps_from_files(v_file, i_file, sweeps=chosen)
        log.append(f"{option} {describe_source(v_file, i_file, read, chosen)}")
        log.extend(v_file.name_notes())
        if i_file is not None:
            log.extend(note for note in i_file.name_notes() if note not in log)
        log.extend(f"  {s.describe()}" for s in read if s.gaps or s.nan_segments)
        out.extend(read)
    return out, log
