"""Rewards from real sandbox runs: honest, wrong, partial, slow, crashing, malformed, and unscorable."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import docker
import pytest

from rl.config import FormatTerm, RewardConfig
from rl.dataset import trl_row
from rl.rewards import SandboxReward
from rl.trl_reward import TrlReward
from sandbox import PoolConfig, SandboxPool
from sandbox.image.recipe import image_tag
from tasks import load_suite
from tasks.spec import TaskSpec
from tests.support.hacks import HONEST
from tests.support.rl_samples import (
    CONTEST_DATA,
    CRASH,
    PARTIAL,
    SLOW,
    TESTS,
    WRONG,
    as_completion,
    as_messages,
    square_task,
)

pytestmark = pytest.mark.docker

NO_CODE = "<think>\nEasy.\n</think>\n\nReturn x times x."
CUT = "<think>\nLet me think about squaring for a long"


def test_honest_wrong_partial(pool: SandboxPool, square: TaskSpec) -> None:
    reward = SandboxReward(pool)
    honest, wrong, partial = reward.score([square] * 3, [as_completion(c) for c in (HONEST, WRONG, PARTIAL)])
    assert (honest.reward, honest.status) == (1.0, "passed")
    assert wrong.status == partial.status == "failed"
    assert wrong.reward == wrong.pass_fraction == 1 / 5  # right for square(2) only
    assert partial.reward == partial.pass_fraction == 4 / 5  # wrong for negatives only
    assert 0.0 < wrong.pass_fraction < partial.pass_fraction < 1.0


def test_all_or_nothing(pool: SandboxPool, square: TaskSpec) -> None:
    reward = SandboxReward(pool, RewardConfig(mode="all_or_nothing"))
    honest, partial = reward.score([square] * 2, [as_completion(HONEST), as_completion(PARTIAL)])
    assert honest.reward == 1.0
    assert partial.reward == 0.0
    assert partial.pass_fraction > 0.0  # the fraction is still reported


def test_timeouts_and_crashes_score_zero(pool: SandboxPool) -> None:
    task = square_task(time_limit_s=1.0)
    slow, crash = SandboxReward(pool).score([task] * 2, [as_completion(SLOW), as_completion(CRASH)])
    assert (slow.status, slow.reward) == ("timeout", 0.0)
    assert (crash.status, crash.reward) == ("error", 0.0)
    assert not slow.infra_error and not crash.infra_error


def test_a_stdio_timeout_scores_zero_though_other_cases_passed(pool: SandboxPool) -> None:
    task = next(t for t in load_suite(f"stdio:{CONTEST_DATA}") if t.id == "4400")  # A + B, three cases
    hang_on = task.hidden_tests.cases[1].output.strip()
    hangs = f"a, b = map(int, input().split())\nif str(a + b) == {hang_on!r}:\n    while True:\n        pass\nprint(a + b)\n"
    wrong_on = "a, b = map(int, input().split())\nprint(a + b if a > 0 else 0)\n"
    hanging, partial = SandboxReward(pool).score([task] * 2, [as_completion(hangs), as_completion(wrong_on)])
    assert hanging.pass_fraction > 0.0  # the other cases passed
    assert (hanging.status, hanging.reward) == ("timeout", 0.0)
    assert partial.status == "failed"
    assert partial.reward is not None
    assert 0.0 < partial.reward == partial.pass_fraction < 1.0


def test_only_a_pass_earns_one(pool: SandboxPool) -> None:
    # Every assert holds, then the candidate ends the process before the test code's end.
    task = square_task(tests=TESTS + "    candidate(0)\n")
    exits = "import os\n\ndef square(x):\n    if x == 0:\n        os._exit(0)\n    return x * x\n"
    [score] = SandboxReward(pool).score([task], [as_completion(exits)])
    assert score.status == "failed"
    assert score.pass_fraction == 1.0
    assert score.reward is not None and 0.0 < score.reward < 1.0


def test_no_answer_scores_zero_without_a_run(pool: SandboxPool, square: TaskSpec) -> None:
    reward = SandboxReward(pool)
    scores = reward.score([square] * 3, [NO_CODE, CUT, as_messages(HONEST)])
    assert [(s.status, s.answer_format, s.reward) for s in scores] == [
        ("no_answer", "no_code_block", 0.0),
        ("no_answer", "unterminated_thinking", 0.0),
        ("passed", "ok", 1.0),
    ]
    assert reward.stats.snapshot().by_status == {"no_answer": 2, "passed": 1}


def test_format_term(pool: SandboxPool, square: TaskSpec) -> None:
    term = FormatTerm(no_code_block=-0.5, unterminated_thinking=-1.0, well_formed=0.1)
    reward = SandboxReward(pool, RewardConfig(format_term=term))
    honest, partial, no_code, cut = reward.score(
        [square] * 4, [as_completion(HONEST), as_completion(PARTIAL), NO_CODE, CUT]
    )
    assert honest.reward == pytest.approx(1.0 + term.well_formed)
    assert partial.reward == pytest.approx(partial.pass_fraction + term.well_formed)
    assert no_code.reward == term.no_code_block
    assert cut.reward == term.unterminated_thinking


def test_infra_errors_are_unscored_not_failures(missing_image_pool: SandboxPool, square: TaskSpec) -> None:
    config = RewardConfig(infra_max_attempts=3, infra_retry_s=600)
    reward = SandboxReward(missing_image_pool, config, wait=lambda seconds: None)
    honest, wrong, no_code = reward.score(
        [square] * 3, [as_completion(HONEST), as_completion(WRONG), NO_CODE]
    )
    for score in (honest, wrong):
        assert score.reward is None
        assert score.infra_error
        assert score.status == "infra_error"
        assert "missing" in (score.message or "")
    assert no_code.reward == 0.0  # nothing to run: the engine's state does not matter
    stats = reward.stats.snapshot()
    assert stats.infra_unscored == 2
    assert stats.infra_retries == 4  # both retried twice: three attempts each
    assert stats.infra_recovered == 0


def test_a_pool_gone_mid_training_leaves_the_step_unscored_not_crashed(
    docker_client: docker.DockerClient, square: TaskSpec
) -> None:
    # What a trainer sees after the engine died: the pool raises a SandboxError on every run (EngineLost; here
    # a real pool closed under it, the same error family) and the reward must answer None, never raise.
    pool = SandboxPool(PoolConfig(size=1), client=docker_client)
    pool.close()
    reward = TrlReward(pool, RewardConfig(infra_retry_s=0))  # no retry rounds: the answer is the same, sooner
    rows = [trl_row(square, square.prompt)] * 2
    rewards = reward(
        [row["prompt"] for row in rows],
        [as_completion(HONEST), NO_CODE],
        verification_info=[row["verification_info"] for row in rows],
    )
    assert rewards == [None, 0.0]  # unscored; a completion without code needs no sandbox
    assert reward.stats.snapshot().infra_unscored == 1


def test_no_retry_without_a_retry_budget(missing_image_pool: SandboxPool, square: TaskSpec) -> None:
    reward = SandboxReward(missing_image_pool, RewardConfig(infra_retry_s=0))
    [score] = reward.score([square], [as_completion(HONEST)])
    assert score.reward is None
    assert reward.stats.snapshot().infra_retries == 0


@pytest.fixture
def late_image(docker_client: docker.DockerClient) -> Iterator[str]:
    """A tag for the sandbox image that does not exist yet; removed afterwards."""
    name = f"sandloop-rl-late:{uuid.uuid4().hex[:8]}"
    yield name
    with contextlib.suppress(docker.errors.ImageNotFound):
        docker_client.images.remove(name)


def test_an_infra_error_cleared_by_a_retry_is_scored(
    docker_client: docker.DockerClient, late_image: str, square: TaskSpec
) -> None:
    pool = SandboxPool(PoolConfig(size=1, image=late_image), client=docker_client)
    repository, tag = late_image.split(":")
    waits: list[float] = []

    def the_image_appears(seconds: float) -> None:  # while the batch below waits for its first retry
        waits.append(seconds)
        docker_client.images.get(image_tag()).tag(repository, tag)

    reward = SandboxReward(pool, RewardConfig(infra_retry_s=60), wait=the_image_appears)
    try:
        [before] = SandboxReward(pool, RewardConfig(infra_retry_s=0)).score([square], [as_completion(HONEST)])
        assert before.infra_error  # the image is not there yet
        [after] = reward.score([square], [as_completion(HONEST)])
    finally:
        pool.close()
    assert (after.status, after.reward) == ("passed", 1.0)
    stats = reward.stats.snapshot()
    assert (stats.infra_recovered, stats.infra_unscored) == (1, 0)
    assert waits == [1.0]  # one round of waiting: the first backoff
