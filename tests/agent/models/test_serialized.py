"""Models that are not thread-safe are called one at a time; thread-safe ones are shared as they are."""

from __future__ import annotations

import threading
import time
from typing import Any

from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.models.oracle import OracleModel
from agent.models.serialized import SerializedModel, shareable
from agent.scripted import ScriptedModel
from tests.support.batch_run import example_tasks

SAMPLING = Sampling()


class Overlap(ChatModel):
    """A model that notes how many of its calls run at the same time; with `meet`, each call waits inside
    until that many calls are inside together."""

    name = "overlap"

    def __init__(self, thread_safe: bool, meet: int | None = None) -> None:
        self.thread_safe = thread_safe
        self.inside = self.most = 0
        self._lock = threading.Lock()
        self._barrier = threading.Barrier(meet, timeout=30) if meet else None

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        if self._barrier is not None:
            self._barrier.wait()
        else:
            time.sleep(0.01)  # room for other threads to come in if nothing keeps them out
        with self._lock:
            self.inside -= 1
        return ModelReply(text="x")


def _hammer(model: Any, threads: int, calls: int) -> None:
    def call() -> None:
        for _ in range(calls):
            model.chat([], sampling=SAMPLING)

    started = [threading.Thread(target=call) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()


def test_a_thread_safe_model_is_called_concurrently() -> None:
    model = Overlap(thread_safe=True, meet=2)
    _hammer(shareable(model), threads=2, calls=1)  # both calls must be inside at once to return
    assert model.most == 2


def test_a_model_that_is_not_thread_safe_is_called_one_at_a_time() -> None:
    model = Overlap(thread_safe=False)
    _hammer(shareable(model), threads=6, calls=3)
    assert model.most == 1


def test_which_models_are_shared_as_they_are() -> None:
    oracle = OracleModel(example_tasks())
    assert oracle.thread_safe and shareable(oracle) is oracle
    scripted = ScriptedModel([], name="s")
    wrapped = shareable(scripted)
    assert isinstance(wrapped, SerializedModel) and wrapped.name == "s"
    assert wrapped.thread_safe and not wrapped.batched and wrapped.context_window is None


def test_every_backend_declares_its_capabilities() -> None:
    """Capabilities are protocol members with defaults, overridden where a backend does better."""
    from agent.models.openai_backend import OpenAIModel
    from agent.models.transformers_backend import TransformersModel
    from agent.models.vllm_backend import VLLMModel

    declared = {
        cls.__name__: (cls.thread_safe, cls.batched)
        for cls in (OpenAIModel, TransformersModel, VLLMModel, ScriptedModel, OracleModel, SerializedModel)
    }
    assert declared == {
        "OpenAIModel": (True, False),
        "TransformersModel": (False, False),
        "VLLMModel": (False, True),
        "ScriptedModel": (False, False),
        "OracleModel": (True, False),
        "SerializedModel": (True, False),
    }
    assert all(ChatModel in cls.__mro__ for cls in (OpenAIModel, TransformersModel, VLLMModel))


def test_the_default_batch_is_one_call_after_another_and_the_default_probe_passes() -> None:
    scripted = ScriptedModel(["first", "second"])
    scripted.probe()
    replies = scripted.chat_batch([[], []], SAMPLING)
    assert [reply.text for reply in replies] == ["first", "second"]
    serialized = SerializedModel(ScriptedModel(["only"]))
    serialized.probe()
    assert [reply.text for reply in serialized.chat_batch([[]], SAMPLING)] == ["only"]
