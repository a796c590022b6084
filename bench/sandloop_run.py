"""One `sandloop run ... --json` as a child process, as a user runs it: its summary and its wall time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any


def sandloop_run(arguments: list[str]) -> dict[str, Any]:
    """The run's JSON summary with `wall_s` added; exit with the last stderr line when the run failed (exit code 1,
    samples left without a verdict, still has a summary)."""
    command = [sys.executable, "-m", "cli.main", "run", *arguments, "--json"]
    env = {"HF_HUB_OFFLINE": "1"} | dict(os.environ)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"sandloop run failed ({done.returncode}): {tail}")
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary | {"wall_s": round(wall, 1)}
