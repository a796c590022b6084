"""The micro-batcher's logic with a scripted engine: many threads' calls become few engine calls, each caller
gets its own reply or its own error, and closing leaves nobody waiting."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest

from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.models.batching import CLOSED, BatchingModel
from agent.models.errors import ModelError
from agent.models.serialized import SerializedModel, shareable

SAMPLING = Sampling()
HOT = Sampling(temperature=1.0)
TOOLS = [{"type": "function", "function": {"name": "run_python", "parameters": {}}}]


class Engine(ChatModel):
    """A batched engine that echoes each conversation's last message and records its calls. While `hold` is
    clear, a call waits inside the engine (so the next calls queue up behind it). A conversation saying `bad`
    fails the whole call, as vLLM refuses a batch with one over-long prompt; `interrupt` interrupts it."""

    name = "engine"
    batched = True

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], list[Sampling] | Sampling, Any]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        raise AssertionError("the batcher calls chat_batch only")

    def chat_batch(
        self,
        conversations: list[list[Message]],
        sampling: Sampling | Sequence[Sampling],
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> list[ModelReply]:
        said = [conversation[-1].content for conversation in conversations]
        self.calls.append((said, sampling if isinstance(sampling, Sampling) else list(sampling), tools))
        self.entered.set()
        self.hold.wait(timeout=30)
        if "interrupt" in said:
            raise KeyboardInterrupt
        if "bad" in said:
            raise ValueError("longer than the maximum model length of 8")
        return [ModelReply(text=f"re: {text}") for text in said]


def ask(text: str) -> list[Message]:
    return [Message(role="user", content=text)]


@pytest.fixture
def engine() -> Engine:
    return Engine()


@pytest.fixture
def batcher(engine: Engine) -> Iterator[BatchingModel]:
    model = BatchingModel(engine, window_s=0.0)
    yield model
    engine.hold.set()
    model.close()


def queued_behind_a_held_call(
    engine: Engine, batcher: BatchingModel, calls: Sequence[Callable[[], ModelReply]]
) -> list[Future[ModelReply]]:
    """Run `calls[0]` and hold it inside the engine; start the others, each on its own thread, and return
    once they all wait in the queue; then let the engine go."""
    threads = ThreadPoolExecutor(len(calls))
    engine.hold.clear()
    futures = [threads.submit(calls[0])]
    assert engine.entered.wait(timeout=30)
    futures += [threads.submit(call) for call in calls[1:]]
    while batcher._queue.qsize() < len(calls) - 1:
        threading.Event().wait(0.005)
    engine.hold.set()
    threads.shutdown(wait=True)
    return futures


def test_concurrent_calls_become_one_engine_call_and_each_caller_gets_its_own_reply(
    engine: Engine, batcher: BatchingModel
) -> None:
    texts = [f"task {n}" for n in range(8)]
    calls = [partial(batcher.chat, ask(text), sampling=SAMPLING) for text in texts]
    futures = queued_behind_a_held_call(engine, batcher, calls)
    assert [future.result().text for future in futures] == [f"re: {text}" for text in texts]
    assert [said for said, _, _ in engine.calls] == [texts[:1], texts[1:]]  # in the order they came
    stats = batcher.stats()
    assert (stats.requests, stats.engine_calls, stats.largest) == (8, 2, 7)


def test_different_samplings_share_a_call_and_one_sampling_is_passed_as_one(
    engine: Engine, batcher: BatchingModel
) -> None:
    calls = [
        lambda: batcher.chat(ask("first"), sampling=SAMPLING),
        lambda: batcher.chat(ask("hot"), sampling=HOT),
        lambda: batcher.chat(ask("cool"), sampling=SAMPLING),
    ]
    queued_behind_a_held_call(engine, batcher, calls)
    assert [sampling for _, sampling, _ in engine.calls] == [SAMPLING, [HOT, SAMPLING]]


def test_calls_with_other_tools_go_in_another_engine_call(engine: Engine, batcher: BatchingModel) -> None:
    calls = [
        lambda: batcher.chat(ask("first"), sampling=SAMPLING),
        lambda: batcher.chat(ask("plain"), sampling=SAMPLING),
        lambda: batcher.chat(ask("tooled"), sampling=SAMPLING, tools=TOOLS),
        lambda: batcher.chat(ask("plain too"), sampling=SAMPLING),
    ]
    futures = queued_behind_a_held_call(engine, batcher, calls)
    assert [f.result().text for f in futures] == ["re: first", "re: plain", "re: tooled", "re: plain too"]
    assert [(said, tools) for said, _, tools in engine.calls[1:]] == [
        (["plain", "plain too"], None),
        (["tooled"], TOOLS),
    ]


def test_one_refused_request_fails_only_its_caller(engine: Engine, batcher: BatchingModel) -> None:
    calls = [partial(batcher.chat, ask(text), sampling=SAMPLING) for text in ["a", "b", "bad", "c"]]
    futures = queued_behind_a_held_call(engine, batcher, calls)
    assert [f.result().text for f in (futures[0], futures[1], futures[3])] == ["re: a", "re: b", "re: c"]
    with pytest.raises(ValueError, match="maximum model length"):
        futures[2].result()
    # the failed call of three, then each of its requests alone
    assert [said for said, _, _ in engine.calls[1:]] == [["b", "bad", "c"], ["b"], ["bad"], ["c"]]
    assert batcher.stats().engine_calls == 3  # the failed call is not counted


def test_chat_batch_through_the_batcher_keeps_the_order(batcher: BatchingModel) -> None:
    replies = batcher.chat_batch([ask("x"), ask("y"), ask("z")], [SAMPLING, HOT, SAMPLING])
    assert [reply.text for reply in replies] == ["re: x", "re: y", "re: z"]
    with pytest.raises(ValueError, match="2 samplings for 3 conversations"):
        batcher.chat_batch([ask("x"), ask("y"), ask("z")], [SAMPLING, HOT])


def test_closing_answers_the_call_in_progress_and_refuses_the_rest(engine: Engine) -> None:
    batcher = BatchingModel(engine, window_s=0.0)
    threads = ThreadPoolExecutor(3)
    engine.hold.clear()
    in_progress = threads.submit(batcher.chat, ask("first"), sampling=SAMPLING)
    assert engine.entered.wait(timeout=30)
    waiting = threads.submit(batcher.chat, ask("second"), sampling=SAMPLING)
    while batcher._queue.qsize() < 1:
        threading.Event().wait(0.005)
    closing = threads.submit(batcher.close)
    while batcher._queue.qsize() < 2:  # the close sentinel is queued behind the waiting call
        threading.Event().wait(0.005)
    engine.hold.set()
    closing.result(timeout=30)
    assert in_progress.result().text == "re: first"
    with pytest.raises(ModelError, match=CLOSED):
        waiting.result()
    with pytest.raises(ModelError, match=CLOSED):
        batcher.chat(ask("later"), sampling=SAMPLING)
    threads.shutdown()
    assert [said for said, _, _ in engine.calls] == [["first"]]


def test_an_interrupt_reaches_its_callers_and_stops_serving(engine: Engine, batcher: BatchingModel) -> None:
    with pytest.raises(KeyboardInterrupt):
        batcher.chat(ask("interrupt"), sampling=SAMPLING)
    with pytest.raises(ModelError, match=CLOSED):
        batcher.chat(ask("later"), sampling=SAMPLING)


def test_a_batched_engine_is_shared_through_the_batcher_others_as_before(engine: Engine) -> None:
    shared = shareable(engine)
    assert isinstance(shared, BatchingModel) and shared.thread_safe and shared.batched
    assert shared.name == "engine"
    shared.close()

    class Plain(Engine):
        batched = False

    assert isinstance(shareable(Plain()), SerializedModel)


def test_a_served_model_is_shared_as_it_is() -> None:
    """The OpenAI client is thread-safe: the workers' requests go to the server concurrently (vLLM batches
    them there), nothing in between serializes them."""
    from agent.models.config import ModelConfig
    from agent.models.openai_backend import OpenAIModel

    served = OpenAIModel(ModelConfig(backend="openai", model="qwq", base_url="http://127.0.0.1:9/v1"))
    assert shareable(served) is served
