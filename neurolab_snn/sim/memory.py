"""Memory needed by a recording, estimated and checked before a run (layer L3).

A ``StateMonitor`` keeps one float64 per recorded neuron, variable and time
step, and :meth:`~neurolab_snn.built_network.BuiltNetwork.recording` copies
those arrays into the :class:`~neurolab_snn.recording.Recording`, so a run
that records ``n`` neurons' ``k`` variables for ``T`` steps holds

    2 * n * T * k * 8 bytes

at its end (plus the spike monitors, which grow with the number of spikes and
are not estimated).  :func:`check_recording_memory` refuses a run whose
estimate exceeds the memory available now (``MemAvailable`` of
``/proc/meminfo``; elsewhere the free physical pages from ``os.sysconf``), so a
too-large request fails at once with both numbers instead of swapping or being
killed after minutes of simulation.
"""
from __future__ import annotations

import os

from ..units import to_si

__all__ = ["RecordingTooLarge", "available_memory_bytes", "recording_memory_bytes",
           "check_recording_memory", "check_built_recording", "n_steps", "format_bytes"]

class RecordingTooLarge(ValueError, MemoryError):
    """A recording request larger than the available memory (a ValueError and a MemoryError)."""


_FLOAT64 = 8
_COPIES = 2            # the monitor's arrays and the Recording's copy of them


def available_memory_bytes() -> int | None:
    """Memory available to a new allocation now, in bytes (None if it cannot be read).

    ``MemAvailable`` from ``/proc/meminfo`` (Linux, includes reclaimable page
    cache); otherwise ``SC_AVPHYS_PAGES * SC_PAGE_SIZE``, then
    ``SC_PHYS_PAGES * SC_PAGE_SIZE`` from :func:`os.sysconf`.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    for pages in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
        try:
            return int(os.sysconf(pages)) * int(os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            continue
    return None


def recording_memory_bytes(n_recorded: int, n_steps: int, n_variables: int) -> int:
    """Bytes of float64 state traces: ``2 * n_recorded * n_steps * n_variables * 8``.

    The factor 2 counts the monitor's arrays and the Recording's copy.
    """
    return _COPIES * int(n_recorded) * int(n_steps) * int(n_variables) * _FLOAT64


def format_bytes(n: float) -> str:
    """``'1.5 GB'``-style text (powers of 1000)."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.3g} {unit}"
        n /= 1000.0
    return f"{n:.3g} PB"  # pragma: no cover


def check_recording_memory(requests, n_steps: int, *, available: int | None = None) -> int:
    """Raise :class:`RecordingTooLarge` if the state recordings would not fit in memory.

    Parameters
    ----------
    requests : iterable of (name, n_recorded, variables)
        One entry per state monitor: population name, number of recorded
        neurons, tuple of recorded variable names.
    n_steps : int
        Number of recorded time steps.
    available : int, optional
        Bytes available (default: :func:`available_memory_bytes`); the check is
        skipped when it cannot be determined.

    Returns
    -------
    int
        The estimate in bytes.
    """
    requests = [(name, int(n), tuple(variables)) for name, n, variables in requests]
    needed = sum(recording_memory_bytes(n, n_steps, len(v)) for _, n, v in requests)
    if available is None:
        available = available_memory_bytes()
    if available is not None and needed > available:
        parts = "; ".join(f"{name}: {n} neurons x {n_steps} steps x {len(v)} variable(s) "
                          f"{list(v)}" for name, n, v in requests if n and v)
        raise RecordingTooLarge(
            f"record: the state recording needs about {format_bytes(needed)} ({parts}; "
            f"x 8 bytes x 2 for the monitor and the Recording's copy) but "
            f"{format_bytes(available)} of memory is available; expected a recording that "
            "fits: record fewer neurons (record_indices=...), fewer variables (record=...), "
            "a shorter duration or a larger dt")
    return needed


def n_steps(duration, dt) -> int:
    """Number of time steps of a run of *duration* (Quantity) at *dt* (Quantity)."""
    return int(round(float(to_si(duration)) / float(to_si(dt))))


def check_built_recording(built, duration, dt) -> int:
    """:func:`check_recording_memory` for the state monitors of a ``BuiltNetwork``."""
    return check_recording_memory(
        [(name, len(indices), variables)
         for name, (_, variables, indices) in built.state_monitors.items()],
        n_steps(duration, dt))
