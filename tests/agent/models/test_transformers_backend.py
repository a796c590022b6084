"""The transformers backend on the real embedded SmolLM2 GGUF (the test suite's default model, `$SANDLOOP_MODEL`),
dequantized into a fresh cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.messages import Message
from agent.models.base import Sampling
from agent.models.config import ModelConfig, load_model
from agent.models.embedded import TINY_MODEL, model_gguf
from agent.models.gguf_cache import cache_root
from agent.models.transformers_backend import TransformersModel

pytestmark = pytest.mark.slow

HELLO = [Message(role="user", content="Say hello in one short sentence.")]


@pytest.fixture(scope="module")
def model(embedded_dir: Path) -> TransformersModel:
    loaded = load_model(ModelConfig(backend="transformers"))
    assert isinstance(loaded, TransformersModel)
    return loaded


def test_cache_holds_a_plain_hf_copy(embedded_dir: Path, model: TransformersModel) -> None:
    assert model.directory == embedded_dir
    assert embedded_dir.parent == cache_root()
    config = json.loads((embedded_dir / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"]
    assert "quantization_config" not in config
    assert (embedded_dir / "model.safetensors").is_file()
    assert (embedded_dir / "tokenizer.json").is_file()
    assert embedded_dir in cache_root().iterdir()
    # no staging dir left behind (other models, such as the QwQ-shaped copy, may share the cache)
    assert not [p.name for p in cache_root().iterdir() if p.name.startswith(".")]


def test_second_load_reads_the_cache(embedded_dir: Path, model: TransformersModel) -> None:
    weights = embedded_dir / "model.safetensors"
    stamp = weights.stat().st_mtime_ns
    again = TransformersModel(ModelConfig())
    assert again.directory == embedded_dir
    assert weights.stat().st_mtime_ns == stamp  # read, not rebuilt
    # a .gguf path goes through the same cache
    via_gguf = TransformersModel(ModelConfig(model=str(model_gguf(TINY_MODEL))))
    assert via_gguf.directory == embedded_dir
    assert via_gguf.name == str(model_gguf(TINY_MODEL))


def test_chat_returns_text_and_counts(model: TransformersModel) -> None:
    reply = model.chat(HELLO, sampling=Sampling(max_tokens=16, seed=0))
    assert model.count_prompt_tokens(HELLO) == reply.prompt_tokens  # what the history is fitted by
    assert model.context_window == 8192  # SmolLM2's max_position_embeddings
    assert reply.text.strip()
    assert reply.prompt_tokens > 0
    assert 0 < reply.completion_tokens <= 16
    assert reply.finish_reason in {"stop", "length"}
    assert reply.finish_reason == "stop" or reply.completion_tokens == 16
    assert reply.latency_s > 0
    assert not reply.thinking_cut


def test_seed_makes_sampling_reproducible(model: TransformersModel) -> None:
    sampling = Sampling(temperature=1.0, max_tokens=8, seed=123)
    first = model.chat(HELLO, sampling=sampling)
    second = model.chat(HELLO, sampling=sampling)
    assert first.text == second.text
    assert first.completion_tokens == second.completion_tokens


def test_tools_with_a_template_that_has_none(model: TransformersModel) -> None:
    tool = {"type": "function", "function": {"name": "run_tests", "parameters": {"type": "object"}}}
    reply = model.chat(HELLO, tools=[tool], sampling=Sampling(max_tokens=4, seed=0))
    assert reply.completion_tokens > 0


REPEAT = [Message(role="user", content="Write the word cat ten times, separated by spaces.")]


def test_min_p_reaches_generate(model: TransformersModel) -> None:
    """min_p 1 keeps only the likeliest token: sampling at temperature 1 then decodes as greedy does."""
    greedy = model.chat(REPEAT, sampling=Sampling(temperature=0.0, max_tokens=12))
    for seed in (1, 2):
        only_the_top = Sampling(temperature=1.0, top_p=1.0, top_k=0, min_p=1.0, max_tokens=12, seed=seed)
        assert model.chat(REPEAT, sampling=only_the_top).text == greedy.text


def test_presence_penalty_reaches_generate(model: TransformersModel) -> None:
    """Greedy decoding is deterministic: a penalty on what the reply already holds changes what it repeats."""
    plain = model.chat(REPEAT, sampling=Sampling(temperature=0.0, max_tokens=24))
    penalized = model.chat(REPEAT, sampling=Sampling(temperature=0.0, max_tokens=24, presence_penalty=2.0))
    assert penalized.text != plain.text


def test_the_presence_penalty_counts_reply_tokens_only() -> None:
    import torch

    from agent.models.transformers_backend import PresencePenalty

    ids = torch.tensor([[5, 6, 2, 2, 3]])  # a prompt of two tokens, then a reply holding 2 (twice) and 3
    scores = torch.zeros(1, 8)
    penalized = PresencePenalty(1.5, prompt_tokens=2)(ids, scores)
    assert penalized.tolist() == [[0.0, 0.0, -1.5, -1.5, 0.0, 0.0, 0.0, 0.0]]  # once per token, not per use
