"""Chat messages and tool calls, as the agent, the tools and every model backend exchange them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]


class ToolCall(BaseModel):
    """One call of a tool by the model (native tool calling, Hermes `<tool_call>` JSON, or OpenAI `tool_calls`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    """Identifier the tool's answer refers to."""
    name: str
    """Tool name, e.g. `run_tests`."""
    arguments: dict[str, Any] = Field(default_factory=dict)
    """Decoded JSON arguments."""


class Message(BaseModel):
    """One chat message. Thinking is never part of `content`: it lives in the trajectory only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    """Who speaks."""
    content: str = ""
    """Text shown to the model on later turns."""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    """Tool calls of an assistant message."""
    tool_call_id: str | None = None
    """For a tool message: the call it answers."""
    name: str | None = None
    """For a tool message: the tool's name."""

    def as_chat(self) -> dict[str, Any]:
        """The OpenAI / chat-template dict form."""
        chat: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            chat["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        if self.tool_call_id is not None:
            chat["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            chat["name"] = self.name
        return chat
