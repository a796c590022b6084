"""What the tools run against: a sandbox pool and the one task's public tests (run-scoped, not checkpointed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox import Limits, Sandbox
from tasks.infra_retry import InfraRetry
from tasks.spec import TaskSpec


@dataclass(frozen=True)
class ToolContext:
    pool: Sandbox
    """Where code runs."""
    task: TaskSpec
    """The problem; only its public tests are ever used here."""
    limits: Limits
    """Limits of the agent's own runs (run_python)."""
    feedback_chars: int = 4000
    """Longest tool output shown to the model; longer ones keep head and tail."""
    retry: InfraRetry = field(default_factory=InfraRetry)
    """How the agent's own runs retry infrastructure errors (the one policy, `sandloop run`'s defaults)."""
