"""The one reward rule on verdicts (no sandbox): what each verdict earns under each setting, and rollouts'
records earn the same as the graded verdicts they hold."""

from __future__ import annotations

import pytest

from batch.sample_records import SampleRecord
from rl.config import FormatTerm, RewardConfig
from rl.rewards import reward
from rl.rollouts import reward_of
from tasks.verdict import Verdict


def verdict(status: str, fraction: float, tests: int | None = 5, crashed: bool = False) -> Verdict:
    return Verdict.model_validate(
        {"status": status, "pass_fraction": fraction, "test_count": tests, "crashed": crashed}
    )


def record_of(graded: Verdict) -> SampleRecord:
    return SampleRecord.of("toy/square", 0, graded, code="def square(x): ...")


CASES = [
    (verdict("passed", 1.0), 1.0, 1.0),
    (verdict("failed", 0.6), 0.6, 0.0),
    # every recorded assert held, yet the run never reached the test code's end (an early exit)
    (verdict("failed", 1.0), 5 / 6, 0.0),
    (verdict("failed", 1.0, tests=None), 0.5, 0.0),
    (verdict("failed", 0.5, crashed=True), 0.0, 0.0),  # a case timed out after another failed
    (verdict("timeout", 0.8, crashed=True), 0.0, 0.0),
    (verdict("infra_error", 0.0, tests=0), None, None),
]


@pytest.mark.parametrize(("graded", "fraction_reward", "strict_reward"), CASES)
def test_each_verdict_earns_its_reward(
    graded: Verdict, fraction_reward: float | None, strict_reward: float | None
) -> None:
    assert reward(graded, "ok", RewardConfig()) == pytest.approx(fraction_reward)
    assert reward(graded, "ok", RewardConfig(mode="all_or_nothing")) == strict_reward


@pytest.mark.parametrize(("graded", "fraction_reward", "strict_reward"), CASES)
def test_a_rollout_record_earns_what_its_verdict_earns(
    graded: Verdict, fraction_reward: float | None, strict_reward: float | None
) -> None:
    record = SampleRecord.model_validate_json(record_of(graded).model_dump_json())  # through the file
    assert reward_of(record) == reward(graded, "ok", RewardConfig())
    assert reward_of(record, RewardConfig(mode="all_or_nothing")) == strict_reward


def test_a_full_fraction_without_a_pass_is_not_full_credit_in_rollouts() -> None:
    early_exit = record_of(verdict("failed", 1.0))
    assert early_exit.pass_fraction == 1.0 and not early_exit.passed
    value = reward_of(early_exit)
    assert value is not None and value < 1.0


def test_the_format_term_adds_to_the_outcome_and_stands_alone_without_code() -> None:
    term = FormatTerm(no_code_block=-0.2, unterminated_thinking=-0.3, well_formed=0.1)
    config = RewardConfig(format_term=term)
    assert reward(verdict("passed", 1.0), "ok", config) == pytest.approx(1.1)
    assert reward(None, "no_code_block", config) == -0.2
    assert reward(None, "unterminated_thinking", config) == -0.3
    assert reward(verdict("infra_error", 0.0), "ok", config) is None


def test_config_refuses_unknown_fields_and_wrong_signs() -> None:
    with pytest.raises(ValueError, match="extra"):
        RewardConfig.model_validate({"mode": "pass_fraction", "retries": 3})
    with pytest.raises(ValueError):
        FormatTerm(no_code_block=0.5)  # a penalty that rewards
    with pytest.raises(ValueError):
        RewardConfig(infra_backoff_s=5, infra_backoff_max_s=1)
    assert RewardConfig(infra_retry_s=30, infra_max_attempts=4).infra_retry.model_dump() == {
        "max_attempts": 4,
        "deadline_s": 30,
        "backoff_s": 1.0,
        "backoff_max_s": 10.0,
    }
