"""Token streaming (`ChatModel.on_token`): every piece reaches the sink, and the reply is the same as without."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.messages import Message
from agent.models.base import Sampling
from agent.models.config import ModelConfig, load_model
from agent.models.openai_backend import OpenAIModel, _StreamState
from agent.models.transformers_backend import TransformersModel
from agent.scripted import ScriptedModel
from tests.agent.models.test_openai_backend import server  # noqa: F401  (a real `transformers serve`)
from tests.agent.models.test_replies import chunk

HELLO = [Message(role="user", content="Say hello in one short sentence.")]


def test_the_stream_state_hands_out_thinking_then_answer_text() -> None:
    state = _StreamState()
    pieces = [
        state.add(chunk({"role": "assistant", "reasoning_content": "think "})),
        state.add(chunk({"reasoning": "more"})),
        state.add(chunk({"content": "Hello"})),
        state.add(chunk({"content": " there."}, finish="stop")),
        state.add(chunk(usage={"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7})),
    ]
    assert pieces == ["think ", "more", "Hello", " there.", ""]
    assert "".join(state.content) == "Hello there."


def test_the_scripted_model_streams_its_raw_reply() -> None:
    raw = "<think>add them</think>\n```python\ndef add(a, b):\n    return a + b\n```"
    model = ScriptedModel([raw])
    pieces: list[str] = []
    model.on_token = pieces.append
    reply = model.chat(HELLO, sampling=Sampling())
    assert "".join(pieces) == raw
    assert len(pieces) > 3
    assert reply.reasoning == "add them"


@pytest.mark.slow
def test_the_embedded_model_streams_what_it_generates(embedded_dir: Path) -> None:
    model = load_model(ModelConfig(backend="transformers"))
    assert isinstance(model, TransformersModel)
    sampling = Sampling(max_tokens=24, temperature=0.0)
    quiet = model.chat(HELLO, sampling=sampling)
    pieces: list[str] = []
    model.on_token = pieces.append
    streamed = model.chat(HELLO, sampling=sampling)
    assert len(pieces) > 1  # piece by piece, not once at the end
    assert "".join(pieces).strip() == streamed.text
    assert streamed.text == quiet.text  # greedy: streaming changes nothing in the reply


@pytest.mark.slow
def test_a_served_model_streams_its_chunks(server: str) -> None:  # noqa: F811
    model = OpenAIModel(ModelConfig(backend="openai", base_url=server))
    pieces: list[str] = []
    model.on_token = pieces.append
    reply = model.chat(HELLO, sampling=Sampling(max_tokens=16, seed=0))
    assert len(pieces) > 1
    assert "".join(pieces).strip() == reply.text
