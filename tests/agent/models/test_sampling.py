from __future__ import annotations

import pytest

from agent.models.base import Sampling
from agent.models.embedded import EMBEDDED_MODEL
from agent.models.sampling import check_sampling, preset_for


@pytest.mark.parametrize(
    ("name", "temperature", "top_p", "top_k"),
    [
        ("Qwen/QwQ-32B", 0.6, 0.95, 40),
        ("/models/qwq-32b-q4_k_m.gguf", 0.6, 0.95, 40),
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", 0.6, 0.95, 0),
        ("Qwen/Qwen2.5-Coder-7B-Instruct", 0.7, 0.8, 20),
        ("HuggingFaceTB/SmolLM2-135M-Instruct", 0.2, 0.9, 50),
        (EMBEDDED_MODEL, 0.2, 0.9, 50),
        ("meta-llama/Llama-3.1-8B-Instruct", 0.6, 0.95, 40),
        ("Qwen/Qwen2.5-Coder-7B", 0.6, 0.95, 40),  # a base model is not the instruct preset
    ],
)
def test_presets_per_family(name: str, temperature: float, top_p: float, top_k: int) -> None:
    preset = preset_for(name)
    assert (preset.temperature, preset.top_p, preset.top_k) == (temperature, top_p, top_k)


def test_preset_overrides_keep_the_rest() -> None:
    preset = preset_for("Qwen/QwQ-32B").model_copy(update={"max_tokens": 32768, "seed": 7})
    assert (preset.temperature, preset.top_p, preset.top_k) == (0.6, 0.95, 40)
    assert (preset.max_tokens, preset.seed) == (32768, 7)
    assert isinstance(preset, Sampling)


def test_qwq_is_never_greedy() -> None:
    with pytest.raises(ValueError, match="greedily") as raised:
        preset_for("Qwen/QwQ-32B").model_copy(update={"temperature": 0})
    assert "\n" not in str(raised.value)
    with pytest.raises(ValueError, match="greedily"):
        check_sampling("Qwen/QwQ-32B", Sampling(temperature=0.0))


def test_other_families_may_be_greedy() -> None:
    greedy = preset_for("Qwen/Qwen2.5-Coder-7B-Instruct").model_copy(update={"temperature": 0.0})
    assert greedy.temperature == 0.0
    check_sampling("Qwen/Qwen2.5-Coder-7B-Instruct", greedy)
