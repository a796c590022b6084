"""Reward hacking: every fake pass and every attack of the hostile list, as a model's completion, earns
no more than honest work would, and never the full reward."""

from __future__ import annotations

import pytest

from rl.config import RewardConfig
from rl.rewards import SandboxReward
from sandbox import SandboxPool
from tasks.spec import TaskSpec
from tests.support.hacks import CHEATS, HONEST
from tests.support.rl_samples import ENDS_THE_RUN, PARTIAL, RIDES_ALONG, as_completion, run_by_square

pytestmark = pytest.mark.docker

EXIT_AFTER_THE_LAST_ASSERT = (
    "import os\n\n"
    "class Nine(int):\n"
    "    def __del__(self):\n"
    "        os._exit(0)\n\n"
    "def square(x):\n"
    "    return Nine(9) if x == 3 else x * x\n"
)


@pytest.fixture(scope="module")
def partial_credit(pool: SandboxPool, square: TaskSpec) -> float:
    """What PARTIAL earns on its own: the most an attack riding along with it may earn."""
    [score] = SandboxReward(pool).score([square], [as_completion(PARTIAL)])
    assert score.reward is not None and 0.0 < score.reward < 1.0
    return score.reward


@pytest.mark.parametrize("name", [*CHEATS, "exit after the last assert"])
def test_a_fake_pass_earns_no_full_reward(pool: SandboxPool, square: TaskSpec, name: str) -> None:
    code = CHEATS.get(name, EXIT_AFTER_THE_LAST_ASSERT)
    [score] = SandboxReward(pool).score([square], [as_completion(code)])
    [strict] = SandboxReward(pool, RewardConfig(mode="all_or_nothing")).score([square], [as_completion(code)])
    assert score.status in {"failed", "error"}, score
    assert score.reward is not None and score.reward < 1.0
    assert score.reward <= score.pass_fraction  # credit only for asserts the harness saw hold
    assert strict.reward == 0.0


@pytest.mark.parametrize("name", list(ENDS_THE_RUN))
def test_an_attack_that_ends_the_run_earns_nothing(pool: SandboxPool, square: TaskSpec, name: str) -> None:
    # An honest square that runs the attack when called: the attack decides the outcome.
    [score] = SandboxReward(pool).score([square], [as_completion(run_by_square(ENDS_THE_RUN[name], HONEST))])
    # raised inside a call (no space left, the process killed), the harness counts the assert as failed
    assert score.status in {"timeout", "memory", "output_limit", "error", "failed"}, score
    assert score.reward == 0.0
    assert not score.infra_error  # the completion's doing, never the engine's


@pytest.mark.parametrize("name", list(RIDES_ALONG))
def test_a_quiet_attack_gains_nothing(
    pool: SandboxPool, square: TaskSpec, partial_credit: float, name: str
) -> None:
    [score] = SandboxReward(pool).score([square], [as_completion(run_by_square(RIDES_ALONG[name], PARTIAL))])
    assert score.reward is not None
    assert score.reward <= partial_credit < 1.0
    assert not score.infra_error


@pytest.mark.parametrize("name", ["infinite loop", "kill the executor, then itself", "a gigabyte of output"])
def test_an_attack_at_top_level_is_not_run_only_the_definitions_are_graded(
    pool: SandboxPool, square: TaskSpec, name: str
) -> None:
    # Top-level code is the answer's own test code and examples (tasks.definitions): never run when graded.
    [score] = SandboxReward(pool).score([square], [as_completion(ENDS_THE_RUN[name] + "\n" + HONEST)])
    assert (score.status, score.reward) == ("passed", 1.0)


def test_the_pool_grades_honestly_after_the_attacks(pool: SandboxPool, square: TaskSpec) -> None:
    [score] = SandboxReward(pool).score([square], [as_completion(HONEST)])
    assert (score.status, score.reward) == ("passed", 1.0)
