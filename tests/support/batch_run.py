"""Helpers of the batch tests: the example suite, a counting oracle, a batch run through the real code path,
and the `sandloop` command as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from subprocess import PIPE
from typing import Any

from agent.config import AgentConfig
from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.models.oracle import OracleModel
from agent.models.serialized import shareable
from batch.config import Mode, RunConfig
from batch.run import run_batch
from batch.sample import SampleRunner
from batch.sample_records import SampleRecord
from batch.workers import LocalExecutor
from sandbox import SandboxPool
from sandbox.container import LABEL
from sandbox.engine import connect
from sandbox.pool import OWNER_LABEL
from tasks import load_suite
from tasks.infra_retry import InfraRetry
from tasks.spec import TaskSpec

ROOT = Path(__file__).parents[2]
EXAMPLES = "jsonl:docs/examples/tasks.jsonl"


def example_tasks() -> list[TaskSpec]:
    """sum_list, is_even, reverse_words: function tasks with reference solutions."""
    return load_suite(f"jsonl:{ROOT / 'docs/examples/tasks.jsonl'}")


class CountingOracle(OracleModel):
    """The oracle, counting its calls; with `interrupt_after`, the call after that many raises
    KeyboardInterrupt (as Ctrl-C would arrive in the middle of a run)."""

    def __init__(self, tasks: list[TaskSpec], interrupt_after: int | None = None) -> None:
        super().__init__(tasks)
        self.calls = 0
        self.interrupt_after = interrupt_after
        self._lock = threading.Lock()

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        with self._lock:
            if self.interrupt_after is not None and self.calls >= self.interrupt_after:
                raise KeyboardInterrupt
            self.calls += 1
        return super().chat(messages, tools=tools, sampling=sampling)


def config_for(
    tasks: list[TaskSpec], mode: Mode = "single-shot", samples: int = 1, **agent: Any
) -> RunConfig:
    return RunConfig(
        suite=EXAMPLES,
        backend="oracle",
        mode=mode,
        samples=samples,
        ids=[task.id for task in tasks],
        agent=AgentConfig.model_validate(agent),
    )


def batch(
    tasks: list[TaskSpec],
    model: ChatModel,
    pool: SandboxPool,
    run_dir: Path,
    mode: Mode = "single-shot",
    samples: int = 1,
    workers: int = 1,
    **agent: Any,
) -> list[SampleRecord]:
    """A run through the code path of `sandloop run` (infra retries without waiting between them)."""
    config = config_for(tasks, mode, samples, **agent)
    sampler = SampleRunner(shareable(model), pool, config, run_dir, InfraRetry(backoff_s=0.0))
    return run_batch(tasks, config, sampler, run_dir, LocalExecutor(workers))


def result_lines(run_dir: Path) -> list[str]:
    return (run_dir / "results.jsonl").read_text().splitlines()


def sandloop(*args: str) -> subprocess.CompletedProcess[str]:
    """`sandloop COMMAND ...` in a fresh process: the root app once cli/main.py registers the command, the
    command's own module until then. Returns once the process's sandbox containers are gone too, so the next
    pool start does not meet them half-removed."""
    from cli.main import app

    command, rest = args[0], list(args[1:])
    registered = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    entry = ["-m", "cli.main", command] if command in registered else ["-m", f"cli.{command}_cmd"]
    argv = [sys.executable, *entry, *rest]
    env = {**os.environ, "COLUMNS": "200"}  # wide enough that table rows stay on one line
    with subprocess.Popen(argv, cwd=ROOT, env=env, text=True, stdout=PIPE, stderr=PIPE) as process:
        stdout, stderr = process.communicate(timeout=300)
    wait_for_containers_of(process.pid)
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)


def wait_for_containers_of(pid: int, timeout_s: float = 60.0) -> None:
    """Closed pools' containers exit at EOF and Docker removes them soon after."""
    client = connect()
    filters = {"label": [LABEL, f"{OWNER_LABEL}={pid}"]}
    deadline = time.monotonic() + timeout_s
    while client.containers.list(all=True, filters=filters, sparse=True):
        assert time.monotonic() < deadline, f"the sandbox containers of process {pid} were never removed"
        time.sleep(0.1)
