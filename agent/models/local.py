"""Where the in-process backends find weights: a HF directory, a .gguf file, or the embedded model."""

from __future__ import annotations

from pathlib import Path

from agent.models.embedded import EMBEDDED_MODEL, embedded_model_dir
from agent.models.errors import ModelError
from agent.models.gguf_cache import dequantized_dir


def local_model_dir(model: str) -> Path:
    """A loadable HF directory for `model`; a .gguf file is dequantized into the cache first."""
    if model == EMBEDDED_MODEL:
        return embedded_model_dir()
    path = Path(model).expanduser()
    if path.suffix == ".gguf":
        return dequantized_dir(path)
    if not path.is_dir():
        raise ModelError(f"no model directory at {path}")
    if not (path / "config.json").is_file():
        raise ModelError(f"no config.json in {path}: not a Hugging Face model directory")
    return path
