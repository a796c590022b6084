"""The versioned trajectory JSON of one solve, rewritten atomically after every step."""

from __future__ import annotations

import functools
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TRAJECTORY_VERSION = 1
PACKAGES = ("sandloop", "langgraph", "pydantic", "docker", "transformers", "torch", "openai", "vllm")


@functools.cache  # reading package metadata costs milliseconds: once per process
def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


class Trajectory(BaseModel):
    """Everything needed to read, replay or train on one solve."""

    model_config = ConfigDict(extra="forbid")

    version: int = TRAJECTORY_VERSION
    """Format version of this file."""
    run_id: str
    """The checkpoint thread this solve ran (and resumes) under."""
    task: dict[str, Any]
    """Task id, suite and prompt (hidden tests are never written here)."""
    model: str
    """Model name or path (never a secret)."""
    config: dict[str, Any]
    """The resolved agent config."""
    versions: dict[str, str] = Field(default_factory=lambda: dict(package_versions()))
    """Python and package versions."""
    messages: list[dict[str, Any]] = Field(default_factory=list)
    """The conversation as the model saw it (no thinking), every attempt of it."""
    attempt_start: int = 0
    """Where in `messages` the last attempt opens (after a restart, `AgentConfig.restart`): the model
    answered last with only the messages from here on in view."""
    events: list[dict[str, Any]] = Field(default_factory=list)
    """Model calls (with thinking), tool calls and results, reviews, timings."""
    exit_status: str | None = None
    """solved, budget_exhausted, gave_up, model_error or format_errors; None while running."""
    final_code: str | None = None
    """The answer handed on to grading."""
    steps: int = 0
    """Model calls."""
    tokens: int = 0
    """Generated tokens."""
    seconds: float = 0.0
    """Wall time, summed over resumes."""
    hidden: dict[str, Any] | None = None
    """The hidden-test verdict, added by the caller after the loop."""


def save(trajectory: Trajectory, path: Path) -> None:
    """Write atomically: a crash mid-write leaves the previous version, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(trajectory.model_dump(), indent=1, default=str))
    temporary.replace(path)
