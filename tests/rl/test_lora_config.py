"""The LoRA settings of `sandloop train`: what reaches peft, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

pytest.importorskip("peft")

from rl.training import LoraSettings, TrainingRun, peft_config  # only once peft is known to import


def run(lora: LoraSettings | None) -> TrainingRun:
    return TrainingRun(model_dir=Path("model"), out=Path("out"), lora=lora)


def test_full_fine_tuning_has_no_peft_config() -> None:
    assert peft_config(run(None)) is None


def test_a_rank_gives_a_causal_lm_lora_on_every_linear_layer_scaled_by_twice_the_rank() -> None:
    config = peft_config(run(LoraSettings(rank=8)))
    assert (config.r, config.lora_alpha, config.lora_dropout) == (8, 16, 0.0)
    assert config.target_modules == "all-linear"
    assert config.task_type == "CAUSAL_LM"
    chosen = peft_config(run(LoraSettings(rank=4, alpha=4, target_modules=["q_proj", "v_proj"])))
    assert chosen.lora_alpha == 4 and set(chosen.target_modules) == {"q_proj", "v_proj"}


@pytest.mark.parametrize("fields", [{"rank": 0}, {"rank": 4, "dropout": 1.0}, {"rank": 4, "alpha": 0}])
def test_impossible_settings_are_refused(fields: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        LoraSettings.model_validate(fields)
