"""One sample of one task, start to verdict: the model's answer (one call, or the agent's loop), then the
hidden tests, once."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from agent import prompts
from agent.messages import Message
from agent.models.base import ChatModel
from agent.reasoning import answer_code_block
from batch.config import RunConfig
from batch.hidden_grading import INFRA_RETRIES, grade_hidden
from batch.sample_records import SampleRecord
from sandbox import JobResult, SandboxPool
from tasks.spec import TaskSpec

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


def single_shot_answer(model: ChatModel, task: TaskSpec, config: RunConfig) -> tuple[str, int, str | None]:
    """One call: system prompt and problem statement. The code is the answer's block, or the whole reply."""
    messages = [
        Message(role="system", content=prompts.SYSTEM),
        Message(role="user", content=prompts.problem_statement(task)),
    ]
    try:
        reply = model.chat(messages, sampling=config.agent.sampling)
    except Exception as error:  # a backend failure is this sample's failure, as in the agent's loop
        return "", 0, f"{type(error).__name__}: {error}"
    return answer_code_block(reply.text, task.entry_point) or reply.text, reply.completion_tokens, None


class SampleRunner:
    """Turns a SampleJob into a SampleRecord; called from many worker threads at once."""

    def __init__(
        self,
        model: ChatModel,
        pool: SandboxPool,
        config: RunConfig,
        run_dir: Path,
        retries: int = INFRA_RETRIES,
        backoff_s: float = 1.0,
    ) -> None:
        self.model = model
        self.pool = pool
        self.config = config
        self.run_dir = run_dir
        self.retries = retries
        self.backoff_s = backoff_s

    def __call__(self, job: SampleJob) -> SampleRecord:
        if self.config.mode == "agent":
            return self._agent(job)
        return self._single_shot(job)

    def _grade(self, task: TaskSpec, code: str) -> tuple[JobResult, int, float]:
        started = time.perf_counter()
        result, attempts = grade_hidden(self.pool, task, code, self.retries, self.backoff_s)
        return result, attempts, time.perf_counter() - started

    def _single_shot(self, job: SampleJob) -> SampleRecord:
        started = time.perf_counter()
        previous = job.previous
        if previous is not None:  # only the grading failed last time: the answer stands
            code, tokens, error = previous.code, previous.tokens, None
            spent = previous.seconds
        else:
            code, tokens, error = single_shot_answer(self.model, job.task, self.config)
            spent = 0.0
        result, attempts, _ = self._grade(job.task, code)
        return _record(
            job,
            result,
            attempts,
            code=code,
            tokens=tokens,
            seconds=spent + time.perf_counter() - started,
            exit_status="model_error" if error else None,
            message=error,
        )

    def _agent(self, job: SampleJob) -> SampleRecord:
        from agent.solve import solve  # LangGraph is only imported by agent runs
        from agent.trajectory import Trajectory, save

        folder = self.run_dir / TRAJECTORIES
        # A finished solve is not run again: its checkpoint hands back the answer (an infra error re-grades it).
        solved = solve(
            job.task, self.model, self.pool, self.config.agent, folder, run_id(job.task, job.index)
        )
        code = solved.code or ""
        result, attempts, grading_s = self._grade(job.task, code)
        hidden = {"status": result.status, "pass_fraction": result.pass_fraction, "message": result.message}
        path = solved.trajectory_path
        save(Trajectory.model_validate_json(path.read_text()).model_copy(update={"hidden": hidden}), path)
        return _record(
            job,
            result,
            attempts,
            code=code,
            tokens=solved.tokens,
            seconds=solved.seconds + grading_s,
            exit_status=solved.exit_status,
            trajectory=str(path.relative_to(self.run_dir)),
            message=None,
        )


def _record(
    job: SampleJob,
    result: JobResult,
    attempts: int,
    *,
    code: str,
    tokens: int,
    seconds: float,
    exit_status: str | None,
    message: str | None,
    trajectory: str | None = None,
) -> SampleRecord:
    """`message`: the model's error, if any; else the grader's reason when it did not pass."""
    return SampleRecord(
        task_id=job.task.id,
        sample=job.index,
        status=result.status,
        passed=result.status == "passed",
        pass_fraction=result.pass_fraction,
        code=code,
        tokens=tokens,
        seconds=round(seconds, 4),
        exit_status=exit_status,
        trajectory=trajectory,
        message=message or (None if result.status == "passed" else result.message),
        attempts=attempts,
    )
