"""Sharing one model between worker threads: in-process backends are not thread-safe, so their calls are
serialized; a backend that says it is thread-safe (an HTTP client) is called concurrently."""

from __future__ import annotations

import threading
from typing import Any

from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling


def is_thread_safe(model: ChatModel) -> bool:
    """Backends that may be called from many threads say so (`thread_safe = True`); others are not."""
    return bool(getattr(model, "thread_safe", False))


class SerializedModel:
    """A model whose calls run one at a time, whichever thread makes them."""

    def __init__(self, model: ChatModel) -> None:
        self.name = model.name
        self.inner = model
        self._lock = threading.Lock()

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        with self._lock:
            return self.inner.chat(messages, tools=tools, sampling=sampling)


def shareable(model: ChatModel) -> ChatModel:
    """`model` itself when it may be called from many threads at once, else it behind a lock."""
    return model if is_thread_safe(model) else SerializedModel(model)
