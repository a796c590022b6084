"""Sandbox infrastructure errors are the engine's fault, not the completion's: retry them, within a deadline."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rl.config import RewardConfig
from rl.stats import RewardStats
from sandbox import Job, JobResult, SandboxPool


def _unfinished(results: Sequence[JobResult], among: Sequence[int]) -> list[int]:
    return [index for index in among if results[index].status == "infra_error"]


def run_with_retries(
    pool: SandboxPool, jobs: Sequence[Job], config: RewardConfig, stats: RewardStats
) -> list[JobResult]:
    """Results in job order; `infra_error` remains only where retries up to the deadline did not clear it.

    The deadline starts once the first pass is done (a big batch must not eat its own retry time); a round
    already running when it passes finishes.
    """
    results = pool.run_many(jobs)
    pending = _unfinished(results, range(len(results)))
    deadline = time.monotonic() + config.infra_retry_s
    delay = config.infra_backoff_s
    while pending and (remaining := deadline - time.monotonic()) > 0:
        time.sleep(min(delay, remaining))
        delay = min(2 * delay, config.infra_backoff_max_s)
        for index, result in zip(pending, pool.run_many([jobs[i] for i in pending]), strict=True):
            results[index] = result
        still = _unfinished(results, pending)
        stats.count_retry_round(retried=len(pending), recovered=len(pending) - len(still))
        pending = still
    return results
