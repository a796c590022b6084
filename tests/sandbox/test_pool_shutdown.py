"""Closing a pool and Ctrl-C: jobs waiting on an answer wake up, nothing starts after the close, and no
container outlives its process (real containers, real signals to a real process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import docker
import pytest

from sandbox import JobResult, Limits, PoolConfig, RunJob, SandboxPool
from sandbox.pool import OWNER_LABEL

pytestmark = pytest.mark.docker

ROOT = Path(__file__).parents[2]
SLEEPER = RunJob(source="import time\nprint('x', flush=True)\ntime.sleep(600)", limits=Limits(timeout_s=600))
"""A job that would hold its container for 10 minutes (30 with the load stretch): a hang shows as one."""

SLEEPING_RUN = """
import sys
from sandbox import Limits, PoolConfig, RunJob, SandboxPool
job = RunJob(source="import time; time.sleep(600)", limits=Limits(timeout_s=600))
print("starting", flush=True)
with SandboxPool(PoolConfig(size=2)) as pool:
    print("started", flush=True)
    for result in pool.iter_many([job] * 4):
        print(result.status, flush=True)
"""


def _containers(client: docker.DockerClient, label: str) -> list[str]:
    return [c.id for c in client.containers.list(all=True, filters={"label": label}, ignore_removed=True)]


def _wait_busy(client: docker.DockerClient, label: str, count: int) -> None:
    """Until `count` containers with `label` run a job beside their executor (hang guard: 120 s)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        busy = 0
        for container in client.containers.list(filters={"label": label}, ignore_removed=True):
            try:
                busy += len(container.top()["Processes"] or []) > 1
            except docker.errors.APIError:
                continue
        if busy >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{count} containers labelled {label} never ran a job")


def _wait_gone(client: docker.DockerClient, label: str) -> list[str]:
    """Containers with `label` left once Docker had 30 s to auto-remove the closed ones."""
    deadline = time.monotonic() + 30
    while (left := _containers(client, label)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def test_closing_wakes_a_job_waiting_for_its_answer_and_starts_no_replacement(
    docker_client: docker.DockerClient,
) -> None:
    pool = SandboxPool(PoolConfig(size=1), client=docker_client).start()
    label = f"sandloop.pool={pool.pool_id}"
    first = set(_containers(docker_client, label))
    results: list[JobResult] = []
    runner = threading.Thread(target=lambda: results.append(pool.run(SLEEPER)))
    runner.start()
    _wait_busy(docker_client, label, 1)
    pool.close()
    runner.join(timeout=120)  # a hang guard: without shutdown() the job would wait out its 600 s
    assert not runner.is_alive()
    assert results[0].status == "infra_error"
    assert results[0].message == "the sandbox pool is closed"
    assert pool.run(RunJob(source="print(1)")).message == "the sandbox pool is closed"
    seen_after = set(_containers(docker_client, label))
    assert seen_after <= first  # no replacement started
    assert _wait_gone(docker_client, label) == []


def _interrupted_run(client: docker.DockerClient, signals: int, when: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SLEEPING_RUN],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    while (line := process.stdout.readline().strip()) != when:
        assert line, "the run ended before it was interrupted"
    if when == "started":
        _wait_busy(client, f"{OWNER_LABEL}={process.pid}", 2)
    for _ in range(signals):
        os.kill(process.pid, signal.SIGINT)
        time.sleep(0.05)
    return process


@pytest.mark.parametrize(("signals", "when"), [(1, "started"), (2, "started"), (2, "starting")])
def test_ctrl_c_ends_a_run_promptly_and_leaves_no_container(
    docker_client: docker.DockerClient, signals: int, when: str
) -> None:
    process = _interrupted_run(docker_client, signals, when)
    try:
        _, stderr = process.communicate(timeout=120)  # a hang guard: the jobs would run 600 s
    finally:
        process.kill()
    assert "KeyboardInterrupt" in stderr
    assert _wait_gone(docker_client, f"{OWNER_LABEL}={process.pid}") == []
