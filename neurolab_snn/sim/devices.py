"""Scoped Brian2 devices and preferences; the backend table (layer L3).

Brian2 keeps the active device and its preferences in process-wide state.
Everything here changes that state only inside a ``with`` block and restores
it on exit, so a cpp_standalone run followed by a runtime run in one process
gives the same results as the two runs in separate processes.

Backends
--------
``runtime``, ``numpy`` and ``cpp_standalone`` work in the default environment.
``cuda`` (brian2cuda) and ``genn`` (brian2genn) each need their own
environment, because brian2genn pins brian2 < 2.6 and numpy < 2 while
brian2cuda pins brian2 == 2.10.1 (see ``docs/backends.md``).  Their checks live
in :mod:`neurolab_snn.sim.cuda` and :mod:`neurolab_snn.sim.genn` and raise
:class:`BackendUnavailable` with one line naming what is missing and what to do.
"""
from __future__ import annotations

import contextlib
import shutil

from brian2 import prefs
from brian2.devices.device import get_device, reset_device, set_device

#: Backends this package can run, with what each needs.
BACKENDS = {
    "runtime": "Brian2 runtime: Cython code generation, numpy where no compiler works",
    "numpy": "Brian2 runtime forced to numpy code generation (no compilation)",
    "cpp_standalone": "Brian2 C++ standalone: compiled once, re-run with run_args",
    "cuda": "brian2cuda 1.0b1 (cuda_standalone) on an NVIDIA GPU: Python >= 3.12, "
            "brian2 == 2.10.1, nvcc; `pip install neurolab_snn[cuda]`",
    "genn": "brian2genn 1.7.0 + GeNN 4.8/4.9 at GENN_PATH (GPU, or single-threaded CPU): "
            "own environment with brian2 2.5.4, numpy 1.26; `make genn-env GENN_PATH=...`",
}


class BackendUnavailable(RuntimeError):
    """A backend cannot run here; the message names the missing piece and the fix."""


class BackendUnsupported(ValueError):
    """The network uses a feature the chosen backend does not support."""


def check_backend(backend: str, *, supported=None) -> str:
    """Return *backend* if known and usable here, else raise with a one-line reason.

    Parameters
    ----------
    backend : str
        One of :data:`BACKENDS`.
    supported : iterable of str, optional
        The backends the caller can handle (default: all of :data:`BACKENDS`);
        a known backend outside it raises :class:`BackendUnsupported`.

    Raises
    ------
    ValueError
        Unknown backend name.
    BackendUnsupported
        A known backend the caller does not support.
    BackendUnavailable
        The backend's compiler, package, GeNN tree or GPU is missing.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {sorted(BACKENDS)}")
    if supported is not None and backend not in tuple(supported):
        raise BackendUnsupported(f"backend {backend!r} is not supported here; expected one "
                                 f"of {sorted(supported)}")
    if backend in ("cpp_standalone", "cuda", "genn") and shutil.which("g++") is None \
            and shutil.which("c++") is None:
        raise BackendUnavailable(f"backend {backend!r} needs a C++ compiler (g++); none is "
                                 "on PATH: install g++ (e.g. apt-get install g++)")
    if backend == "cuda":
        from .cuda import check_cuda
        check_cuda(require_gpu=True)
    elif backend == "genn":
        from .genn import check_genn
        check_genn()
    return backend


@contextlib.contextmanager
def scoped_prefs(mapping=None, **values):
    """Set Brian2 preferences and restore them on exit.

    Names are dotted (``mapping={'codegen.target': 'numpy'}``) or keyword
    arguments with ``__`` for ``.`` (``codegen__target='numpy'``).
    """
    names = dict(mapping or {})
    names.update({key.replace("__", "."): value for key, value in values.items()})
    old = {name: prefs[name] for name in names}
    try:
        for name, value in names.items():
            prefs[name] = value
        yield
    finally:
        for name, value in old.items():
            prefs[name] = value


def _snapshot_prefs() -> dict:
    return {name: prefs[name] for name in prefs}


def _restore_prefs(snapshot: dict) -> None:
    for name, value in snapshot.items():
        try:
            changed = prefs[name] != value
            changed = bool(changed) if not hasattr(changed, "any") else bool(changed.any())
        except (TypeError, ValueError):
            changed = True
        if changed:
            prefs[name] = value


@contextlib.contextmanager
def active_device(device):
    """Make *device* (a Brian2 Device instance) the active device inside the block.

    Preferences the device changes when it is activated (brian2genn changes
    the default schedule and switches off loop-invariant optimisations) are
    restored on exit as well.
    """
    previous = get_device()
    snapshot = _snapshot_prefs()
    set_device(device, build_on_run=False)
    try:
        yield device
    finally:
        reset_device(previous)
        _restore_prefs(snapshot)


@contextlib.contextmanager
def single_clock(dt):
    """Inside the block, Brian2 objects asked for *dt* use ``defaultclock`` (set to *dt*).

    The package's factories pass ``dt`` to every object, which gives each its
    own clock; brian2genn accepts only ``defaultclock`` (StateMonitors and
    run_regularly operations aside) and brian2cuda's synapse template refers
    to ``defaultclock`` by name.  Brian2's ``BrianObject.__init__`` is wrapped
    for the duration of the block; it and ``defaultclock.dt`` are restored on
    exit.
    """
    from brian2 import defaultclock
    from brian2.core.base import BrianObject
    original, old_dt = BrianObject.__init__, defaultclock.dt
    target = float(dt)

    def __init__(self, *args, dt=None, clock=None, **kwargs):
        if dt is not None and clock is None and abs(float(dt) - target) <= 1e-9 * target:
            dt = None
        original(self, *args, dt=dt, clock=clock, **kwargs)

    defaultclock.dt = dt
    BrianObject.__init__ = __init__
    try:
        yield
    finally:
        BrianObject.__init__ = original
        defaultclock.dt = old_dt
