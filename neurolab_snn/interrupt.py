"""SIGINT and SIGTERM as exceptions, so that an interrupted job cleans up (layer L0).

Python turns SIGINT into ``KeyboardInterrupt`` but lets SIGTERM kill the
process on the spot, skipping every ``finally`` block: temporary files and
folders stay behind. Inside :func:`signals_as_exceptions` both signals raise
:class:`Interrupted`, a ``KeyboardInterrupt``, so that the context managers of
:mod:`neurolab_snn.files` remove their temporary files, locks are released and
compiled-project folders are deleted on the way out. Callers exit with
:attr:`Interrupted.exit_status` (128 + signal number: 130 for SIGINT, 143 for
SIGTERM), the shell convention.
"""
from __future__ import annotations

import contextlib
import signal
import threading

__all__ = ["Interrupted", "signals_as_exceptions"]


class Interrupted(KeyboardInterrupt):
    """The process received *signum*; ``exit_status`` is ``128 + signum``."""

    def __init__(self, signum: int):
        self.signum = int(signum)
        self.signal_name = signal.Signals(signum).name
        super().__init__(self.signal_name)

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


@contextlib.contextmanager
def signals_as_exceptions(signals=(signal.SIGINT, signal.SIGTERM)):
    """Raise :class:`Interrupted` on *signals* inside the block; restore the handlers after.

    The first signal raises; further signals while the job unwinds are ignored,
    so that a second Ctrl-C cannot cut the clean-up short. Outside the main
    thread (where Python cannot install handlers) the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in signals}

    def handler(signum, frame):
        for s in signals:
            signal.signal(s, signal.SIG_IGN)
        raise Interrupted(signum)

    for s in signals:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
