"""Scoped Brian2 devices and preferences (layer L3).

Brian2 keeps the active device and its preferences in process-wide state.
Everything here changes that state only inside a ``with`` block and restores
it on exit, so a cpp_standalone run followed by a runtime run in one process
gives the same results as the two runs in separate processes.
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
}


def check_backend(backend: str) -> str:
    """Return *backend* if known, else raise a ``ValueError`` listing the choices."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {sorted(BACKENDS)}")
    if backend == "cpp_standalone" and shutil.which("g++") is None and shutil.which("c++") is None:
        raise RuntimeError("backend 'cpp_standalone' needs a C++ compiler (g++); none is on PATH")
    return backend


@contextlib.contextmanager
def scoped_prefs(**values):
    """Set Brian2 preferences (dotted names with ``__`` for ``.``) and restore them on exit.

    Example: ``with scoped_prefs(codegen__target="numpy"): ...``
    """
    names = {key.replace("__", "."): value for key, value in values.items()}
    old = {name: prefs[name] for name in names}
    try:
        for name, value in names.items():
            prefs[name] = value
        yield
    finally:
        for name, value in old.items():
            prefs[name] = value


@contextlib.contextmanager
def active_device(device):
    """Make *device* (a Brian2 Device instance) the active device inside the block."""
    previous = get_device()
    set_device(device, build_on_run=False)
    try:
        yield device
    finally:
        reset_device(previous)
