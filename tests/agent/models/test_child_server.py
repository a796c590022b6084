"""Waiting for a child server: real processes, a real HTTP server (the stdlib's, serving a file named `models`)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.models.child_server import free_port, stop_process_group, wait_until_answers
from agent.models.errors import ModelError


def spawn(code: str, log: Path, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )


def test_returns_once_the_models_route_answers(tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "models").write_text('{"data": []}')
    port = free_port()
    server = spawn(
        f"import http.server as h; h.ThreadingHTTPServer(('127.0.0.1', {port}), h.SimpleHTTPRequestHandler)"
        ".serve_forever()",
        tmp_path / "server.log",
        cwd=tmp_path,
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/v1", server, tmp_path / "server.log", "the file server",
                           time.monotonic(), 30, poll_s=0.1)  # fmt: skip
        assert server.poll() is None
    finally:
        stop_process_group(server)
    assert server.returncode is not None


def test_an_exit_is_one_error_with_the_log_tail(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    server = spawn("print('loading'); print('ValueError: no such model'); raise SystemExit(3)", log)
    with pytest.raises(ModelError) as raised:
        wait_until_answers(f"http://127.0.0.1:{free_port()}/v1", server, log, "the vLLM server",
                           time.monotonic(), 30, poll_s=0.1)  # fmt: skip
    assert str(raised.value) == "the vLLM server exited with 3: ValueError: no such model"


def test_a_server_that_never_answers_fails_at_its_deadline(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    server = spawn("import time; print('still loading', flush=True); time.sleep(60)", log)
    try:
        with pytest.raises(ModelError) as raised:
            wait_until_answers(f"http://127.0.0.1:{free_port()}/v1", server, log, "transformers serve",
                               time.monotonic(), 2, poll_s=0.1, tail_lines=5)  # fmt: skip
        assert str(raised.value) == "transformers serve did not answer within 2 s: still loading"
    finally:
        stop_process_group(server)
    assert server.returncode == -15  # SIGTERM reached the group
