"""Run-scoped objects the nodes need, handed in through LangGraph's runtime context (never checkpointed)."""

from __future__ import annotations

from dataclasses import dataclass

from agent.config import AgentConfig
from agent.models.base import ChatModel
from tools.context import ToolContext


@dataclass(frozen=True)
class AgentContext:
    model: ChatModel
    handle: ToolContext
    config: AgentConfig
