from __future__ import annotations

import importlib.util

import pytest

from agent.models.config import ModelConfig, load_model
from agent.models.errors import ModelError
from agent.models.vllm_backend import VLLMModel

pytestmark = pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")

EXPECTED = "vLLM is not installed: pip install 'sandloop[vllm]' (it needs a GPU)"


def test_constructing_without_vllm_is_one_clear_line() -> None:
    with pytest.raises(ModelError) as raised:
        VLLMModel(ModelConfig(backend="vllm", model="Qwen/QwQ-32B"))
    assert str(raised.value) == EXPECTED


def test_load_model_reports_the_same() -> None:
    with pytest.raises(ModelError) as raised:
        load_model(ModelConfig(backend="vllm"))
    assert str(raised.value) == EXPECTED
