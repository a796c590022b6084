"""One sample of one task, start to verdict: the model's answer (one call, or the agent's loop), then the
hidden tests, once."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from agent import prompts
from agent.config import AgentConfig
from agent.messages import Message
from agent.models.base import ChatModel
from agent.reasoning import answer_code_block
from agent.seeds import derived_seed
from batch.config import RunConfig
from batch.sample_records import SampleRecord
from sandbox import Sandbox
from tasks.grading import grade
from tasks.infra_retry import InfraRetry
from tasks.spec import TaskSpec
from tasks.verdict import Verdict

TRAJECTORIES = "trajectories"


@dataclass(frozen=True)
class SampleJob:
    task: TaskSpec
    index: int
    """Which of the task's samples."""
    previous: SampleRecord | None = None
    """An earlier record of this sample (an infra error): its answer is graded again, the model not asked."""


def run_id(task: TaskSpec, index: int) -> str:
    """The agent's checkpoint thread of a sample: the same on every resume."""
    return f"{task.id}#{index}"


class SingleShotAnswer(NamedTuple):
    code: str
    """What is graded: the reply's answer block, or the whole reply."""
    reply: str | None
    """The model's reply as it came (None when the call failed)."""
    tokens: int
    error: str | None
    """The backend's failure, in one line."""


def sample_agent_config(config: AgentConfig, index: int) -> AgentConfig:
    """The config of a task's sample number `index`: its own seed (agent.seeds) when the run is seeded."""
    sampling = config.sampling
    seed = derived_seed(sampling.seed, index)
    if seed == sampling.seed:
        return config
    return config.model_copy(update={"sampling": sampling.model_copy(update={"seed": seed})})


def single_shot_answer(model: ChatModel, task: TaskSpec, config: AgentConfig) -> SingleShotAnswer:
    """One call: system prompt and problem statement. The code is the answer's block, or the whole reply."""
    messages = [
        Message.model_validate(message)
        for message in prompts.first_messages(task, system_prompt=config.system_prompt)
    ]
    try:
        reply = model.chat(messages, sampling=config.sampling)
    except Exception as error:  # a backend failure is this sample's failure, as in the agent's loop
        return SingleShotAnswer("", None, 0, f"{type(error).__name__}: {error}")
    code = answer_code_block(reply.text, task.entry_point) or reply.text
    return SingleShotAnswer(code, reply.text, reply.completion_tokens, None)


class SampleRunner:
    """Turns a SampleJob into a SampleRecord; called from many worker threads at once."""

    def __init__(
        self,
        model: ChatModel,
        pool: Sandbox,
        config: RunConfig,
        run_dir: Path,
        retry: InfraRetry | None = None,
    ) -> None:
        self.model = model
        self.pool = pool
        self.config = config
        self.run_dir = run_dir
        self.retry = retry or InfraRetry()

    def __call__(self, job: SampleJob) -> SampleRecord:
        if self.config.mode == "agent":
            return self._agent(job)
        return self._single_shot(job)

    def _grade(self, task: TaskSpec, code: str) -> tuple[Verdict, float]:
        started = time.perf_counter()
        verdict = grade(self.pool, task, code, "hidden", self.retry)
        return verdict, time.perf_counter() - started

    def _single_shot(self, job: SampleJob) -> SampleRecord:
        started = time.perf_counter()
        previous = job.previous
        if previous is not None:  # only the grading failed last time: the answer stands
            code, reply, tokens, error = previous.code, previous.reply, previous.tokens, None
            spent = previous.seconds
        else:
            config = sample_agent_config(self.config.agent, job.index)
            code, reply, tokens, error = single_shot_answer(self.model, job.task, config)
            spent = 0.0
        verdict, _ = self._grade(job.task, code)
        return _record(
            job,
            verdict,
            code=code,
            tokens=tokens,
            seconds=spent + time.perf_counter() - started,
            exit_status="model_error" if error else None,
            message=error,
            reply=reply,
        )

    def _agent(self, job: SampleJob) -> SampleRecord:
        from agent.graded_solve import solve_and_grade  # LangGraph is only imported by agent runs

        # A finished solve is not run again: its checkpoint hands back the answer (an infra error re-grades it).
        graded = solve_and_grade(
            job.task,
            self.model,
            self.pool,
            sample_agent_config(self.config.agent, job.index),
            self.run_dir / TRAJECTORIES,
            run_id(job.task, job.index),
            retry=self.retry,
        )
        solved, verdict = graded.result, graded.hidden
        if verdict is None:  # a suite task always has hidden tests (TaskSpec); grade the empty set anyway
            verdict = grade(self.pool, job.task, solved.code or "", "hidden", self.retry)
        return _record(
            job,
            verdict,
            code=solved.code or "",
            tokens=solved.tokens,
            seconds=solved.seconds + graded.grading_seconds,
            exit_status=solved.exit_status,
            trajectory=str(solved.trajectory_path.relative_to(self.run_dir)),
            message=None,
        )


def _record(
    job: SampleJob,
    verdict: Verdict,
    *,
    code: str,
    tokens: int,
    seconds: float,
    exit_status: str | None,
    message: str | None,
    trajectory: str | None = None,
    reply: str | None = None,
) -> SampleRecord:
    """`message`: the model's error, if any; else the grader's reason when it did not pass."""
    return SampleRecord.of(
        job.task.id,
        job.index,
        verdict,
        code=code,
        tokens=tokens,
        seconds=round(seconds, 4),
        exit_status=exit_status,
        trajectory=trajectory,
        reply=reply,
        message=message or (None if verdict.passed else verdict.message),
    )
