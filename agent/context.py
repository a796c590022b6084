"""Run-scoped objects the nodes need, handed in through LangGraph's runtime context (never checkpointed)."""

from __future__ import annotations

from dataclasses import dataclass

from agent.config import AgentConfig
from agent.models.base import ChatModel
from tools.handle import SandboxHandle


@dataclass(frozen=True)
class AgentContext:
    model: ChatModel
    handle: SandboxHandle
    config: AgentConfig
