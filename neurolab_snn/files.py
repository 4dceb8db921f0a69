"""Atomic output files (layer L0): never leave a half-written result behind.

Every JSON, PNG or array file the package writes goes through :func:`atomic_path`:
the content is written to a temporary file in the target folder and renamed
into place only when complete.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
from pathlib import Path

import numpy as np


@contextlib.contextmanager
def atomic_path(path, suffix: str | None = None):
    """Yield a temporary path next to *path*; rename it to *path* on success.

    On an exception the temporary file is removed and *path* is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # SIGINT/SIGTERM wait until the clean-up below is armed: a signal arriving between
    # mkstemp and the try block would otherwise leave the temporary file behind
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                   suffix=suffix if suffix is not None else path.suffix)
        os.close(fd)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; results are for all to read
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise


def json_default(obj):
    """``json.dumps(default=...)`` for numpy scalars and arrays and paths."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"object of type {type(obj).__name__} is not JSON serialisable")


def write_json(path, data) -> Path:
    """Write *data* as indented JSON, atomically. NumPy scalars and arrays become lists."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=json_default, allow_nan=False) + "\n")
    return Path(path)


def save_figure(fig, path, dpi: int = 120) -> Path:
    """Save a matplotlib figure as PNG, atomically, and close it."""
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png", bbox_inches="tight")
    plt.close(fig)
    return Path(path)


def data_path() -> Path:
    """Folder of example recordings: ``$NEUROLAB_DATA``, else ``../shared/data`` beside the repo.

    The package never needs it; tests and the main job use it when present.
    """
    env = os.environ.get("NEUROLAB_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


# ------------------------------------------------------------------ output folders
LOCK_NAME = ".neurolab.lock"


def check_out_dir(path, option: str = "--out") -> Path:
    """Check that *path* is, or can be created as, a writable folder; return it as a Path.

    Raises ``ValueError`` naming *option* and the path when it is an existing
    file, or when the folder (or, if it does not exist yet, its nearest existing
    parent) cannot be written. Nothing is created.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {path}: is a file; expected a folder (existing or new)")
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise ValueError(f"{option} {path}: {probe} is a file; expected a folder")
    try:   # a real write test: os.access says yes to root and on read-only mounts
        with tempfile.TemporaryFile(dir=probe, prefix=".neurolab-write-test."):
            pass
    except OSError as err:
        raise ValueError(f"{option} {path}: folder {probe} is not writable "
                         f"({err.strerror or err}); expected a writable folder") from None
    return path


def _lock_holder(lock_path: Path) -> str:
    try:
        text = lock_path.read_text().strip()
    except OSError:
        return "unknown"
    return text or "unknown"


def _held_nearby(path: Path, own: Path) -> Path | None:
    """A ``.neurolab.lock`` above or below *path* that another holder has locked, or None.

    Nested output folders overlap (``figures --out results`` writes into
    ``results/protocols``), so a lock on either one keeps the other out.
    """
    import fcntl

    candidates = [parent / LOCK_NAME for parent in path.resolve().parents]
    candidates += [p for p in path.rglob(LOCK_NAME) if p != own]
    for lock_path in candidates:
        try:
            fd = os.open(lock_path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return lock_path
        finally:
            os.close(fd)
    return None


@contextlib.contextmanager
def locked_out_dir(path, option: str = "--out"):
    """Hold an exclusive lock on output folder *path* for the duration of the block.

    The folder is checked (:func:`check_out_dir`), created if needed, and
    ``<path>/.neurolab.lock`` (holding this process's pid) is locked with
    ``fcntl.flock``. A second process asking for the same folder, or for a
    folder above or below it, gets a ``RuntimeError`` naming the folder and
    the pid of the holder, at once (it never waits). On exit the lock file is
    removed, and the folder too if this call created it and it stayed empty.
    The lock dies with the process, so a killed run never leaves the folder
    locked.
    """
    import fcntl

    path = check_out_dir(path, option)
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    lock_path = path / LOCK_NAME
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if created:
                with contextlib.suppress(OSError):
                    path.rmdir()
            raise RuntimeError(f"{option} {path}: the folder is in use by another neurolab "
                               f"process (pid {_lock_holder(lock_path)}); wait for it to "
                               "finish or choose another folder") from None
        try:   # the holder before us may have removed the file: lock the one on disk
            same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    nearby = _held_nearby(path, lock_path)
    if nearby is not None:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)
        if created:
            with contextlib.suppress(OSError):
                path.rmdir()
        raise RuntimeError(f"{option} {path}: the folder {nearby.parent} that contains it or "
                           f"lies inside it is in use by another neurolab process (pid "
                           f"{_lock_holder(nearby)}); wait for it to finish or choose another "
                           "folder")
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)
        os.close(fd)
        if created:
            with contextlib.suppress(OSError):
                path.rmdir()      # only succeeds when empty
