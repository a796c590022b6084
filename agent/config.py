"""The agent's budget and behaviour; stored in every trajectory."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agent.models.base import Sampling


class AgentConfig(BaseModel):
    """How one solve runs and when it must stop."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_steps: int = Field(8, ge=1, le=1000)
    """Most model calls (planning, writing and revising all count)."""
    max_tokens: int = Field(8192, ge=1)
    """Most generated tokens over the whole solve."""
    max_seconds: float = Field(600.0, gt=0)
    """Most wall time over the whole solve (model and sandbox), across resumes."""
    max_format_errors: int = Field(3, ge=1)
    """Replies in a row with no action (no code block, no tool call) before giving up with `format_errors`."""
    plan: bool = True
    """Ask for a short plan before the first code."""
    native_tools: bool = False
    """Offer the tools as native tool calls (chat template `tools=`, OpenAI `tools`); fenced code always works."""
    sampling: Sampling = Field(default_factory=Sampling)
    """Sampling of each call; `max_tokens` here bounds one reply."""
