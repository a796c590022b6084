from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from agent.models.config import ModelConfig, load_model
from agent.models.embedded import DEFAULT_MODEL, MODEL_ENV, TINY_MODEL
from agent.models.openai_backend import OpenAIModel

ROOT = Path(__file__).resolve().parents[3]


def test_the_default_model_is_the_embedded_qwen_coder_unless_the_environment_names_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(MODEL_ENV, TINY_MODEL)
    assert ModelConfig().model == TINY_MODEL
    monkeypatch.delenv(MODEL_ENV)
    config = ModelConfig()
    assert DEFAULT_MODEL == "embedded:Qwen2.5-Coder-0.5B-Instruct"
    assert (config.backend, config.model, config.device, config.dtype) == (
        "transformers",
        DEFAULT_MODEL,
        "cpu",
        "float32",
    )
    assert config.api_key_env == "OPENAI_API_KEY"


def test_config_rejects_unknown_fields_and_backends() -> None:
    with pytest.raises(ValidationError):
        ModelConfig.model_validate({"backend": "openai", "api_key": "sk-secret"})
    with pytest.raises(ValidationError):
        ModelConfig.model_validate({"backend": "llamacpp"})


def test_every_field_is_documented() -> None:
    for name, info in ModelConfig.model_fields.items():
        assert info.description, f"ModelConfig.{name} has no docstring"


def test_load_model_imports_only_the_chosen_backend() -> None:
    # a fresh interpreter: this test process may have imported torch already
    script = (
        "import json, sys\n"
        "from agent.models.config import ModelConfig, load_model\n"
        "before = {m: m in sys.modules for m in ('torch', 'transformers', 'openai')}\n"
        "model = load_model(ModelConfig(backend='openai', model='served', base_url='http://127.0.0.1:9/v1'))\n"
        "after = {m: m in sys.modules for m in ('torch', 'transformers', 'agent.models.transformers_backend')}\n"
        "print(json.dumps({'class': type(model).__name__, 'before': before, 'after': after}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["class"] == "OpenAIModel"
    assert not any(seen["before"].values()), seen
    assert not any(seen["after"].values()), seen


def test_load_model_builds_the_openai_backend() -> None:
    model = load_model(ModelConfig(backend="openai", model="qwq-32b", base_url="http://127.0.0.1:9/v1/"))
    assert isinstance(model, OpenAIModel)
    assert model.name == "qwq-32b"
    assert model.base_url == "http://127.0.0.1:9/v1"
