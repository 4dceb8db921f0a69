"""What a job tells its user: stage lines (logging), progress bars (tqdm) and verbosity (L0).

The package logs its stage lines ("[protocol] fi_curve ...", "compiling
cpp_standalone project ...") on the ``neurolab_snn`` logger at INFO level and
shows progress with :func:`progress`. The command line calls
:func:`configure_output` (through :func:`configured_output`) once:

=========  ====================================  =========================================
verbosity  neurolab_snn                          Brian2 console
=========  ====================================  =========================================
-1 quiet   warnings and errors; no progress bars  errors only
0 normal   stage lines, progress bars            warnings (Brian2's default)
1 verbose  debug lines                            INFO and DEBUG
=========  ====================================  =========================================

Stage lines go to standard output, with the results (the job's report);
standard error carries errors, Brian2's messages and the progress bars.
Progress bars follow the ``neurolab_snn`` logger: they are off whenever its
INFO lines are off, and tqdm turns them off by itself when stderr is not a
terminal (``disable=None``), so log files get the stage lines only.
Library users who never call :func:`configure_output` see Python's logging
defaults: stage lines stay silent until they configure logging themselves.
"""
from __future__ import annotations

import contextlib
import logging
import sys

__all__ = ["logger", "configure_output", "configured_output", "progress", "progress_enabled",
           "forget_unfinished_run"]

logger = logging.getLogger("neurolab_snn")
_HANDLER_NAME = "neurolab_snn.console"


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is at the time (pytest swaps it per test)."""

    def __init__(self):
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass


def configure_output(verbosity: int = 0, stream=None) -> None:
    """Set up the ``neurolab_snn`` console handler and Brian2's console level.

    Parameters
    ----------
    verbosity : int
        -1 (``--quiet``), 0 (default) or 1 (``--verbose``); see the module docstring.
    stream : file, optional
        Where the lines go (default ``sys.stdout``, with the results, as the job's
        report; standard error carries only errors, Brian2 warnings and progress bars, so
        a failed command prints exactly one line there).
    """
    if verbosity not in (-1, 0, 1):
        raise ValueError(f"verbosity={verbosity!r}; expected -1 (quiet), 0 or 1 (verbose)")
    for handler in list(logger.handlers):
        if handler.get_name() == _HANDLER_NAME:
            logger.removeHandler(handler)
    handler = _StdoutHandler() if stream is None else logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel({-1: logging.WARNING, 0: logging.INFO, 1: logging.DEBUG}[verbosity])
    logger.propagate = False

    from brian2.utils.logger import BrianLogger
    {-1: BrianLogger.log_level_error, 0: BrianLogger.log_level_warn,
     1: BrianLogger.log_level_debug}[verbosity]()


@contextlib.contextmanager
def configured_output(verbosity: int = 0):
    """:func:`configure_output` inside the block; the previous settings are restored after.

    The command line runs each command inside it, so that calling
    ``neurolab_snn.cli.main`` from Python leaves logging as it found it.
    """
    from brian2.utils.logger import BrianLogger

    saved = (list(logger.handlers), logger.level, logger.propagate,
             BrianLogger.console_handler.level)
    configure_output(verbosity)
    try:
        yield
    finally:
        logger.handlers[:] = saved[0]
        logger.setLevel(saved[1])
        logger.propagate = saved[2]
        BrianLogger.console_handler.setLevel(saved[3])


def progress_enabled() -> bool:
    """True when the ``neurolab_snn`` logger shows INFO lines (not ``--quiet``)."""
    return logger.isEnabledFor(logging.INFO)


def progress(iterable=None, *, desc: str | None = None, total: int | None = None,
             enabled: bool | None = None, **kwargs):
    """A tqdm bar over *iterable*, shown on a terminal unless output is quiet.

    *enabled*: True shows it (on a terminal), False hides it, None (default)
    follows :func:`progress_enabled`.
    """
    from tqdm.auto import tqdm

    show = progress_enabled() if enabled is None else bool(enabled)
    return tqdm(iterable, desc=desc, total=total, disable=None if show else True,
                dynamic_ncols=True, **kwargs)


def forget_unfinished_run() -> None:
    """Silence Brian2's 'unused object' warnings for the rest of the process.

    Called after an interruption: the groups of the run that was cut short were
    never simulated, and Brian2 would warn about each one as it is collected,
    after the command's last line. Nothing else is filtered.
    """
    from brian2.utils.logger import BrianLogger
    BrianLogger.suppress_name("unused_brian_object")
