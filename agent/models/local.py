"""Where the in-process backends find weights: a HF directory, a .gguf file, or the embedded model."""

from __future__ import annotations

from pathlib import Path

from agent.models.embedded import embedded, embedded_model_dir
from agent.models.errors import ModelError
from agent.models.gguf_cache import dequantized_dir


def is_embedded(model: str) -> bool:
    """`model` names an embedded model (`embedded:...`, or a short name that is not also a path)."""
    return model.startswith("embedded:") or (embedded(model) is not None and not Path(model).exists())


def local_model_dir(model: str) -> Path:
    """A loadable HF directory for `model` (an embedded model's name, a directory, or a .gguf file, which is
    dequantized into the cache first)."""
    if is_embedded(model):
        return embedded_model_dir(model)
    path = Path(model).expanduser()
    if path.suffix == ".gguf":
        return dequantized_dir(path)
    if not path.is_dir():
        raise ModelError(f"no model directory at {path}")
    if not (path / "config.json").is_file():
        raise ModelError(f"no config.json in {path}: not a Hugging Face model directory")
    return path
