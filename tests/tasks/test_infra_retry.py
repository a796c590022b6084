"""The one infrastructure-error retry policy: bounded by attempts or a deadline, waits doubling between
rounds, attempts reported per job. The engine-side failures are real: a pool whose image does not exist."""

from __future__ import annotations

import pytest

from sandbox import RunJob, SandboxPool
from tasks.grading import grade
from tasks.infra_retry import InfraRetry, run_with_retries
from tests.support.hacks import HONEST
from tests.support.rl_samples import square_task


def test_retries_need_a_bound_and_ordered_waits() -> None:
    with pytest.raises(ValueError, match="bound"):
        InfraRetry(max_attempts=None, deadline_s=None)
    with pytest.raises(ValueError, match="backoff_max_s"):
        InfraRetry(backoff_s=5, backoff_max_s=1)
    assert InfraRetry().max_attempts == 3  # `sandloop run`: the first try and two retries


@pytest.mark.docker
def test_infra_errors_are_retried_up_to_the_attempts_with_doubling_waits(broken_pool: SandboxPool) -> None:
    waits: list[float] = []
    rounds: list[tuple[int, int]] = []
    policy = InfraRetry(max_attempts=4, backoff_s=1.0, backoff_max_s=3.0)
    jobs = [RunJob(source="print(1)"), RunJob(source="print(2)")]
    graded = run_with_retries(broken_pool, jobs, policy, lambda *r: rounds.append(r), waits.append)
    assert [(result.status, attempts) for result, attempts in graded] == [("infra_error", 4)] * 2
    assert waits == [1.0, 2.0, 3.0]
    assert rounds == [(2, 0)] * 3


@pytest.mark.docker
def test_a_zero_deadline_means_no_retry(broken_pool: SandboxPool) -> None:
    waits: list[float] = []
    [(result, attempts)] = run_with_retries(
        broken_pool,
        [RunJob(source="print(1)")],
        InfraRetry(max_attempts=None, deadline_s=0),
        wait=waits.append,
    )
    assert (result.status, attempts, waits) == ("infra_error", 1, [])


@pytest.mark.docker
def test_the_grading_function_reports_its_attempts(pool: SandboxPool, broken_pool: SandboxPool) -> None:
    fast = InfraRetry(backoff_s=0, backoff_max_s=0)
    broken = grade(broken_pool, square_task(), HONEST, retry=fast)
    assert (broken.status, broken.attempts) == ("infra_error", 3)
    fine = grade(pool, square_task(), HONEST, retry=fast)
    assert (fine.status, fine.attempts, fine.test_count, fine.crashed) == ("passed", 1, 5, False)
