from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.models.errors import ModelError
from agent.models.gguf_cache import cache_dir_for, cache_root, file_hash
from agent.models.local import local_model_dir


def test_missing_directory_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelError, match=re.escape(f"no model directory at {missing}") + "$"):
        local_model_dir(str(missing))


def test_directory_without_config(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=re.escape(f"no config.json in {tmp_path}")):
        local_model_dir(str(tmp_path))


def test_missing_gguf_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "model.Q4_K_M.gguf"
    with pytest.raises(ModelError, match=re.escape(f"no GGUF model file at {missing}") + "$"):
        local_model_dir(str(missing))


def test_cache_dir_is_named_by_stem_and_content_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDLOOP_CACHE", str(tmp_path / "cache"))
    gguf = tmp_path / "tiny.Q8_0.gguf"
    gguf.write_bytes(b"GGUF one")
    first = cache_dir_for(gguf)
    assert first.parent == cache_root() == tmp_path / "cache" / "models"
    assert first.name == f"tiny.Q8_0-{file_hash(gguf)}"
    gguf.write_bytes(b"GGUF two, longer")
    assert cache_dir_for(gguf) != first  # new bytes, new copy
