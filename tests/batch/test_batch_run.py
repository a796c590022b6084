"""Batch runs through the real sandbox: resume, interrupts, infra errors, the summary's pass@k."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.scripted import ScriptedModel
from batch.config import Mode
from batch.errors import BatchError
from batch.sample_records import read_records
from batch.summary import summarize
from sandbox import PoolConfig, SandboxPool
from tasks.passk import pass_at_k
from tests.support.batch_run import ROOT, CountingOracle, batch, example_tasks, result_lines

pytestmark = pytest.mark.docker


@pytest.fixture
def broken_pool() -> Iterator[SandboxPool]:
    """A pool whose image does not exist: every job it is given ends in `infra_error`."""
    broken = SandboxPool(PoolConfig(size=1, image="sandloop-no-such-image:0"))  # each job tries to start it
    yield broken
    broken.close()


@pytest.mark.parametrize("mode", ["single-shot", "agent"])
def test_a_finished_run_run_again_redoes_nothing(mode: Mode, pool: SandboxPool, tmp_path: Path) -> None:
    tasks = example_tasks()
    first = CountingOracle(tasks)
    records = batch(tasks, first, pool, tmp_path, mode=mode, workers=2, plan=False)
    assert first.calls == 3
    assert [(r.task_id, r.sample, r.status) for r in records] == [(t.id, 0, "passed") for t in tasks]
    lines = result_lines(tmp_path)
    assert len(lines) == 3

    again = CountingOracle(tasks)
    assert batch(tasks, again, pool, tmp_path, mode=mode, workers=2, plan=False) == records
    assert again.calls == 0
    assert result_lines(tmp_path) == lines


def test_agent_samples_record_their_trajectory_with_the_hidden_verdict(
    pool: SandboxPool, tmp_path: Path
) -> None:
    tasks = example_tasks()[:1]
    wrong = "```python\ndef sum_list(numbers):\n    return 0\n```"
    (record,) = batch(tasks, ScriptedModel([wrong]), pool, tmp_path, mode="agent", plan=False, max_steps=1)
    assert (record.status, record.exit_status) == ("failed", "budget_exhausted")
    assert record.trajectory is not None
    trajectory = json.loads((tmp_path / record.trajectory).read_text())
    assert trajectory["run_id"] == "sum_list#0"
    assert trajectory["hidden"]["status"] == "failed"
    assert trajectory["final_code"] == record.code == "def sum_list(numbers):\n    return 0"


def test_an_interrupted_run_keeps_what_finished_and_the_rerun_does_the_rest(
    pool: SandboxPool, tmp_path: Path
) -> None:
    tasks = example_tasks()
    interrupted = CountingOracle(tasks, interrupt_after=4)
    with pytest.raises(KeyboardInterrupt):
        batch(tasks, interrupted, pool, tmp_path, samples=3)
    kept = read_records(tmp_path)
    assert len(kept) == 4
    assert all(r.passed for r in kept)

    rest = CountingOracle(tasks)
    records = batch(tasks, rest, pool, tmp_path, samples=3)
    assert rest.calls == 3 * 3 - 4
    assert len(records) == 9 and all(r.passed for r in records)
    assert [r.key for r in records] == [(t.id, i) for t in tasks for i in range(3)]
    assert records[:4] == kept  # finished samples were not redone


def test_an_agent_sample_interrupted_mid_solve_resumes_from_its_checkpoint(
    pool: SandboxPool, tmp_path: Path
) -> None:
    tasks = example_tasks()[:2]
    # calls: plan and write of the first task, plan of the second; its write is interrupted
    interrupted = CountingOracle(tasks, interrupt_after=3)
    with pytest.raises(KeyboardInterrupt):
        batch(tasks, interrupted, pool, tmp_path, mode="agent", plan=True)
    assert [r.task_id for r in read_records(tmp_path)] == [tasks[0].id]

    rest = CountingOracle(tasks)
    records = batch(tasks, rest, pool, tmp_path, mode="agent", plan=True)
    assert rest.calls == 1  # only the interrupted write: the plan came back from the checkpoint
    assert [(r.task_id, r.status, r.exit_status) for r in records] == [
        (t.id, "passed", "solved") for t in tasks
    ]
    assert records[1].trajectory is not None
    events = json.loads((tmp_path / records[1].trajectory).read_text())["events"]
    assert [e["node"] for e in events if e["type"] == "model"] == ["plan", "write"]


# Answers the first two samples, then hangs in the third until the test kills the process (SIGKILL: no
# cleanup, no finally blocks).
KILLED_RUN = """
import sys, time
from pathlib import Path
from sandbox import PoolConfig, SandboxPool
from tests.support.batch_run import CountingOracle, batch, example_tasks

class Hangs(CountingOracle):
    def chat(self, messages, *, tools=None, sampling):
        if self.calls == 2:
            Path(sys.argv[1], "hanging").write_text("x")
            time.sleep(600)
        return super().chat(messages, tools=tools, sampling=sampling)

tasks = example_tasks()
with SandboxPool(PoolConfig(size=1)) as pool:
    batch(tasks, Hangs(tasks), pool, Path(sys.argv[1], "run"), samples=2)
"""


def test_a_killed_run_loses_no_finished_sample(pool: SandboxPool, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(tmp_path)], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "hanging").exists():
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run never reached its third sample"
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    run_dir = tmp_path / "run"
    assert [r.key for r in read_records(run_dir)] == [("sum_list", 0), ("sum_list", 1)]

    tasks = example_tasks()
    rest = CountingOracle(tasks)
    records = batch(tasks, rest, pool, run_dir, samples=2)
    assert rest.calls == 4
    assert len(records) == 6 and all(r.passed for r in records)


def test_resuming_with_another_config_is_refused_in_one_line(pool: SandboxPool, tmp_path: Path) -> None:
    tasks = example_tasks()
    batch(tasks, CountingOracle(tasks), pool, tmp_path, samples=1)
    model = CountingOracle(tasks)
    with pytest.raises(BatchError) as caught:
        batch(tasks, model, pool, tmp_path, mode="agent", samples=2)
    message = str(caught.value)
    assert "\n" not in message
    assert 'mode ("single-shot" → "agent")' in message
    assert "samples (" not in message  # a larger -n alone extends the run (tests/batch/test_extend_run.py)
    assert model.calls == 0
    assert len(result_lines(tmp_path)) == 3


def test_infra_errors_are_retried_left_out_of_n_reported_apart_and_graded_again_on_resume(
    pool: SandboxPool, broken_pool: SandboxPool, tmp_path: Path
) -> None:
    tasks = example_tasks()
    with pytest.raises(KeyboardInterrupt):  # the first task's samples are graded by a working pool
        batch(tasks, CountingOracle(tasks, interrupt_after=2), pool, tmp_path, samples=2)
    later = CountingOracle(tasks)
    records = batch(tasks, later, broken_pool, tmp_path, samples=2)  # the engine "fails" for the rest
    assert later.calls == 4
    infra = [r for r in records if r.status == "infra_error"]
    assert [r.task_id for r in infra] == [tasks[1].id] * 2 + [tasks[2].id] * 2
    assert all(r.attempts == 3 and not r.passed and r.code for r in infra)  # retried twice; the answer kept

    summary = summarize(records, max_k=2)
    assert (summary.samples, summary.counted, summary.infra_errors) == (6, 2, 4)
    assert summary.statuses["infra_error"] == 4 and summary.statuses["passed"] == 2
    assert [(e.k, e.value, e.tasks) for e in summary.pass_at_k] == [(1, 1.0, 1), (2, 1.0, 1)]
    assert {t.task_id: (t.n, t.infra_errors) for t in summary.per_task} == {
        tasks[0].id: (2, 0),
        tasks[1].id: (0, 2),
        tasks[2].id: (0, 2),
    }

    again = CountingOracle(tasks)
    records = batch(tasks, again, pool, tmp_path, samples=2)
    assert again.calls == 0  # the kept answers are graded again; the model is not asked again
    assert all(r.passed for r in records)
    assert summarize(records).infra_errors == 0
    assert len(result_lines(tmp_path)) == 2 + 4 + 4  # the re-graded samples were appended, never rewritten


def test_the_summary_gives_unbiased_pass_at_k_over_the_tasks(pool: SandboxPool, tmp_path: Path) -> None:
    sum_list, is_even = example_tasks()[:2]
    right_sum = "```python\ndef sum_list(numbers):\n    return sum(numbers)\n```"
    wrong_sum = "```python\ndef sum_list(numbers):\n    return len(numbers)\n```"
    right_even = "```python\ndef is_even(n):\n    return n % 2 == 0\n```"
    wrong_even = "```python\ndef is_even(n):\n    return n > 0\n```"
    crash = "```python\nraise SystemError('no')\n```"
    replies = [right_sum, wrong_sum, right_sum, crash, wrong_even, right_even]  # 2 of 3, then 1 of 3
    records = batch([sum_list, is_even], ScriptedModel(replies), pool, tmp_path, samples=3)
    assert [r.status for r in records] == ["passed", "failed", "passed", "error", "failed", "passed"]

    summary = summarize(records, max_k=3)
    assert (summary.tasks, summary.counted, summary.passed) == (2, 6, 3)
    values = {e.k: e.value for e in summary.pass_at_k}
    # by hand: pass@1 = (2/3 + 1/3) / 2; pass@2 = (1 + (1 - C(2,2)/C(3,2))) / 2; pass@3 = 1
    assert values[1] == pytest.approx(0.5)
    assert values[2] == pytest.approx((1 + 2 / 3) / 2)
    assert values[3] == pytest.approx(1.0)
    for k in (1, 2, 3):
        assert values[k] == pytest.approx((pass_at_k(3, 2, k) + pass_at_k(3, 1, k)) / 2)
    assert {s: c for s, c in summary.statuses.items() if c} == {"passed": 3, "failed": 2, "error": 1}
    assert summary.tokens == sum(r.tokens for r in records) > 0


def test_a_failing_model_is_the_samples_failure_with_the_reason_kept(
    pool: SandboxPool, tmp_path: Path
) -> None:
    tasks = example_tasks()[:1]
    (record,) = batch(tasks, ScriptedModel([]), pool, tmp_path)  # it has no reply to give: it raises
    assert (record.passed, record.code) == (False, "")  # graded like an empty answer
    assert record.status in ("failed", "error")
    assert record.exit_status == "model_error"
    assert record.message == "RuntimeError: the scripted model has no replies left"
    assert summarize([record]).exit_statuses == {"model_error": 1}
