"""The transformers backend's one-line errors, before any weights load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.models.config import ModelConfig
from agent.models.errors import ModelError
from agent.models.transformers_backend import TransformersModel


def test_missing_model_directory(tmp_path: Path) -> None:
    missing = tmp_path / "QwQ-32B"
    with pytest.raises(ModelError, match=re.escape(str(missing))):
        TransformersModel(ModelConfig(model=str(missing)))
