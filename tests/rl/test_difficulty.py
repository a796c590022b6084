"""The GRPO task filter (`rl.difficulty`): pass rates measured through the evaluation path with a real model
and the sandbox, saved and reused, and the tasks strictly between the bounds kept."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from agent.models.embedded import TINY_MODEL, embedded_model_dir
from rl.difficulty import PassRates, cached_pass_rates, weights_stamp, with_signal
from rl.heldout import EvalSettings
from sandbox import SandboxPool
from tasks.generated import generated_suite

TASKS = generated_suite("train")[:3]


def test_tasks_strictly_between_the_bounds_are_kept() -> None:
    rates = PassRates(
        model_dir="m", settings=EvalSettings(), rates={TASKS[0].id: 0.0, TASKS[1].id: 0.5, TASKS[2].id: 1.0}
    )
    assert with_signal(TASKS, rates) == [TASKS[1]]
    assert with_signal(TASKS, rates, low=-1.0) == [TASKS[0], TASKS[1]]


@pytest.mark.docker
def test_rates_are_measured_once_and_reused_when_measured_the_same_way(
    pool: SandboxPool, tmp_path: Path
) -> None:
    model_dir = embedded_model_dir(TINY_MODEL)
    settings = EvalSettings(samples=2, max_tokens=48)
    path = tmp_path / "rates.json"
    measured = cached_pass_rates(path, model_dir, TASKS, pool, settings)
    assert set(measured.rates) == {task.id for task in TASKS}
    assert all(rate in (0.0, 0.5, 1.0) for rate in measured.rates.values())  # 2 draws a task
    saved = path.stat().st_mtime_ns
    assert cached_pass_rates(path, model_dir, TASKS[:2], pool, settings) == measured
    assert path.stat().st_mtime_ns == saved  # read, not measured again
    other = cached_pass_rates(path, model_dir, TASKS[:1], pool, settings.model_copy(update={"samples": 1}))
    assert other.settings.samples == 1 and set(other.rates) == {TASKS[0].id}
    assert path.stat().st_mtime_ns != saved


@pytest.mark.docker
def test_a_model_trained_again_in_the_same_directory_is_measured_again(
    pool: SandboxPool, tmp_path: Path
) -> None:
    model_dir = tmp_path / "final"
    shutil.copytree(embedded_model_dir(TINY_MODEL), model_dir)
    settings = EvalSettings(samples=1, max_tokens=32)
    path = tmp_path / "rates.json"
    first = cached_pass_rates(path, model_dir, TASKS[:1], pool, settings)
    assert first.weights == weights_stamp(model_dir) and "model.safetensors:" in first.weights
    weights = model_dir / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 1_000_000_000))
    saved = path.stat().st_mtime_ns
    again = cached_pass_rates(path, model_dir, TASKS[:1], pool, settings)
    assert path.stat().st_mtime_ns != saved  # measured anew, not read
    assert again.weights == weights_stamp(model_dir) != first.weights
