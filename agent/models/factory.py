"""The model of a batch run, built from its config: a real backend, or the oracle (infrastructure only)."""

from __future__ import annotations

from agent.models.backends import ORACLE
from agent.models.base import ChatModel
from tasks.spec import TaskSpec


def build_model(backend: str, model: str | None, base_url: str | None, tasks: list[TaskSpec]) -> ChatModel:
    """The model, probed: an endpoint that does not answer fails here, before any sample (and the probe
    learns the context window). Raises ModelError (a RuntimeError) or ValueError, one line, when it cannot."""
    if backend == ORACLE:
        from agent.models.oracle import OracleModel

        return OracleModel(tasks)
    from agent.models.config import ModelConfig, load_model

    fields = {"backend": backend, "base_url": base_url} | ({"model": model} if model else {})
    built = load_model(ModelConfig.model_validate(fields))
    built.probe()
    return built
