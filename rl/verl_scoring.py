"""The functions verl calls (through `rl/verl_reward.py`): one response, or a batch, graded in the sandbox.

They live in this importable module so that pickling them (Ray, a process pool) stores a reference, never the
function's globals: verl loads `custom_reward_function.path` by file path without registering the module, so
functions defined in that file would be pickled by value, lock and pool included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rl.config import RewardConfig
from rl.dataset import task_from_verification
from rl.process_pool import reward_stats, shared_pool
from rl.rewards import SandboxReward, Score

VERL_OWN_KEYWORDS: frozenset[str] = frozenset({"reward_router_address", "reward_model_tokenizer"})
"""Keywords verl's reward loop adds for reward functions that query a reward model: accepted and ignored."""


class VerlResult(dict[str, Any]):
    """verl's result dict. PRIME's manager reads `float(result[0])` from any result that is not a number
    (PRIME's own functions return `(score, ...)`): `result[0]` is the score, so it scores rather than zeros."""

    def __missing__(self, key: object) -> Any:
        if key == 0:
            return self["score"]
        raise KeyError(key)


def verl_result(score: Score) -> VerlResult:
    """The dict verl stores: `score` is the reward, the other keys land in `reward_extra_info`.

    Every result has the same keys (verl appends them column-wise); `acc` (1.0 only for a pass) is what verl's
    validation headline and DAPO's `filter_groups.metric=acc` read. An infra error scores 0.0 with
    `infra_error: True`, since verl has no "unscored".
    """
    return VerlResult(
        score=0.0 if score.reward is None else score.reward,
        acc=1.0 if score.passed else 0.0,
        status=score.status,
        pass_fraction=score.pass_fraction,
        passed=score.passed,
        infra_error=score.infra_error,
        answer_format=score.answer_format,
    )


def _plain(value: Any) -> Any:
    # verl passes reward_kwargs from OmegaConf: nested mappings may be DictConfigs.
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def reward_config(reward_kwargs: Mapping[str, Any]) -> RewardConfig:
    """`custom_reward_function.reward_kwargs` as a RewardConfig; verl's own keywords dropped, others refused."""
    kwargs = {key: value for key, value in reward_kwargs.items() if key not in VERL_OWN_KEYWORDS}
    unknown = sorted(set(kwargs) - set(RewardConfig.model_fields))
    if unknown:
        raise ValueError(
            f"unknown reward keyword(s) {', '.join(map(repr, unknown))} in custom_reward_function.reward_kwargs: "
            f"expected {', '.join(RewardConfig.model_fields)}"
        )
    return RewardConfig.model_validate(_plain(kwargs))


def _name(data_source: Any) -> str | None:
    return str(data_source) if data_source else None


def _reward(reward_kwargs: Mapping[str, Any]) -> SandboxReward:
    config = reward_config(reward_kwargs)
    return SandboxReward(shared_pool(config), config, reward_stats())


def compute_score(
    data_source: str | None,
    solution_str: str,
    ground_truth: str | Mapping[str, Any] | Sequence[Any],
    extra_info: Mapping[str, Any] | None = None,
    **reward_kwargs: Any,
) -> VerlResult:
    """One response's reward. `ground_truth` is sandloop's verification info or a foreign ground truth
    (`rl.foreign`); `data_source` only names a foreign task, `extra_info` is not needed."""
    task = task_from_verification(ground_truth, _name(data_source))
    [score] = _reward(reward_kwargs).score([task], [solution_str])
    return verl_result(score)


def compute_score_batch(
    data_sources: Sequence[str | None],
    solution_strs: Sequence[str],
    ground_truths: Sequence[str | Mapping[str, Any] | Sequence[Any]],
    extra_infos: Sequence[Mapping[str, Any] | None] | None = None,
    **reward_kwargs: Any,
) -> list[VerlResult]:
    """A batch's rewards through the pool at once (verl's `BatchRewardManager`)."""
    sources = list(data_sources) if data_sources is not None else [None] * len(ground_truths)
    tasks = [
        task_from_verification(truth, _name(source))
        for truth, source in zip(ground_truths, sources, strict=True)
    ]
    return [verl_result(score) for score in _reward(reward_kwargs).score(tasks, list(solution_strs))]
