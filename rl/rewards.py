"""The one reward function: a verdict (tasks/verdict.py) and the reward settings to a value, and the batch
scorer that grades completions through the one grading path (tasks/grading.py) and rewards them.

Outcome: `passed` earns 1.0; `failed` earns its pass fraction (or 0.0 all-or-nothing); timeouts and crashes
(`error`, `memory`, `output_limit`) earn 0.0 whatever ran before them. A completion with no code earns 0.0
without a sandbox run. Infrastructure errors left after the retries get no reward (None): they say nothing
about the completion.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from rl.completions import Answer, AnswerFormat, Completion, extract_answer
from rl.config import FormatTerm, RewardConfig, RewardMode
from rl.stats import RewardStats
from sandbox import Sandbox, Status
from sandbox.errors import SandboxError
from tasks.grading import grade_many
from tasks.spec import TaskSpec
from tasks.verdict import Verdict


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

    @property
    def passed(self) -> bool:
        """Every hidden test passed: what pass@1 and a task's pass rate count."""
        return self.status == "passed"


def outcome(verdict: Verdict, mode: RewardMode) -> float:
    """The sandbox's part of the reward, in [0, 1]; exactly 1.0 only for status `passed`."""
    if verdict.crashed:
        return 0.0
    if verdict.passed:
        return 1.0
    if mode == "all_or_nothing":
        return 0.0
    fraction = verdict.pass_fraction
    if fraction >= 1.0:
        # Every recorded test held yet the run did not pass (it stopped before the test code's end): the
        # unfinished rest counts as one more failing test, so that only a real pass earns 1.0. A record
        # written before test counts were kept counts as one test.
        tests = verdict.test_count or 1
        fraction = tests / (tests + 1)
    return fraction


def format_adjustment(answer_format: AnswerFormat, term: FormatTerm | None) -> float:
    if term is None:
        return 0.0
    if answer_format == "unterminated_thinking":
        return term.unterminated_thinking
    if answer_format == "no_code_block":
        return term.no_code_block
    return term.well_formed


def reward(verdict: Verdict | None, answer_format: AnswerFormat, config: RewardConfig) -> float | None:
    """The reward of one answer: outcome plus format term; None (unscored) for an infrastructure error.

    `verdict` None: the completion had no code to grade (format term alone)."""
    adjustment = format_adjustment(answer_format, config.format_term)
    if verdict is None:
        return adjustment
    if verdict.status == "infra_error":
        return None
    return outcome(verdict, config.mode) + adjustment


class SandboxReward:
    """Grades completions on their tasks' hidden tests through one pool; thread-safe like the pool."""

    def __init__(
        self,
        pool: Sandbox,
        config: RewardConfig | None = None,
        stats: RewardStats | None = None,
        *,
        wait: Callable[[float], None] = time.sleep,
    ) -> None:
        self.pool = pool
        self.config = config or RewardConfig()
        self.stats = stats or RewardStats()
        self.wait = wait
        """How to wait between infrastructure retry rounds."""

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
        try:
            verdicts = grade_many(
                self.pool,
                [(tasks[i], answers[i].code or "") for i in graded],
                "hidden",
                self.config.infra_retry,
                on_round=self.stats.count_retry_round,
                wait=self.wait,
            )
        except SandboxError as error:
            # The engine went away (or the pool closed) mid-training: these completions are unscored (None),
            # and the trainer's step goes on rather than the whole run dying in a traceback.
            first_line = (str(error).splitlines() or [type(error).__name__])[0]
            verdicts = [Verdict.unreachable(first_line) for _ in graded]
        by_index = dict(zip(graded, verdicts, strict=True))
        scores = [self._score(answer, by_index.get(index)) for index, answer in enumerate(answers)]
        self.stats.count_statuses([score.status for score in scores])
        return scores

    def _score(self, answer: Answer, verdict: Verdict | None) -> Score:
        value = reward(verdict, answer.format, self.config)
        if verdict is None:
            return Score(
                reward=value,
                status="no_answer",
                pass_fraction=0.0,
                answer_format=answer.format,
                infra_error=False,
            )
        return Score(
            reward=value,
            status=verdict.status,
            pass_fraction=verdict.pass_fraction,
            answer_format=answer.format,
            infra_error=verdict.status == "infra_error",
            message=verdict.message,
        )
