"""Many threads' calls to one batched engine (in-process vLLM) as few engine calls: a micro-batcher.

Each worker thread of a batch run drives its own solve and calls `chat` as if it had the model to itself. The
calls wait in a queue; one engine thread takes what is waiting (for a short window after the first, or until
`max_batch` are waiting), makes one `chat_batch` call of them all, and hands each caller its own reply. The
engine is only ever called from that thread, so it need not be thread-safe.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.models.errors import ModelError

WINDOW_S = 0.05
"""How long the first waiting call waits for company: short beside a generation (seconds on any hardware)."""
MAX_BATCH = 64
"""Most calls in one engine call (vLLM schedules them further by its own token budget)."""
CLOSED = "the batched model was closed"


class BatchEngine(Protocol):
    """A model whose `chat_batch` takes one sampling per conversation (vLLM's `LLM.chat` does)."""

    name: str
    context_window: int | None

    def chat_batch(
        self,
        conversations: list[list[Message]],
        sampling: Sampling | Sequence[Sampling],
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> list[ModelReply]: ...

    def count_prompt_tokens(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None
    ) -> int | None: ...

    def probe(self) -> None: ...


@dataclass(frozen=True)
class BatchStats:
    """What the engine thread did so far."""

    requests: int
    """Calls answered (each conversation of a `chat_batch` counts as one)."""
    engine_calls: int
    """`chat_batch` calls the engine answered (a failed call, retried one request at a time, is not counted)."""
    largest: int
    """Most calls answered by one engine call."""


@dataclass
class _Request:
    messages: list[Message]
    tools: list[dict[str, Any]] | None
    sampling: Sampling
    reply: Future[ModelReply] = field(default_factory=Future)

    def tools_key(self) -> str:
        """Calls with the same tool schemas can share an engine call (`LLM.chat` takes one list for all)."""
        return json.dumps(self.tools, sort_keys=True)


class BatchingModel(ChatModel):
    """A batched engine shared by many threads: their calls are gathered into `chat_batch` calls."""

    thread_safe = True
    """Calls from any thread are queued for the one engine thread."""
    batched = True

    def __init__(
        self, engine: BatchEngine, *, window_s: float = WINDOW_S, max_batch: int = MAX_BATCH
    ) -> None:
        if max_batch < 1 or window_s < 0:
            raise ValueError(f"max_batch {max_batch} must be >= 1 and window_s {window_s} >= 0")
        self.name = engine.name
        self.inner = engine
        self.context_window = engine.context_window
        self.window_s = window_s
        self.max_batch = max_batch
        self._queue: queue.Queue[_Request | None] = queue.Queue()
        self._counts_lock = threading.Lock()
        self._counting = threading.Lock()
        self._requests = self._engine_calls = self._largest = 0
        self._closed = threading.Event()
        self._submitting = threading.Lock()  # closing and queueing never interleave: no call is left waiting
        self._thread = threading.Thread(target=self._serve, name="sandloop-batcher", daemon=True)
        self._thread.start()

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        return self._submit([messages], tools, [sampling])[0].result()

    def chat_batch(
        self,
        conversations: list[list[Message]],
        sampling: Sampling | Sequence[Sampling],
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> list[ModelReply]:
        samplings = [sampling] * len(conversations) if isinstance(sampling, Sampling) else list(sampling)
        if len(samplings) != len(conversations):
            raise ValueError(f"{len(samplings)} samplings for {len(conversations)} conversations")
        return [reply.result() for reply in self._submit(conversations, tools, samplings)]

    def count_prompt_tokens(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None
    ) -> int | None:
        """The engine's own count (the context fitting of agent.history), one thread at a time: a fast
        tokenizer used from two threads at once can fail ("Already borrowed")."""
        with self._counting:
            return self.inner.count_prompt_tokens(messages, tools=tools)

    def probe(self) -> None:
        """Probed from the caller's thread: a run probes before its workers start calling."""
        self.inner.probe()
        self.context_window = self.inner.context_window

    def stats(self) -> BatchStats:
        with self._counts_lock:
            return BatchStats(self._requests, self._engine_calls, self._largest)

    def close(self) -> None:
        """Stop the engine thread after the engine call in progress; calls still waiting (or made later) get a
        ModelError. The engine itself stays open (its owner closes it)."""
        with self._submitting:
            self._closed.set()
            self._queue.put(None)
        self._thread.join()

    def _submit(
        self,
        conversations: list[list[Message]],
        tools: list[dict[str, Any]] | None,
        samplings: list[Sampling],
    ) -> list[Future[ModelReply]]:
        requests = [
            _Request(messages, tools, sampling)
            for messages, sampling in zip(conversations, samplings, strict=True)
        ]
        with self._submitting:
            for request in requests:
                if self._closed.is_set():
                    request.reply.set_exception(ModelError(CLOSED))
                else:
                    self._queue.put(request)
        return [request.reply for request in requests]

    def _serve(self) -> None:
        batch: list[_Request] = []
        try:
            while (gathered := self._gather()) is not None:
                batch = gathered
                groups: dict[str, list[_Request]] = {}
                for request in batch:
                    groups.setdefault(request.tools_key(), []).append(request)
                for group in groups.values():
                    if not self._closed.is_set():  # an interrupt stops what is left of the batch
                        self._answer(group)
        finally:  # closed, or an engine call was interrupted: nobody is left waiting for an answer
            with self._submitting:
                self._closed.set()
            self._refuse([request for request in batch if not request.reply.done()])
            self._refuse_waiting()

    def _gather(self) -> list[_Request] | None:
        """The next batch: the first waiting call, then whatever comes within the window (None: closed)."""
        first = self._queue.get()
        if first is None or self._closed.is_set():
            if first is not None:
                self._refuse([first])
            return None
        batch = [first]
        deadline = time.monotonic() + self.window_s
        while len(batch) < self.max_batch:
            try:  # what is already waiting is taken at once; then wait out the window for more
                request = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if request is None:
                self._queue.put(None)  # closing: answer this batch, then stop at the next gather
                break
            batch.append(request)
        return batch

    def _answer(self, group: list[_Request]) -> None:
        try:
            replies = self._engine_call(group)
        except Exception as error:
            if len(group) == 1:
                group[0].reply.set_exception(error)
                return
            # One refused request (too long a prompt, say) fails the whole engine call: each call alone
            # again, so an error reaches only the caller whose request caused it.
            for request in group:
                self._answer([request])
            return
        except (
            BaseException
        ) as error:  # an interrupt: every caller of this call hears of it, and serving ends
            for request in group:
                request.reply.set_exception(error)
            with self._submitting:
                self._closed.set()
            return
        for request, reply in zip(group, replies, strict=True):
            request.reply.set_result(reply)

    def _engine_call(self, group: list[_Request]) -> list[ModelReply]:
        samplings = [request.sampling for request in group]
        same = all(sampling == samplings[0] for sampling in samplings)
        replies = self.inner.chat_batch(
            [request.messages for request in group],
            samplings[0] if same else samplings,
            tools=group[0].tools,
        )
        if len(replies) != len(group):
            raise ModelError(f"{self.name}: {len(replies)} replies to {len(group)} conversations")
        with self._counts_lock:
            self._engine_calls += 1
            self._requests += len(group)
            self._largest = max(self._largest, len(group))
        return replies

    def _refuse_waiting(self) -> None:
        while True:
            try:
                request = self._queue.get_nowait()
            except queue.Empty:
                return
            if request is not None:
                self._refuse([request])

    @staticmethod
    def _refuse(requests: list[_Request]) -> None:
        for request in requests:
            request.reply.set_exception(ModelError(CLOSED))
