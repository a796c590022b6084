"""Another process holding a run dir's (or samples file's) lock, through the library, until told to stop."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).parents[2]
_HOLD = """
import sys
from pathlib import Path
from batch.run_lock import hold_lock
hold_lock(Path(sys.argv[1]), Path(sys.argv[1]))
print("held", flush=True)
sys.stdin.read()
"""


@contextmanager
def lock_held_elsewhere(lock_file: Path) -> Iterator[subprocess.Popen[str]]:
    """A real process holding `lock_file` while the block runs; it lets go (exits) after."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(lock_file)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder
    finally:
        holder.kill()
        holder.wait(timeout=30)
