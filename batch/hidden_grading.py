"""Grading a sample's answer on the hidden tests, retrying infrastructure failures a bounded number of times."""

from __future__ import annotations

import time

from sandbox import JobResult, SandboxPool
from tasks.grading import grade
from tasks.spec import TaskSpec

INFRA_RETRIES = 2
"""Extra grading attempts after an `infra_error` (engine, image or container start failed)."""


def grade_hidden(
    pool: SandboxPool, task: TaskSpec, code: str, retries: int = INFRA_RETRIES, backoff_s: float = 1.0
) -> tuple[JobResult, int]:
    """The hidden tests' verdict on `code` and the attempts it took; `infra_error` only when every one failed."""
    attempt = 1
    while True:
        result = grade(pool, task, code, "hidden")
        if result.status != "infra_error" or attempt > retries:
            return result, attempt
        time.sleep(backoff_s * attempt)  # a restarting engine or a container start under load needs a moment
        attempt += 1
