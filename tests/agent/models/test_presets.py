"""Model presets by family: recognised from the name, their cards' values, overrides that keep the rest, and
the one no-greedy rule for QwQ."""

from __future__ import annotations

import pytest

from agent.config import AgentConfig
from agent.models.base import Sampling
from agent.models.embedded import DEFAULT_MODEL, TINY_MODEL
from agent.models.presets import (
    GREEDY_REFUSED,
    PRESETS,
    PresetOverrides,
    check_sampling,
    family_of,
    preset_for,
    resolve_preset,
)


@pytest.mark.parametrize(
    ("name", "family", "temperature", "top_p", "top_k"),
    [
        ("Qwen/QwQ-32B", "qwq", 0.6, 0.95, 40),
        ("/models/qwq-32b-q4_k_m.gguf", "qwq", 0.6, 0.95, 40),
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "deepseek-r1-distill", 0.6, 0.95, 0),
        ("Qwen/Qwen3-8B", "qwen3", 0.6, 0.95, 20),
        ("Qwen/Qwen2.5-Coder-7B-Instruct", "qwen2.5-coder", 0.7, 0.8, 20),
        (DEFAULT_MODEL, "qwen2.5-coder", 0.7, 0.8, 20),
        ("embedded:Qwen2.5-Coder-1.5B-Instruct", "qwen2.5-coder", 0.7, 0.8, 20),
        ("HuggingFaceTB/SmolLM2-135M-Instruct", "smollm2", 0.2, 0.9, 50),
        (TINY_MODEL, "smollm2", 0.2, 0.9, 50),
        ("meta-llama/Llama-3.1-8B-Instruct", "generic", 0.6, 0.95, 40),
        ("Qwen/Qwen2.5-Coder-7B", "generic", 0.6, 0.95, 40),  # a base model is not the instruct preset
    ],
)
def test_presets_per_family(name: str, family: str, temperature: float, top_p: float, top_k: int) -> None:
    assert family_of(name) == family
    preset = resolve_preset(name)
    assert preset.name == family
    assert (preset.sampling.temperature, preset.sampling.top_p, preset.sampling.top_k) == (
        temperature,
        top_p,
        top_k,
    )
    assert preset_for(name) == preset.sampling


def test_reasoning_families_follow_their_cards() -> None:
    qwq, r1, qwen3 = PRESETS["qwq"], PRESETS["deepseek-r1-distill"], PRESETS["qwen3"]
    for preset in (qwq, r1, qwen3):
        assert preset.sampling.max_tokens == 32768  # the cards' output length; the context window bounds it
        assert preset.sampling.min_p == 0.0 and not preset.plan
    assert qwq.opens_thinking and r1.opens_thinking and not qwen3.opens_thinking
    assert not r1.system_prompt and qwq.system_prompt  # the R1 card: every instruction in the user prompt
    assert qwq.never_greedy and not r1.never_greedy
    embedded = PRESETS["smollm2"]
    assert (embedded.sampling.max_tokens, embedded.plan, embedded.max_seconds) == (512, False, 600.0)


def test_a_named_preset_wins_over_the_family_and_an_unknown_one_is_one_line() -> None:
    assert resolve_preset(TINY_MODEL, "qwq").name == "qwq"
    with pytest.raises(ValueError, match="--preset 'nope': expected one of qwq, ") as raised:
        resolve_preset(TINY_MODEL, "nope")
    assert "\n" not in str(raised.value)


def test_overrides_win_and_keep_the_rest() -> None:
    overrides = PresetOverrides(temperature=0.9, max_tokens=1024, min_p=0.05, plan=True, max_seconds=60)
    preset = resolve_preset("Qwen/QwQ-32B").with_overrides(overrides)
    assert (preset.name, preset.sampling.temperature, preset.sampling.top_p) == ("qwq", 0.9, 0.95)
    assert (preset.sampling.max_tokens, preset.sampling.min_p, preset.plan, preset.max_seconds) == (
        1024,
        0.05,
        True,
        60,
    )
    config = AgentConfig.from_preset(preset, max_steps=4, max_total_tokens=None)
    assert (config.preset, config.sampling.temperature, config.max_total_tokens) == ("qwq", 0.9, 4096)
    assert (config.plan, config.system_prompt, config.max_seconds) == (True, True, 60)


def test_a_bad_override_is_one_line_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"^top_p: ") as raised:
        PRESETS["generic"].with_overrides(PresetOverrides(top_p=1.5))
    assert "\n" not in str(raised.value)


def test_qwq_is_never_greedy() -> None:
    with pytest.raises(ValueError) as raised:
        resolve_preset("Qwen/QwQ-32B").with_overrides(PresetOverrides(temperature=0))
    assert str(raised.value) == GREEDY_REFUSED and "\n" not in GREEDY_REFUSED
    with pytest.raises(ValueError, match="greedily"):
        check_sampling("Qwen/QwQ-32B", Sampling(temperature=0.0))


def test_other_families_may_be_greedy() -> None:
    greedy = resolve_preset("Qwen/Qwen2.5-Coder-7B-Instruct").with_overrides(PresetOverrides(temperature=0))
    assert greedy.sampling.temperature == 0.0
    check_sampling("Qwen/Qwen2.5-Coder-7B-Instruct", greedy.sampling)
