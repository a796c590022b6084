"""A chat model that replies from a script: for testing graph logic without a real model (never in product paths)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.models.errors import ContextOverflowError
from agent.reasoning import hermes_tool_calls, split_thinking


class ScriptedModel(ChatModel):
    """Replies in order; a reply is raw text (thinking and Hermes tool calls are parsed) or a ModelReply.

    With a `context_window`, a token is a word: prompts are counted so, and one longer than the window is
    refused as a real server refuses it (ContextOverflowError naming the window and the prompt's size).
    """

    def __init__(
        self, replies: Iterable[str | ModelReply], name: str = "scripted", context_window: int | None = None
    ) -> None:
        self.name = name
        self.context_window = context_window
        self._replies = list(replies)
        self.calls: list[list[Message]] = []
        """The messages of every call, for tests to inspect what the model was shown."""
        self.samplings: list[Sampling] = []
        """The sampling of every call (its reply cap, for one)."""

    def count_prompt_tokens(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None
    ) -> int | None:
        return self._words(messages) if self.context_window is not None else None

    @staticmethod
    def _words(messages: list[Message]) -> int:
        return sum(len(m.content.split()) for m in messages)

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        self.calls.append(list(messages))
        self.samplings.append(sampling)
        prompt_tokens = self._words(messages)
        if self.context_window is not None and prompt_tokens + sampling.max_tokens > self.context_window:
            raise ContextOverflowError(
                f"This model's maximum context length is {self.context_window} tokens. However, you requested "
                f"{prompt_tokens + sampling.max_tokens} tokens ({prompt_tokens} in the messages, "
                f"{sampling.max_tokens} in the completion).",
                self.context_window,
                prompt_tokens,
            )
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
            prompt_tokens=prompt_tokens,
            completion_tokens=tokens,
        )
