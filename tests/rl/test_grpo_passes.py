"""A GRPO step's completions go through accumulated passes of `micro_batch` sequences: one generation and one
optimizer step still see whole groups (TRL's own GRPOConfig checks the arithmetic)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

pytest.importorskip("trl")

from rl.agent_rollout import MultiTurnSettings
from rl.grpo import GrpoSettings, grpo_config
from tests.support.cli_process import sandloop


def settings(tmp_path: Path, **fields: object) -> GrpoSettings:
    return GrpoSettings.model_validate(
        {"model_dir": tmp_path, "out": tmp_path / "out", "prompts_per_step": 2, "num_generations": 4} | fields
    )


def test_single_turn_takes_the_step_in_one_pass(tmp_path: Path) -> None:
    config = grpo_config(settings(tmp_path))
    assert (config.per_device_train_batch_size, config.gradient_accumulation_steps) == (8, 1)
    assert config.generation_batch_size == 8


def test_multi_turn_episodes_go_through_in_passes_of_two(tmp_path: Path) -> None:
    config = grpo_config(settings(tmp_path, multi_turn=MultiTurnSettings()))
    assert (config.per_device_train_batch_size, config.gradient_accumulation_steps) == (2, 4)
    assert (config.generation_batch_size, config.steps_per_generation) == (8, 4)  # one generation per step


def test_a_micro_batch_must_divide_the_step(tmp_path: Path) -> None:
    config = grpo_config(settings(tmp_path, micro_batch=4))
    assert (config.per_device_train_batch_size, config.gradient_accumulation_steps) == (4, 2)
    with pytest.raises(ValidationError, match="micro_batch 3 does not divide the 8 completions"):
        settings(tmp_path, micro_batch=3)


def test_train_grpo_says_in_one_line_when_the_micro_batch_does_not_divide(tmp_path: Path) -> None:
    done = sandloop("train", "grpo", "--steps", "1", "--prompts-per-step", "1", "-n", "4", "--micro-batch", "3",
                   "--out", str(tmp_path / "out"))  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: micro_batch 3 does not divide the 4 completions of a step (prompts_per_step x num_generations)"
    )
