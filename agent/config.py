"""The agent's budget and behaviour; stored in every trajectory."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agent.budget import Budget
from agent.models.base import Sampling
from agent.models.presets import ModelPreset
from agent.restart_policy import Restart


class AgentConfig(BaseModel):
    """How one solve runs and when it must stop."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_steps: int = Field(8, ge=1, le=1000)
    """Most model calls (planning, writing and revising all count)."""
    max_total_tokens: int = Field(8192, ge=1)
    """Most generated tokens over the whole solve, every reply counted: a reply's limit is `sampling.max_tokens`
    cut to what is left of this (`agent.nodes.reply_sampling`)."""
    max_seconds: float = Field(600.0, gt=0)
    """Most wall time over the whole solve (model and sandbox), across resumes."""
    max_format_errors: int = Field(3, ge=1)
    """Replies in a row with no action (no code block, no tool call) before giving up with `format_errors`."""
    plan: bool = True
    """Ask for a short plan before the first code."""
    system_prompt: bool = True
    """Instructions in a system message; False: they open the first user message."""
    preset: str = "generic"
    """The model preset the sampling, plan, prompt shape and time budget came from (before overrides)."""
    native_tools: bool = False
    """Offer the tools as native tool calls (chat template `tools=`, OpenAI `tools`); fenced code always works."""
    restart: Restart = Restart.NEVER
    """When a failed test run makes the next call open the task afresh (the conversation so far out of view, a
    seed of its own) instead of asking for a fix (`Restart`, agent.nodes.restarting)."""
    sampling: Sampling = Field(default_factory=Sampling)
    """Sampling of each call; `max_tokens` here bounds one reply."""

    @property
    def budget(self) -> Budget:
        """The solve's limits as the one budget rule reads them (`agent.budget`)."""
        return Budget(self.max_steps, self.max_total_tokens, self.max_seconds)

    @model_validator(mode="before")
    @classmethod
    def _legacy_fields(cls, data: Any) -> Any:
        # Configs stored before a rename (run dirs, checkpoints): the whole-solve budget was `max_tokens`, the
        # restart policy the bool `restart_on_repeat`.
        if not isinstance(data, dict):
            return data
        if "max_tokens" in data and "max_total_tokens" not in data:
            data = {
                ("max_total_tokens" if key == "max_tokens" else key): value for key, value in data.items()
            }
        if "restart_on_repeat" in data and "restart" not in data:
            data = dict(data)
            data["restart"] = Restart.ON_REPEAT if data.pop("restart_on_repeat") else Restart.NEVER
        return data

    @classmethod
    def with_budget(
        cls, max_steps: int, max_tokens: int, max_total_tokens: int | None, sampling: Sampling, **fields: Any
    ) -> AgentConfig:
        """The one token-budget rule of every command: `max_tokens` bounds each reply; the whole solve may
        generate `max_total_tokens`, by default `max_steps` full replies."""
        return cls(
            max_steps=max_steps,
            max_total_tokens=max_total_tokens if max_total_tokens is not None else max_steps * max_tokens,
            sampling=sampling.model_copy(update={"max_tokens": max_tokens}),
            **fields,
        )

    @classmethod
    def from_preset(
        cls, preset: ModelPreset, max_steps: int, max_total_tokens: int | None, **fields: Any
    ) -> AgentConfig:
        """The config every command runs with: the resolved preset (overrides applied) and the step and token
        budgets (`with_budget`)."""
        return cls.with_budget(
            max_steps,
            preset.sampling.max_tokens,
            max_total_tokens,
            preset.sampling,
            plan=preset.plan,
            native_tools=preset.native_tools,
            restart=preset.restart,
            system_prompt=preset.system_prompt,
            max_seconds=preset.max_seconds,
            preset=preset.name,
            **fields,
        )
