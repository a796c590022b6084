"""A chat model that replies from a script: for testing graph logic without a real model (never in product paths)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.reasoning import hermes_tool_calls, split_thinking


class ScriptedModel(ChatModel):
    """Replies in order; a reply is raw text (thinking and Hermes tool calls are parsed) or a ModelReply."""

    def __init__(self, replies: Iterable[str | ModelReply], name: str = "scripted") -> None:
        self.name = name
        self._replies = list(replies)
        self.calls: list[list[Message]] = []
        """The messages of every call, for tests to inspect what the model was shown."""

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        self.calls.append(list(messages))
        if not self._replies:
            raise RuntimeError("the scripted model has no replies left")
        reply = self._replies.pop(0)
        if self.on_token:  # streamed word by word, as a backend would
            raw = reply.text if isinstance(reply, ModelReply) else reply
            for piece in re.findall(r"\s*\S+\s*", raw):
                self.on_token(piece)
        if isinstance(reply, ModelReply):
            return reply
        thought = split_thinking(reply)
        text, calls, _ = hermes_tool_calls(thought.answer)
        tokens = max(1, len(reply.split()))
        return ModelReply(
            text=text,
            reasoning=thought.reasoning,
            tool_calls=calls,
            thinking_cut=thought.cut,
            finish_reason="length" if thought.cut else "stop",
            prompt_tokens=sum(len(m.content.split()) for m in messages),
            completion_tokens=tokens,
        )
