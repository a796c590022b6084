"""Sharing one model between worker threads: a backend that says it is thread-safe (an HTTP client: a served
vLLM batches the concurrent requests itself) is called concurrently; a batched in-process engine (vLLM) gets
the threads' calls gathered into batches (`agent.models.batching`); any other in-process backend is called
one call at a time."""

from __future__ import annotations

import threading
from typing import Any, cast

from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling


class SerializedModel(ChatModel):
    """A model whose calls run one at a time, whichever thread makes them."""

    thread_safe = True
    """The lock makes it so."""

    def __init__(self, model: ChatModel) -> None:
        self.name = model.name
        self.inner = model
        self.batched = model.batched
        self.context_window = model.context_window
        self._lock = threading.Lock()

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        with self._lock:
            return self.inner.chat(messages, tools=tools, sampling=sampling)

    def chat_batch(
        self,
        conversations: list[list[Message]],
        sampling: Sampling,
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> list[ModelReply]:
        with self._lock:
            return self.inner.chat_batch(conversations, sampling, tools=tools)

    def count_prompt_tokens(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None
    ) -> int | None:
        with self._lock:  # a fast tokenizer used from two threads at once can fail ("Already borrowed")
            return self.inner.count_prompt_tokens(messages, tools=tools)

    def probe(self) -> None:
        with self._lock:
            self.inner.probe()
        self.context_window = self.inner.context_window  # a probe may have learned it


def shareable(model: ChatModel) -> ChatModel:
    """`model` itself when it may be called from many threads at once; a batched engine behind a micro-batcher;
    else the model behind a lock."""
    if model.thread_safe:
        return model
    if model.batched:
        from agent.models.batching import BatchEngine, BatchingModel

        # a batched backend's chat_batch takes one sampling per conversation (what BatchEngine says)
        return BatchingModel(cast(BatchEngine, model))
    return SerializedModel(model)
