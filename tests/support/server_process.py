"""A real `sandloop serve` process on 127.0.0.1, as a user starts it, and its clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import docker
import httpx

from agent.models.child_server import free_port
from sandbox.container import LABEL
from sandbox.pool import OWNER_LABEL

ROOT = Path(__file__).parents[2]


class ServerProcess:
    """`python -m cli.main serve --port P ARGS...`; `url` once `/v1/ping` answers. `python`: another
    environment's interpreter (the verl env has no server dependencies)."""

    def __init__(self, *args: str, startup_s: float = 120.0, python: str = sys.executable) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [python, "-m", "cli.main", "serve", "--port", str(self.port), *args]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=os.environ.copy(),
        )
        deadline = time.monotonic() + startup_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sandloop serve exited at start: {self.output()}")
            try:
                if httpx.get(f"{self.url}/v1/ping", timeout=1).json() == "pong":
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"sandloop serve did not answer /v1/ping within {startup_s} s")

    def output(self) -> str:
        if self.process.poll() is None:
            return ""
        assert self.process.stdout is not None
        return self.process.stdout.read()

    def signal(self, number: int = signal.SIGTERM) -> None:
        self.process.send_signal(number)

    def stop(self, timeout_s: float = 90.0) -> int:
        """SIGTERM, then wait for the drain; returns the exit code."""
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout_s)

    def containers(self, client: docker.DockerClient) -> list[str]:
        """Sandbox containers this server started that still exist."""
        filters = {"label": [LABEL, f"{OWNER_LABEL}={self.process.pid}"]}
        return [c.name for c in client.containers.list(all=True, filters=filters, ignore_removed=True)]

    def assert_released(self, client: docker.DockerClient, within_s: float = 30.0) -> None:
        deadline = time.monotonic() + within_s
        while (left := self.containers(client)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"containers left by the server: {left}"
