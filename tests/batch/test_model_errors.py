"""Samples whose model failed are pending: left out of pass@k, run again on resume (exactly those), counted
once they get a verdict."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from agent.messages import Message
from agent.models.base import ModelReply, Sampling
from agent.models.errors import ModelError
from batch.config import Mode
from batch.summary import summarize
from sandbox import SandboxPool
from tests.support.batch_run import CountingOracle, batch, example_tasks

pytestmark = pytest.mark.docker


class DownFirst(CountingOracle):
    """The oracle behind an endpoint that is down for its first `down` calls."""

    def __init__(self, tasks: list[Any], down: int) -> None:
        super().__init__(tasks)
        self.down = down
        self.failed = 0
        self._down_lock = threading.Lock()

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        with self._down_lock:
            if self.failed < self.down:
                self.failed += 1
                raise ModelError(
                    "no OpenAI-compatible server answers at http://127.0.0.1:9/v1: connection refused"
                )
        return super().chat(messages, tools=tools, sampling=sampling)


@pytest.mark.parametrize("mode", ["single-shot", "agent"])
def test_model_errors_are_pending_then_rerun_and_counted(
    mode: Mode, pool: SandboxPool, tmp_path: Path
) -> None:
    tasks = example_tasks()  # three tasks; two samples each; the first two samples meet the endpoint down
    first = batch(tasks, DownFirst(tasks, down=2), pool, tmp_path, mode=mode, samples=2, plan=False)
    failed = [r.key for r in first if r.exit_status == "model_error"]
    assert failed == [(tasks[0].id, 0), (tasks[0].id, 1)]
    summary = summarize(first, max_k=2)
    assert (summary.samples, summary.counted, summary.model_errors, summary.pending) == (6, 4, 2, 2)
    figures = {task.task_id: task for task in summary.per_task}
    assert figures[tasks[0].id].n == 0  # no verdict yet: not a failure in pass@k
    assert {p.k: (p.value, p.tasks) for p in summary.pass_at_k} == {1: (1.0, 2), 2: (1.0, 2)}

    up = CountingOracle(tasks)
    again = batch(tasks, up, pool, tmp_path, mode=mode, samples=2, plan=False)
    assert up.calls == 2  # exactly the two pending samples asked the model again
    assert all(r.has_verdict and r.passed for r in again)
    done = summarize(again, max_k=2)
    assert (done.counted, done.model_errors, done.pending) == (6, 0, 0)
    assert {p.k: (p.value, p.tasks) for p in done.pass_at_k} == {1: (1.0, 3), 2: (1.0, 3)}
    assert [r for r in again if r.key not in failed] == [r for r in first if r.key not in failed]
