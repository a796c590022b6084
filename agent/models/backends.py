"""The one list of model backends, read by the model factory and the command line (standard library only:
the commands' `--help` stays fast)."""

from __future__ import annotations

from typing import Literal, get_args

Backend = Literal["transformers", "openai", "vllm"]
BACKEND_NAMES: tuple[str, ...] = get_args(Backend)

BACKEND_CLASSES: dict[str, tuple[str, str]] = {
    "transformers": ("agent.models.transformers_backend", "TransformersModel"),
    "openai": ("agent.models.openai_backend", "OpenAIModel"),
    "vllm": ("agent.models.vllm_backend", "VLLMModel"),
}
"""Module and class of each backend, imported on demand: torch, openai and vllm are heavy or optional."""

ORACLE = "oracle"
"""Answers with each task's reference solution: batch runs only, to measure the infrastructure."""

BACKENDS_HELP = " | ".join(BACKEND_NAMES) + "."


def check_backend(name: str, *, oracle: bool = False) -> str:
    """`name` when it is a backend (or, with `oracle`, the oracle); else ValueError naming the choices."""
    known = (*BACKEND_NAMES, ORACLE) if oracle else BACKEND_NAMES
    if name not in known:
        shown = [
            choice for choice in known if choice != ORACLE
        ]  # the oracle stays out of the help on purpose
        raise ValueError(f"--backend {name!r}: expected {', '.join(shown[:-1])} or {shown[-1]}")
    return name
