"""Waiting for an OpenAI-compatible server process the tests started (vLLM, transformers serve)."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def wait_until_ready(
    url: str, process: subprocess.Popen[bytes], log: Path, name: str, deadline: float, poll_s: float = 1.0
) -> None:
    """Return once `url/models` answers 200; fail with the log's tail if the process exits or the monotonic
    `deadline` passes first."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(poll_s)
    pytest.fail(f"{name} did not answer by its deadline:\n{log.read_text()[-4000:]}")
