"""The one infrastructure-error retry policy: sandbox `infra_error`s are the engine's fault, not the
answer's, so jobs that got one run again, in rounds, until they clear or the policy's bounds are reached."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sandbox import Job, JobResult, Sandbox

RoundHook = Callable[[int, int], None]
"""Called after each retry round with (jobs retried, jobs recovered)."""


class InfraRetry(BaseModel):
    """How often and how long infrastructure errors are retried; the defaults are `sandloop run`'s."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    max_attempts: int | None = Field(3, ge=1)
    """Most runs of one job, the first included; None: no limit but the deadline."""
    deadline_s: float | None = Field(None, ge=0)
    """How long after the first round retries may start (a round already running finishes); None: no deadline."""
    backoff_s: float = Field(1.0, ge=0)
    """First wait before a retry round; doubled after each round."""
    backoff_max_s: float = Field(10.0, ge=0)
    """Longest wait between two rounds."""

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.max_attempts is None and self.deadline_s is None:
            raise ValueError("give max_attempts or deadline_s: retries need a bound")
        if self.backoff_max_s < self.backoff_s:
            raise ValueError("backoff_max_s must be at least backoff_s")
        return self


def _failed(results: Sequence[JobResult], among: Sequence[int]) -> list[int]:
    return [index for index in among if results[index].status == "infra_error"]


def run_with_retries(
    pool: Sandbox,
    jobs: Sequence[Job],
    policy: InfraRetry,
    on_round: RoundHook | None = None,
    wait: Callable[[float], None] = time.sleep,
) -> list[tuple[JobResult, int]]:
    """(result, attempts) per job, in job order; all jobs of a round go through `run_many` together.

    `infra_error` remains only where the retries allowed by `policy` did not clear it. The deadline starts
    once the first round is done (a big batch must not eat its own retry time). `wait` sleeps between rounds.
    """
    results = pool.run_many(jobs)
    attempts = [1] * len(jobs)
    pending = _failed(results, range(len(results)))
    deadline = None if policy.deadline_s is None else time.monotonic() + policy.deadline_s
    delay = policy.backoff_s
    rounds = 1
    while pending and (policy.max_attempts is None or rounds < policy.max_attempts):
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            break
        wait(delay if remaining is None else min(delay, remaining))
        delay = min(2 * delay, policy.backoff_max_s)
        rounds += 1
        for index, result in zip(pending, pool.run_many([jobs[i] for i in pending]), strict=True):
            results[index] = result
            attempts[index] = rounds
        still = _failed(results, pending)
        if on_round is not None:
            on_round(len(pending), len(pending) - len(still))
        pending = still
    return list(zip(results, attempts, strict=True))
