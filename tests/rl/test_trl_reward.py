"""The TRL adapter, called the way GRPOTrainer calls reward functions (TRL 1.16 `_calculate_rewards`)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from types import MethodType
from typing import Any

import pytest

from rl.dataset import VERIFICATION_COLUMN, trl_row
from rl.trl_reward import TrlReward
from sandbox import SandboxPool
from tasks.spec import TaskSpec
from tests.support.hacks import HONEST
from tests.support.rl_samples import PARTIAL, WRONG, as_completion, as_messages

trl = pytest.importorskip("trl")
torch = pytest.importorskip("torch")

pytestmark = pytest.mark.docker

GENERATIONS = 3


def grpo_inputs(task: TaskSpec, prompt: Any) -> list[dict[str, Any]]:
    """A generation batch as GRPOTrainer holds it: each dataset row repeated once per generation."""
    row = {**trl_row(task, prompt), "difficulty": "easy"}  # an extra column the reward does not read
    return [dict(row) for _ in range(GENERATIONS)]


def trainer_kwargs(inputs: list[dict[str, Any]]) -> dict[str, Any]:
    """Every column but prompt/completion as a list over the batch, as `_calculate_rewards` builds them."""
    from transformers import TrainerState

    keys = [key for key in inputs[0] if key not in ("prompt", "completion", "completion_ids")]
    return {key: [example[key] for example in inputs] for key in keys} | {"trainer_state": TrainerState()}


class Logs:
    def __init__(self) -> None:
        self.extra: dict[str, list[Any]] = defaultdict(list)
        self.metrics: dict[str, list[float]] = defaultdict(list)

    def log_extra(self, column: str, values: list[Any]) -> None:
        self.extra[column].extend(values)

    def log_metric(self, name: str, value: float) -> None:
        self.metrics[name].append(value)


def test_it_is_a_named_sync_reward(pool: SandboxPool) -> None:
    from trl.trainer.utils import get_callable_name, is_async_callable

    reward = TrlReward(pool)
    assert get_callable_name(reward) == "sandbox_reward"
    assert get_callable_name(TrlReward(pool, name="code_tests")) == "code_tests"
    assert not is_async_callable(reward)


def test_string_completions(pool: SandboxPool, square: TaskSpec) -> None:
    inputs = grpo_inputs(square, "Write square(x).")
    completions = [as_completion(code) for code in (HONEST, PARTIAL, WRONG)]
    logs = Logs()
    rewards = TrlReward(pool)(
        prompts=[example["prompt"] for example in inputs],
        completions=completions,
        completion_ids=[[101, 102, 103]] * GENERATIONS,
        log_extra=logs.log_extra,
        log_metric=logs.log_metric,
        **trainer_kwargs(inputs),
    )
    assert rewards[0] == 1.0
    assert rewards[2] is not None and rewards[1] is not None
    assert 0.0 < rewards[2] < rewards[1] < 1.0
    assert logs.extra["sandbox_status"] == ["passed", "failed", "failed"]
    assert logs.metrics["sandbox/pass_rate"] == [1 / 3]
    assert logs.metrics["sandbox/infra_unscored"] == [0.0]


def test_conversational_completions(pool: SandboxPool, square: TaskSpec) -> None:
    prompt = [{"role": "user", "content": "Write square(x)."}]
    inputs = grpo_inputs(square, prompt)
    completions = [as_messages(HONEST), as_messages(PARTIAL), [{"role": "assistant", "content": "no code"}]]
    rewards = TrlReward(pool)(
        prompts=[example["prompt"] for example in inputs], completions=completions, **trainer_kwargs(inputs)
    )
    assert rewards[0] == 1.0
    assert rewards[1] is not None and 0.0 < rewards[1] < 1.0
    assert rewards[2] == 0.0


def test_infra_errors_are_none(missing_image_pool: SandboxPool, square: TaskSpec) -> None:
    from rl.config import RewardConfig

    inputs = grpo_inputs(square, "Write square(x).")
    reward = TrlReward(missing_image_pool, RewardConfig(infra_max_attempts=2, infra_backoff_s=0.1))
    logs = Logs()
    rewards = reward(
        prompts=[example["prompt"] for example in inputs],
        completions=[as_completion(HONEST), as_completion(WRONG), "no code at all"],
        log_metric=logs.log_metric,
        **trainer_kwargs(inputs),
    )
    assert rewards == [None, None, 0.0]
    assert logs.metrics["sandbox/infra_unscored"] == [2.0]
    assert reward.stats.snapshot().infra_unscored == 2


def test_a_batch_without_the_column_is_refused(pool: SandboxPool) -> None:
    with pytest.raises(KeyError, match=VERIFICATION_COLUMN):
        TrlReward(pool)(prompts=["p"], completions=[as_completion(HONEST)], difficulty=["easy"])


class _TrainerStandIn:
    """The attributes TRL's own `GRPOTrainer._calculate_rewards` reads, around one reward function."""

    def __init__(self, reward: Callable[..., list[float | None]]) -> None:
        from accelerate import Accelerator
        from transformers import TrainerState
        from trl.trainer.utils import get_callable_name

        self.accelerator = Accelerator(cpu=True)
        self.args = type("Args", (), {"report_to": []})()
        self.state = TrainerState()
        self.reward_funcs = [reward]
        self.reward_processing_classes = [None]
        self.reward_func_names = [get_callable_name(reward)]
        self.environments = None
        self._pending_extra_logs: dict[str, list[Any]] = defaultdict(list)
        self._pending_metrics: dict[str, list[float]] = defaultdict(list)
        self._log_completion_extra = MethodType(trl.GRPOTrainer._log_completion_extra, self)
        self._log_metric = MethodType(trl.GRPOTrainer._log_metric, self)


def test_trls_own_reward_step_takes_the_rewards(
    pool: SandboxPool, missing_image_pool: SandboxPool, square: TaskSpec
) -> None:
    from rl.config import RewardConfig

    inputs = grpo_inputs(square, [{"role": "user", "content": "Write square(x)."}])
    prompts = [example["prompt"] for example in inputs]
    completions = [as_messages(HONEST), as_messages(PARTIAL), as_messages(WRONG)]
    host = _TrainerStandIn(TrlReward(pool))
    rewards = trl.GRPOTrainer._calculate_rewards(host, inputs, prompts, completions, [[1]] * GENERATIONS)
    assert rewards.shape == (GENERATIONS, 1)
    assert rewards[0, 0].item() == 1.0
    assert 0.0 < rewards[2, 0].item() < rewards[1, 0].item() < 1.0
    assert host._pending_extra_logs["sandbox_status"] == ["passed", "failed", "failed"]

    unscorable = TrlReward(missing_image_pool, RewardConfig(infra_retry_s=0))
    host = _TrainerStandIn(unscorable)
    rewards = trl.GRPOTrainer._calculate_rewards(host, inputs, prompts, completions, [[1]] * GENERATIONS)
    assert all(math.isnan(value) for value in rewards[:, 0].tolist())
    # What GRPOTrainer does next: rows whose every reward is NaN are unscorable (advantage 0).
    assert torch.isnan(rewards).all(dim=1).tolist() == [True] * GENERATIONS
