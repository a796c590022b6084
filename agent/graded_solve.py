"""A solve and its verdict, as `sandloop solve` and batch runs use it: the run's identity, the hidden tests
graded once after the loop (and written into the trajectory), and what "solved" means."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.config import AgentConfig
from agent.models.base import ChatModel
from agent.solve import EventSink, SolveResult, solve
from agent.trajectory import Trajectory, save
from sandbox import Sandbox
from tasks.grading import grade
from tasks.infra_retry import InfraRetry
from tasks.spec import TaskSpec
from tasks.verdict import Verdict


def solve_run_id(task: TaskSpec, model_name: str, config: AgentConfig, fresh: bool = False) -> str:
    """The checkpoint thread of a solve: the same problem, model and config resume the same run; `fresh`
    starts a new one."""
    identity = json.dumps([task.suite, task.id, task.prompt, model_name, config.model_dump()], sort_keys=True)
    suffix = f"-{int(time.time())}" if fresh else ""
    return f"{task.id}-{hashlib.sha256(identity.encode()).hexdigest()[:10]}{suffix}"


def is_solved(exit_status: str, hidden: Verdict | None) -> bool:
    """The hidden tests' verdict where the task has them (`Verdict.passed`: what `run`, pass@k and the reward
    count); else (an ad-hoc problem) the loop's own end: `solved`, its tests ran checks and passed."""
    return hidden.passed if hidden is not None else exit_status == "solved"


class GradedSolve(BaseModel):
    """A finished solve and the hidden tests' verdict on its answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    result: SolveResult
    """How the loop ended."""
    hidden: Verdict | None
    """The hidden tests' verdict; None when the task has none (an ad-hoc problem)."""
    grading_seconds: float
    """Wall time of the grading."""

    @property
    def solved(self) -> bool:
        return is_solved(self.result.exit_status, self.hidden)

    def summary(self, task: TaskSpec) -> dict[str, Any]:
        """The solve in one JSON object (`sandloop solve --json`)."""
        result = self.result
        return {
            "task": f"{task.suite}#{task.id}",
            "exit_status": result.exit_status,
            "solved": self.solved,
            "code": result.code,
            "hidden": hidden_summary(self.hidden),
            "steps": result.steps,
            "tokens": result.tokens,
            "seconds": result.seconds,
            "resumed": result.resumed,
            "finished_before": result.finished_before,
            "trajectory": str(result.trajectory_path),
        }


def hidden_summary(verdict: Verdict | None) -> dict[str, Any] | None:
    """What a trajectory and `solve --json` keep of the hidden verdict."""
    if verdict is None:
        return None
    return {"status": verdict.status, "pass_fraction": verdict.pass_fraction, "message": verdict.message}


def solve_and_grade(
    task: TaskSpec,
    model: ChatModel,
    pool: Sandbox,
    config: AgentConfig,
    run_dir: Path,
    run_id: str,
    on_event: EventSink | None = None,
    retry: InfraRetry | None = None,
) -> GradedSolve:
    """Solve (resuming a checkpointed run), then grade the answer on the hidden tests once, when the task has
    any; the verdict goes into the trajectory."""
    result = solve(task, model, pool, config, run_dir=run_dir, run_id=run_id, on_event=on_event)
    started = time.perf_counter()
    hidden = None if task.hidden_tests.empty else grade(pool, task, result.code or "", "hidden", retry)
    grading_seconds = time.perf_counter() - started
    if hidden is not None:
        path = result.trajectory_path
        trajectory = Trajectory.model_validate_json(path.read_text())
        save(trajectory.model_copy(update={"hidden": hidden_summary(hidden)}), path)
    return GradedSolve(result=result, hidden=hidden, grading_seconds=grading_seconds)
