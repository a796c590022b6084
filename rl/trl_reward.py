"""The reward function TRL's GRPOTrainer calls: `reward(prompts, completions, **columns) -> list[float | None]`.

GRPOTrainer (TRL 1.16, `_calculate_rewards`) calls a custom reward function with keyword arguments only:
`prompts`, `completions` (strings, or `[{"role": "assistant", "content": ...}]` lists for conversational
datasets), `completion_ids`, every other dataset column as a list over the batch, `trainer_state`,
`log_extra`, `log_metric` (and `environments` with an environment factory). A `None` reward becomes NaN; a
completion whose every reward is NaN is unscorable: left out of the group baseline, advantage 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rl.completions import Completion
from rl.config import RewardConfig
from rl.dataset import VERIFICATION_COLUMN, task_from_verification
from rl.rewards import SandboxReward
from rl.stats import RewardStats
from sandbox import Sandbox


class TrlReward:
    """`GRPOTrainer(reward_funcs=TrlReward(pool), ...)`; the dataset needs a `verification_info` column.

    Infrastructure errors left after the retries are `None` (TRL: not scored), never 0.0 (a failure).
    """

    def __init__(
        self,
        pool: Sandbox,
        config: RewardConfig | None = None,
        *,
        column: str = VERIFICATION_COLUMN,
        name: str = "sandbox_reward",
        stats: RewardStats | None = None,
        answer_column: str | None = None,
    ) -> None:
        self.reward = SandboxReward(pool, config, stats)
        self.column = column
        self.answer_column = answer_column
        """A column of the answers to grade instead of the completions (a multi-turn episode's final reply:
        its completion holds every turn, feedback included)."""
        self.__name__ = name  # TRL names the reward's logged metrics after it

    @property
    def stats(self) -> RewardStats:
        return self.reward.stats

    def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Completion], **columns: Any
    ) -> list[float | None]:
        if self.column not in columns:
            raise KeyError(
                f"the reward reads the dataset column {self.column!r}, which this batch lacks "
                "(add it with rl.dataset.verification_info and keep remove_unused_columns=False)"
            )
        infos = columns[self.column]
        if self.answer_column is not None:
            completions = columns[self.answer_column]
        if not (len(prompts) == len(completions) == len(infos)):
            raise ValueError(
                f"{len(prompts)} prompts, {len(completions)} completions and {len(infos)} {self.column} values"
            )
        scores = self.reward.score([task_from_verification(info) for info in infos], completions)
        _log(columns.get("log_extra"), "sandbox_status", [score.status for score in scores])
        metrics = {
            "sandbox/pass_rate": sum(score.passed for score in scores) / max(len(scores), 1),
            "sandbox/infra_unscored": float(sum(score.infra_error for score in scores)),
            "sandbox/no_answer": float(sum(score.status == "no_answer" for score in scores)),
        }
        for metric, value in metrics.items():
            _log(columns.get("log_metric"), metric, value)
        return [score.reward for score in scores]


def _log(logger: Callable[[str, Any], None] | None, name: str, value: Any) -> None:
    # Older TRL releases pass neither logger: then there is nothing to log to.
    if callable(logger):
        logger(name, value)
