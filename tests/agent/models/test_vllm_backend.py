"""The in-process vLLM backend (`vllm.LLM`, `LLM.chat`) with the QwQ-shaped tiny model, on CPU."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from agent.messages import Message
from agent.models.base import Sampling
from agent.models.config import ModelConfig, VLLMEngine
from agent.models.embedded import DEFAULT_MODEL
from agent.models.errors import ContextOverflowError, ModelError
from agent.models.vllm_backend import (
    FEW_CORES,
    NOT_INSTALLED,
    VLLMModel,
    cpu_build_env,
    engine_arguments,
    on_cpu_build,
)
from agent.reasoning import answer_code_block
from tests.agent.models.vllm_fixtures import CONTEXT_WINDOW, scripted

INSTALLED = importlib.util.find_spec("vllm") is not None
PROBLEM = [Message(role="user", content="Write add(a, b) returning the sum of two numbers.")]
THINKING = "A draft first:\n```python\nprint(add(1, 2))\n```\nNow the function."
ANSWER = "```python\ndef add(a, b):\n    return a + b\n```\nUsage:\n```python\nprint(add(1, 2))\n```"
TOOL_CALL = '<tool_call>\n{"name": "run_python", "arguments": {"code": "print(2 + 2)"}}\n</tool_call>'
SAMPLING = Sampling(temperature=0.6, top_p=0.95, top_k=40, max_tokens=96, seed=0)


@pytest.fixture
def engine(vllm_engine: VLLMModel) -> VLLMModel:
    """The session's in-process engine of the QwQ-shaped model (see conftest)."""
    return vllm_engine


def test_engine_arguments_carry_every_setting() -> None:
    engine = VLLMEngine(
        max_model_len=32768,
        tensor_parallel_size=4,
        gpu_memory_utilization=0.85,
        quantization="awq",
        tokenizer="Qwen/QwQ-32B",
        enforce_eager=True,
        enable_chunked_prefill=True,
    )
    config = ModelConfig(backend="vllm", model="Qwen/QwQ-32B-AWQ", vllm=engine)
    arguments = engine_arguments(config, "Qwen/QwQ-32B-AWQ")
    assert arguments == {
        "model": "Qwen/QwQ-32B-AWQ",
        "dtype": "auto",  # the model's own, not the transformers backend's float32
        "max_model_len": 32768,
        "tensor_parallel_size": 4,
        "gpu_memory_utilization": 0.85,
        "quantization": "awq",
        "tokenizer": "Qwen/QwQ-32B",
        "enforce_eager": True,
        "enable_chunked_prefill": True,
    }
    chosen = engine_arguments(ModelConfig(backend="vllm", model="m", dtype="float16"), "m")
    defaults = {"model": "m", "dtype": "float16", "tensor_parallel_size": 1, "enforce_eager": False}
    # vLLM's CPU build: no chunked prefill unless asked (a seeded request split over steps kills its engine)
    assert chosen == defaults | ({"enable_chunked_prefill": False} if on_cpu_build() else {})
    # an embedded model's copy is saved in float32 (nothing lost to the copy): it runs in bfloat16
    embedded = engine_arguments(ModelConfig(backend="vllm", model=DEFAULT_MODEL), "/cache/copy")
    assert embedded["dtype"] == "bfloat16"


def test_cpu_build_computes_on_every_core_of_a_small_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VLLM_CPU_KVCACHE_SPACE", "VLLM_CPU_OMP_THREADS_BIND", "VLLM_CPU_NUM_OF_RESERVED_CPU"):
        monkeypatch.delenv(name, raising=False)
    cores = sorted(os.sched_getaffinity(0))
    env = cpu_build_env(3)
    assert env["VLLM_CPU_KVCACHE_SPACE"] == "3"
    if len(cores) < FEW_CORES:
        assert env["VLLM_CPU_OMP_THREADS_BIND"] == ",".join(map(str, cores))
        assert env["VLLM_CPU_NUM_OF_RESERVED_CPU"] == "0"
    else:
        assert "VLLM_CPU_OMP_THREADS_BIND" not in env


def test_cpu_build_env_leaves_the_users_own_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_CPU_OMP_THREADS_BIND", "nobind")
    monkeypatch.setenv("VLLM_CPU_KVCACHE_SPACE", "9")
    env = cpu_build_env(3)
    assert "VLLM_CPU_OMP_THREADS_BIND" not in env and "VLLM_CPU_KVCACHE_SPACE" not in env


@pytest.mark.skipif(INSTALLED, reason="vLLM is installed here")
def test_constructing_without_vllm_is_one_clear_line() -> None:
    with pytest.raises(ModelError) as raised:
        VLLMModel(ModelConfig(backend="vllm", model="Qwen/QwQ-32B"))
    assert str(raised.value) == NOT_INSTALLED


@pytest.mark.slow
@pytest.mark.skipif(not INSTALLED, reason="vLLM is not installed")
def test_a_model_that_cannot_load_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError) as raised:
        VLLMModel(ModelConfig(backend="vllm", model=str(tmp_path)))
    assert str(raised.value).startswith(f"vLLM cannot load {tmp_path}: ")
    assert "\n" not in str(raised.value)


@pytest.mark.slow
def test_loads_in_the_models_own_dtype(engine: VLLMModel) -> None:
    import torch

    assert engine.engine_dtype() == torch.bfloat16  # the QwQ-shaped copy is saved in bf16


@pytest.mark.slow
def test_thinking_then_the_answer_block_not_the_usage_example(engine: VLLMModel) -> None:
    reply = engine.using(scripted(f"{THINKING}</think>\n\n{ANSWER}")).chat(PROBLEM, sampling=SAMPLING)
    assert engine.count_prompt_tokens(PROBLEM) == reply.prompt_tokens  # what the history is fitted by
    assert reply.reasoning == THINKING
    assert reply.text == ANSWER
    assert not reply.thinking_cut
    assert answer_code_block(reply.text) is not None


@pytest.mark.slow
def test_cut_inside_thinking_has_no_answer(engine: VLLMModel) -> None:
    scripted_reply = engine.using(scripted(f"{THINKING}</think>\n\n{ANSWER}"))
    reply = scripted_reply.chat(PROBLEM, sampling=SAMPLING.model_copy(update={"max_tokens": 8}))
    assert reply.thinking_cut
    assert reply.finish_reason == "length"
    assert reply.text == ""
    assert reply.reasoning and THINKING.startswith(reply.reasoning)


@pytest.mark.slow
def test_text_tool_call_parsed_without_a_server(engine: VLLMModel) -> None:
    reply = engine.using(scripted(f"Run it.</think>\n\n{TOOL_CALL}")).chat(PROBLEM, sampling=SAMPLING)
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [("run_python", {"code": "print(2 + 2)"})]
    assert reply.finish_reason == "tool_calls"
    assert reply.text == ""


@pytest.mark.slow
def test_batch_of_conversations_in_one_call(engine: VLLMModel) -> None:
    scripted_reply = engine.using(scripted(f"Short.</think>\n\n{ANSWER}"))
    other = [Message(role="user", content="And once more, please.")]
    replies = scripted_reply.chat_batch([PROBLEM, other], SAMPLING)
    assert [r.text for r in replies] == [ANSWER, ANSWER]
    assert replies[0].prompt_tokens != replies[1].prompt_tokens


@pytest.mark.slow
def test_context_overflow_is_a_clear_error(engine: VLLMModel) -> None:
    long_problem = [Message(role="user", content="word " * (2 * CONTEXT_WINDOW))]
    with pytest.raises(ContextOverflowError) as raised:
        engine.chat(long_problem, sampling=SAMPLING)
    assert raised.value.window == CONTEXT_WINDOW
    assert "\n" not in str(raised.value)


@pytest.mark.slow
def test_every_sampling_value_reaches_vllm(engine: VLLMModel) -> None:
    """min_p and the presence penalty are in the SamplingParams the engine generates with."""
    params = engine._sampling_params(Sampling(top_k=20, min_p=0.05, presence_penalty=1.5, max_tokens=8))
    assert (params.top_k, params.min_p, params.presence_penalty, params.max_tokens) == (20, 0.05, 1.5, 8)
    reply = engine.chat(PROBLEM, sampling=Sampling(min_p=0.05, presence_penalty=1.5, max_tokens=8, seed=0))
    assert 0 < reply.completion_tokens <= 8  # vLLM took them
