"""Rewards over the sandbox: a batch of (task, completion) pairs graded through the pool at once.

Outcome: `passed` earns 1.0; `failed` earns its pass fraction (or 0.0 all-or-nothing); timeouts and crashes
(`error`, `memory`, `output_limit`) earn 0.0 whatever ran before them. A completion with no code earns 0.0
without a sandbox run. Infrastructure errors left after the retries get no reward (None): they say nothing
about the completion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from rl.completions import Answer, AnswerFormat, Completion, extract_answer
from rl.config import FormatTerm, RewardConfig, RewardMode
from rl.infra import run_with_retries
from rl.stats import RewardStats
from sandbox import JobResult, SandboxPool, Status
from tasks.grading import job_for
from tasks.spec import TaskSpec

CRASHES: frozenset[str] = frozenset({"timeout", "error", "memory", "output_limit"})


class Score(BaseModel):
    """The reward of one completion and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reward: float | None
    """Outcome plus format term; None when the sandbox could not grade it (infrastructure error)."""
    status: Status | Literal["no_answer"]
    """The sandbox's verdict, or `no_answer` when the completion had no code to run."""
    pass_fraction: float
    """Passed tests over all tests, as the sandbox recorded them (0.0 without a run)."""
    answer_format: AnswerFormat
    infra_error: bool
    message: str | None = None


def outcome(result: JobResult, mode: RewardMode) -> float:
    """The sandbox's part of the reward, in [0, 1]; exactly 1.0 only for status `passed`."""
    if result.status in CRASHES or any(verdict.status in CRASHES for verdict in result.tests):
        return 0.0
    if result.status == "passed":
        return 1.0
    if mode == "all_or_nothing":
        return 0.0
    fraction = result.pass_fraction
    if fraction >= 1.0:
        # Every recorded test held yet the run did not pass (it stopped before the test code's end): the
        # unfinished rest counts as one more failing test, so that only a real pass earns 1.0.
        tests = len(result.tests)
        fraction = tests / (tests + 1)
    return fraction


def format_adjustment(answer: Answer, term: FormatTerm | None) -> float:
    if term is None:
        return 0.0
    if answer.format == "unterminated_thinking":
        return term.unterminated_thinking
    if answer.format == "no_code_block":
        return term.no_code_block
    return term.well_formed


class SandboxReward:
    """Grades completions on their tasks' hidden tests through one pool; thread-safe like the pool."""

    def __init__(
        self, pool: SandboxPool, config: RewardConfig | None = None, stats: RewardStats | None = None
    ) -> None:
        self.pool = pool
        self.config = config or RewardConfig()
        self.stats = stats or RewardStats()

    def answer(self, completion: Completion, entry_point: str | None = None) -> Answer:
        return extract_answer(
            completion, opened_by_template=self.config.opened_by_template, entry_point=entry_point
        )

    def score(self, tasks: Sequence[TaskSpec], completions: Sequence[Completion]) -> list[Score]:
        """One Score per completion, in order; all runs of the batch go through `run_many` together."""
        if len(tasks) != len(completions):
            raise ValueError(
                f"{len(completions)} completions for {len(tasks)} tasks: one task per completion"
            )
        answers = [self.answer(c, t.entry_point) for t, c in zip(tasks, completions, strict=True)]
        graded = [index for index, answer in enumerate(answers) if answer.code is not None]
        jobs = [job_for(tasks[i], answers[i].code or "") for i in graded]
        results = dict(zip(graded, run_with_retries(self.pool, jobs, self.config, self.stats), strict=True))
        scores = [self._score(answer, results.get(index)) for index, answer in enumerate(answers)]
        self.stats.count_statuses([score.status for score in scores])
        return scores

    def _score(self, answer: Answer, result: JobResult | None) -> Score:
        adjustment = format_adjustment(answer, self.config.format_term)
        if result is None:
            return Score(
                reward=adjustment,
                status="no_answer",
                pass_fraction=0.0,
                answer_format=answer.format,
                infra_error=False,
            )
        infra = result.status == "infra_error"
        return Score(
            reward=None if infra else outcome(result, self.config.mode) + adjustment,
            status=result.status,
            pass_fraction=result.pass_fraction,
            answer_format=answer.format,
            infra_error=infra,
            message=result.message,
        )
