"""GGUF files dequantized once into a plain Hugging Face directory, so later loads take a fraction of a second.

Loading a GGUF through transformers dequantizes every tensor (~25 s even for 135M parameters); the copy under
`${SANDLOOP_CACHE:-~/.cache/sandloop}/models/<stem>-<hash>/` loads like any saved model. The hash is of the
file's bytes, so a changed file gets a fresh copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from agent.models.errors import ModelError


def cache_root() -> Path:
    """Where dequantized models live."""
    base = os.environ.get("SANDLOOP_CACHE") or str(Path.home() / ".cache" / "sandloop")
    return Path(base).expanduser() / "models"


@lru_cache(maxsize=32)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    # keyed on size and mtime too, so a file replaced in place is hashed again
    # sha256, the hash the embedded catalogue pins: a model found by path and by name share one copy
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()[:12]


def file_hash(path: Path) -> str:
    """Short hash of the file's bytes (12 hex digits)."""
    stat = path.stat()
    return _digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def cache_dir_for(gguf: Path, key: str | None = None) -> Path:
    """The directory the dequantized copy of `gguf` lives (or would live) in; `key` (a known hash of the
    file) saves hashing it."""
    return cache_root() / f"{gguf.stem}-{key or file_hash(gguf)}"


def dequantized_dir(gguf: Path, key: str | None = None) -> Path:
    """A plain HF directory holding `gguf` dequantized; built on first use."""
    if not gguf.is_file():
        raise ModelError(f"no GGUF model file at {gguf}")
    target = cache_dir_for(gguf, key)
    if not (target / "config.json").is_file():
        _build(gguf, target)
    return target


def _build(gguf: Path, target: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local file: nothing may be fetched from a hub
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    # written next to the target, then renamed: a crash never leaves a half-written cache behind
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
        # the weights are plain tensors now: save them as an unquantized model of the same architecture
        vars(model).pop("hf_quantizer", None)  # back to the class default: not quantized
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.config.architectures = [type(model).__name__]
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        staging.chmod(0o755)  # mkdtemp made it private; the cache is readable like any model directory
        try:
            staging.rename(target)
        except OSError:
            if not (target / "config.json").is_file():
                raise
            shutil.rmtree(staging)  # another process finished the same copy first
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
