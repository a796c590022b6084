"""An append-only JSON Lines file that survives crashes: each line is fsynced before `append` returns, and a
line torn by a crash mid-write is never read (and can be cut off before appending resumes)."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Self


class DurableJsonl:
    """One such file; `append` is thread-safe and durable once it returns (`append_json`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._handle: IO[str] | None = None

    def lines(self, repair: bool = False) -> Iterator[tuple[int, str]]:
        """(line number, text) of every complete, non-blank line. A last line without its newline was torn by
        a crash: it is skipped, and with `repair` cut off so that appending starts on a fresh line."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        whole = data.rfind(b"\n") + 1  # bytes in complete lines (a torn line may end inside a character)
        if whole < len(data) and repair:
            with self.path.open("rb+") as handle:
                handle.truncate(whole)
        # split on "\n" only: str.splitlines would also split on separators a JSON string may hold raw
        for number, line in enumerate(data[:whole].decode("utf-8", errors="replace").split("\n"), start=1):
            if line.strip():
                yield number, line

    def append_json(self, data: Any) -> None:
        # ASCII JSON: no character of the data (U+2028 for one) can split the line for a reader.
        line = json.dumps(data) + "\n"
        with self._lock:
            if self._handle is None:
                created = not self.path.exists()
                self._handle = self.path.open("a", encoding="utf-8")
                if created:  # the new file's directory entry must be durable too
                    _fsync_dir(self.path.parent)
            self._handle.write(line)
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def write_whole(path: Path, text: str) -> None:
    """Replace `path` with `text` at once: a temporary of its own in the same dir (two writers never share
    one), fsynced, then renamed over it; a reader sees the old file or the new one, never half of one."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
