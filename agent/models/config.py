"""Which model to use and how to reach it; `load_model` imports only the chosen backend."""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.models.backends import BACKEND_CLASSES, Backend
from agent.models.base import ChatModel
from agent.models.embedded import default_model


class VLLMEngine(BaseModel):
    """Settings of an in-process vLLM engine (`vllm.LLM`); unset ones keep vLLM's defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    max_model_len: int | None = Field(None, ge=1)
    """Context window in tokens (prompt + reply); default: the model's own."""
    tensor_parallel_size: int = Field(1, ge=1)
    """GPUs the weights are split over."""
    gpu_memory_utilization: float | None = Field(None, gt=0, le=1)
    """Fraction of each GPU's memory vLLM may take (weights and KV cache)."""
    quantization: str | None = None
    """Quantization method of the weights (`awq`, `gptq`, `fp8`, ...); default: what the model declares."""
    tokenizer: str | None = None
    """Tokenizer name or directory, when not the model's own."""
    enforce_eager: bool = False
    """Skip CUDA-graph capture: slower decoding, faster start, less memory."""
    enable_chunked_prefill: bool | None = None
    """Split long prompts over engine steps; default: vLLM's, except off on its CPU build (there a seeded
    request whose prompt is split kills the engine: "CPU Generator does not use offset")."""


class ModelConfig(BaseModel):
    """A model backend and the model it runs. Holds no secret: only the name of the key's env variable."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    backend: Backend = "transformers"
    """Which backend runs the model: in-process transformers, an OpenAI-compatible server, or in-process vLLM."""
    model: str = Field(default_factory=default_model)
    """An embedded model's name, a local HF model directory, a .gguf file, or the name a server serves;
    default: `$SANDLOOP_MODEL`, else the embedded Qwen2.5-Coder-0.5B-Instruct."""
    base_url: str | None = None
    """Base URL of the OpenAI-compatible server (e.g. http://127.0.0.1:8000/v1); openai backend only."""
    api_key_env: str = "OPENAI_API_KEY"
    """Name of the environment variable holding the API key, read at call time (never the key itself)."""
    device: str = "cpu"
    """Torch device of an in-process model (`cpu`, `cuda`, `cuda:1`)."""
    dtype: str = "float32"
    """Torch dtype of an in-process model's weights (`float32`, `bfloat16`, `float16`); vllm: the model's own
    (`auto`) unless set."""
    timeout_s: float = Field(600.0, gt=0)
    """Seconds one call to a server may take before it is abandoned."""
    preset: str | None = None
    """The model preset's name (agent.models.presets); None: recognised from the model's name. The openai
    backend reads from it whether the template opens `<think>` when the server cannot tell."""
    vllm: VLLMEngine = Field(default_factory=VLLMEngine)
    """Engine settings of the in-process vllm backend."""
    request_extras: dict[str, Any] = Field(default_factory=dict)
    """Extra fields of every request, as vLLM takes them: `structured_outputs` (a grammar: `regex`, `json`,
    `grammar`, ...) or `chat_template_kwargs`; sent as-is by the openai backend."""


def load_model(config: ModelConfig) -> ChatModel:
    """Build the configured backend, importing its module (and its heavy dependencies) only now."""
    module_name, class_name = BACKEND_CLASSES[config.backend]
    backend = getattr(importlib.import_module(module_name), class_name)
    model: ChatModel = backend(config)
    return model
