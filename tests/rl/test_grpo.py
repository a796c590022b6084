"""A real GRPOTrainer run (TRL, CPU, the embedded SmolLM2) rewarded through the sandbox, and its outputs."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from sandbox import SandboxPool

pytest.importorskip("trl")

from rl.grpo import GrpoOutcome, GrpoSettings, run_grpo  # only once TRL is known to import

pytestmark = [pytest.mark.slow, pytest.mark.docker]

STEPS = 2


@pytest.fixture(scope="module")
def run(pool: SandboxPool, tmp_path_factory: pytest.TempPathFactory) -> tuple[GrpoOutcome, str]:
    """Two optimizer steps of 1 prompt x 2 completions of at most 32 tokens: the smallest real run."""
    from agent.models.embedded import TINY_MODEL, embedded_model_dir
    from tasks.generated import generated_suite

    settings = GrpoSettings(
        model_dir=embedded_model_dir(TINY_MODEL),
        out=tmp_path_factory.mktemp("grpo"),
        steps=STEPS,
        num_generations=2,
        prompts_per_step=1,
        max_completion_length=32,
        save_steps=1,
    )
    printed = io.StringIO()
    outcome = run_grpo(settings, generated_suite("train")[:4], pool, Console(file=printed, width=200))
    return outcome, printed.getvalue()


def test_the_trainer_logged_the_sandbox_reward_every_step(run: tuple[GrpoOutcome, str]) -> None:
    outcome, _ = run
    steps = [row for row in outcome.log_history if "reward" in row]
    assert [row["step"] for row in steps] == list(range(1, STEPS + 1))
    for row in steps:
        mean = row["rewards/sandbox_reward/mean"]
        assert 0.0 <= mean <= 1.0
        assert row["reward"] == pytest.approx(mean)  # the one reward function is the whole reward
        assert 0.0 <= row["sandbox/pass_rate"] <= 1.0
        assert "loss" in row


def test_progress_was_printed_and_written_as_log_and_plot(run: tuple[GrpoOutcome, str]) -> None:
    outcome, printed = run
    rows = [json.loads(line) for line in outcome.log.read_text().splitlines()]
    assert [row["step"] for row in rows] == list(range(1, STEPS + 1))
    assert all("rewards/sandbox_reward/mean" in row and "loss" in row for row in rows)
    assert [line.split()[1] for line in printed.splitlines() if line.startswith("step")] == [
        f"{step}/{STEPS}" for step in range(1, STEPS + 1)
    ]
    assert outcome.curve is not None
    assert outcome.curve.read_bytes().startswith(b"\x89PNG")


def test_checkpoints_and_the_final_model_load_with_the_transformers_backend(
    run: tuple[GrpoOutcome, str],
) -> None:
    from agent.messages import Message
    from agent.models.base import Sampling
    from agent.models.config import ModelConfig, load_model

    outcome, _ = run
    checkpoints = sorted(outcome.final_dir.parent.glob("checkpoint-*"))
    assert [path.name for path in checkpoints] == [f"checkpoint-{step}" for step in range(1, STEPS + 1)]
    for directory in [checkpoints[-1], outcome.final_dir]:
        assert (directory / "config.json").is_file() and (directory / "tokenizer_config.json").is_file()
        model = load_model(ModelConfig(backend="transformers", model=str(directory)))
        reply = model.chat(
            [Message(role="user", content="Write add(a, b) in Python.")],
            sampling=Sampling(temperature=0.0, max_tokens=12),
        )
        assert reply.completion_tokens > 0
        assert reply.text.strip()


def test_grpo_with_lora_saves_the_adapter_and_a_plain_final_model(
    pool: SandboxPool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from agent.models.embedded import TINY_MODEL, embedded_model_dir
    from rl.training import LoraSettings
    from tasks.generated import generated_suite

    settings = GrpoSettings(
        model_dir=embedded_model_dir(TINY_MODEL),
        out=tmp_path_factory.mktemp("grpo-lora"),
        steps=1,
        num_generations=2,
        prompts_per_step=1,
        max_completion_length=16,
        lora=LoraSettings(rank=2),
    )
    outcome = run_grpo(settings, generated_suite("train")[:2], pool, Console(file=io.StringIO()))
    adapter = json.loads((settings.out / "adapter" / "adapter_config.json").read_text())
    assert (
        adapter["r"] == 2 and adapter["target_modules"]
    )  # peft resolved all-linear to the layers it adapted
    assert (outcome.final_dir / "model.safetensors").is_file()
    assert not (outcome.final_dir / "adapter_config.json").exists()
    assert [row["step"] for row in map(json.loads, outcome.log.read_text().splitlines())] == [1]
