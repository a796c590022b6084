"""OpenRLHF's remote reward protocol: `{"query", "prompts", "labels"}` in, `{"rewards", "scores", "extra_logs"}` out.

OpenRLHF posts the decoded prompt+response of each sample (`query`), its prompt and its label (here sandloop's
`verification_info` JSON). The prompt is cut off the query before the answer is read, so code shown in the
prompt is never graded. Rewards come from `rl.rewards.SandboxReward`, the one reward function; a sample the
sandbox could not grade fails the whole request with 503 (OpenRLHF retries), never a made-up number.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, ConfigDict, Field

from agent.reasoning import THINK_OPEN
from rl.dataset import task_from_verification
from rl.rewards import SandboxReward, Score
from serve.run_code import SandboxUnavailable, bad_request
from tasks.errors import TaskError
from tasks.spec import TaskSpec


class RewardRequest(BaseModel):
    """What OpenRLHF's remote reward client posts."""

    model_config = ConfigDict(extra="ignore")

    query: list[str]
    """Prompt and response of each sample, decoded with special tokens."""
    prompts: list[str]
    """The prompt of each sample."""
    labels: list[str]
    """Each sample's `--label_key` column: sandloop's `verification_info` JSON."""


class RewardResponse(BaseModel):
    """What OpenRLHF reads back (numbers only)."""

    model_config = ConfigDict(extra="forbid")

    rewards: list[float]
    """The reward of each sample (advantages are computed from these)."""
    scores: list[float]
    """The same rewards, in [0, 1], for OpenRLHF's dynamic filtering."""
    extra_logs: dict[str, list[float]] = Field(default_factory=dict)
    """Per-sample figures for the trainer's logs: `passed`, `pass_fraction`, `no_answer`, `well_formed`."""


def response_of(query: str, prompt: str, index: int) -> str:
    """The sample's response: what follows its prompt in the query."""
    start = query.find(prompt)
    if start < 0:
        raise bad_request(f"query[{index}]: does not contain prompts[{index}]")
    response = query[start + len(prompt) :]
    # A template that opens the thinking leaves `<think>` in the prompt: put it back, so that a response cut
    # inside its thinking is read as having no answer rather than as all answer.
    return THINK_OPEN + response if prompt.rstrip().endswith(THINK_OPEN) else response


def _tasks(labels: list[str]) -> list[TaskSpec]:
    tasks = []
    for index, label in enumerate(labels):
        try:
            tasks.append(task_from_verification(label))
        except TaskError as error:
            raise bad_request(f"labels[{index}]: {error}") from None
    return tasks


def _flag(value: bool) -> float:
    return 1.0 if value else 0.0


async def rewards(request: RewardRequest, reward: SandboxReward) -> RewardResponse:
    count = len(request.query)
    if len(request.prompts) != count or len(request.labels) != count:
        raise bad_request(
            f"query, prompts and labels must be as long: {count}, {len(request.prompts)}, {len(request.labels)}"
        )
    tasks = _tasks(request.labels)
    responses = [
        response_of(q, p, i) for i, (q, p) in enumerate(zip(request.query, request.prompts, strict=True))
    ]
    scores: list[Score] = await asyncio.to_thread(reward.score, tasks, responses)
    values = [score.reward for score in scores]
    if any(value is None for value in values):
        failed = next(s for s in scores if s.reward is None)
        raise SandboxUnavailable(f"the sandbox could not grade every sample: {failed.message}")
    numbers = [float(value) for value in values if value is not None]
    return RewardResponse(
        rewards=numbers,
        scores=[min(1.0, max(0.0, value)) for value in numbers],
        extra_logs={
            "passed": [_flag(score.passed) for score in scores],
            "pass_fraction": [score.pass_fraction for score in scores],
            "no_answer": [_flag(score.status == "no_answer") for score in scores],
            "well_formed": [_flag(score.answer_format == "ok") for score in scores],
        },
    )
