"""One process at a time in a run dir (or on a samples file): an exclusive `flock` on a lock file beside it,
held until the process ends, so a second run on the same place fails at once instead of grading it twice."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from batch.errors import BatchError

_held: dict[Path, int] = {}
"""Lock files this process holds, by resolved path, to their open descriptors (kept open: that is the lock)."""
_guard = threading.Lock()


def hold_lock(lock_file: Path, what: Path) -> None:
    """Hold `lock_file` for the rest of this process; BatchError naming `what` and the holder's pid when another
    process holds it. Holding it again in the same process is a no-op (a resumed run, a re-read of the dir)."""
    path = lock_file.resolve()
    with _guard:
        if path in _held:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 32, 0).decode("ascii", errors="replace").strip() or "unknown"
            os.close(descriptor)
            raise BatchError(
                f"{what} is in use by another sandloop process (pid {holder}): wait for it or choose another"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        _held[path] = descriptor


def release_lock(lock_file: Path) -> None:
    """Let another process in before this one ends (the lock goes with the process anyway)."""
    with _guard:
        descriptor = _held.pop(lock_file.resolve(), None)
    if descriptor is not None:
        os.close(descriptor)  # closing the last descriptor releases the flock
