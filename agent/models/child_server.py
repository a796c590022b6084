"""An OpenAI-compatible model server run as a child process: a free local port, the wait until it answers, the
stop of its whole process group. One copy for sandloop's vLLM servers and for the servers the tests start
(vLLM, `transformers serve`)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from agent.models.errors import ModelError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_answers(
    url: str,
    process: subprocess.Popen[bytes],
    log: Path,
    name: str,
    started: float,
    within_s: float,
    poll_s: float = 1.0,
    tail_lines: int = 1,
) -> None:
    """Return once `url/models` answers 200; a ModelError with the last `tail_lines` lines of the server's log
    when the process exits, or when `within_s` seconds pass from `started` (monotonic) first."""
    while time.monotonic() < started + within_s:
        if process.poll() is not None:
            raise ModelError(f"{name} exited with {process.returncode}: {log_tail(log, tail_lines)}")
        with (
            contextlib.suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(f"{url}/models", timeout=2) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(poll_s)
    raise ModelError(f"{name} did not answer within {within_s:.0f} s: {log_tail(log, tail_lines)}")


def log_tail(log: Path, lines: int) -> str:
    kept = [line for line in log.read_text(errors="replace").splitlines() if line.strip()][-lines:]
    return "\n".join(kept) if kept else f"no output (log {log})"


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's whole group (its engine with it, even when the server failed to start), SIGKILL
    to whatever is left after 30 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
