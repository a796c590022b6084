"""Which model to use and how to reach it; `load_model` imports only the chosen backend."""

from __future__ import annotations

import importlib

from pydantic import BaseModel, ConfigDict, Field

from agent.models.backends import BACKEND_CLASSES, Backend
from agent.models.base import ChatModel
from agent.models.embedded import EMBEDDED_MODEL


class ModelConfig(BaseModel):
    """A model backend and the model it runs. Holds no secret: only the name of the key's env variable."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    backend: Backend = "transformers"
    """Which backend runs the model: in-process transformers, an OpenAI-compatible server, or in-process vLLM."""
    model: str = EMBEDDED_MODEL
    """A local HF model directory, a .gguf file, or the name a server serves; default: the embedded SmolLM2."""
    base_url: str | None = None
    """Base URL of the OpenAI-compatible server (e.g. http://127.0.0.1:8000/v1); openai backend only."""
    api_key_env: str = "OPENAI_API_KEY"
    """Name of the environment variable holding the API key, read at call time (never the key itself)."""
    device: str = "cpu"
    """Torch device of an in-process model (`cpu`, `cuda`, `cuda:1`)."""
    dtype: str = "float32"
    """Torch dtype of an in-process model's weights (`float32`, `bfloat16`, `float16`)."""
    timeout_s: float = Field(600.0, gt=0)
    """Seconds one call to a server may take before it is abandoned."""


def load_model(config: ModelConfig) -> ChatModel:
    """Build the configured backend, importing its module (and its heavy dependencies) only now."""
    module_name, class_name = BACKEND_CLASSES[config.backend]
    backend = getattr(importlib.import_module(module_name), class_name)
    model: ChatModel = backend(config)
    return model
