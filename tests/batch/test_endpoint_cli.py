"""`sandloop run` against a real OpenAI-shaped endpoint on 127.0.0.1: down before the first sample (one line,
nothing run), or failing mid-run (samples pending, run again when it is back)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from batch.sample_records import read_records
from batch.summary import summarize
from tests.support.batch_run import EXAMPLES, sandloop
from tests.support.flaky_server import SERVED, Behaviour, flaky_server

pytestmark = pytest.mark.docker


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_run_against_a_down_endpoint_fails_fast_in_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    out = tmp_path / "run"
    refused = sandloop(
        "run", EXAMPLES, "--backend", "openai", "--base-url", url, "--model", "m", "--out", str(out)
    )
    assert refused.returncode == 2
    assert refused.stderr == f"error: no OpenAI-compatible server answers at {url}: connection refused\n"
    assert not (out / "results.jsonl").exists()  # no sample was recorded as failed


def test_samples_the_endpoint_failed_are_pending_then_run_again(tmp_path: Path) -> None:
    out = tmp_path / "run"
    behaviour = Behaviour(failure="503", failing=10**6)  # lists its models, then refuses every chat
    args = ["run", EXAMPLES, "--backend", "openai", "--model", SERVED, "--no-plan", "--max-steps", "1"]
    with flaky_server(behaviour) as url:
        down = sandloop(*args, "--base-url", url, "--out", str(out))
        assert down.returncode == 1, down.stdout + down.stderr
        assert "3 samples are pending (model_error" in down.stdout
        first = read_records(out)
        assert [r.exit_status for r in first] == ["model_error"] * 3
        for record in first:  # each call was retried by the backend's policy before it gave up
            assert record.trajectory is not None
            assert "HTTP 503) (4 attempts)" in (out / record.trajectory).read_text()
        assert summarize(first).counted == 0 and not summarize(first).pass_at_k

        behaviour.failing = 0  # the server is back
        asked = behaviour.chat_requests
        up = sandloop(*args, "--base-url", url, "--out", str(out))
    assert up.returncode == 0, up.stdout + up.stderr
    assert behaviour.chat_requests - asked == 3  # exactly the three pending samples, one call each
    again = read_records(out)
    assert all(r.has_verdict for r in again)
    assert [r.exit_status for r in again] == ["budget_exhausted"] * 3  # its answer (add) solves none
    summary = summarize(again)
    assert (summary.counted, summary.pending) == (3, 0)
    assert [(p.k, p.value) for p in summary.pass_at_k] == [(1, 0.0)]
