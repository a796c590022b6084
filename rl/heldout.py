"""Mean reward and pass@1 of a model directory on a set of tasks: batched sampling, graded by the sandbox.

Two engines: transformers, batched with left padding (one `generate` call for many prompts: on a CPU several
times faster than one call per prompt), or vLLM (`backend="vllm"`: every draw handed to one engine at once, the
path of `sandloop run`; the engine is stopped before `evaluate` returns, so training can follow in the same
process). pass@1 is the unbiased
estimate from `samples` draws per task: the fraction of all draws that pass. A completion the sandbox could not
grade (an infrastructure error left after the reward's retries) counts as 0: it is rare, and the mean stays over
every draw.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.messages import Message
from agent.models.base import Sampling
from agent.models.presets import PRESETS, ModelPreset
from agent.prompts import first_messages
from agent.seeds import derived_seed
from rl.rewards import SandboxReward, Score
from sandbox import Sandbox
from tasks.spec import TaskSpec


class EvalSettings(BaseModel):
    """How the held-out tasks are sampled."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sampling: Sampling = Field(default_factory=lambda: PRESETS["smollm2"].sampling)
    """Default: the embedded SmolLM2's preset (agent.models.presets); `max_tokens` below bounds a reply."""
    max_tokens: int = Field(96, ge=1)
    samples: int = Field(1, ge=1)
    """Draws per task."""
    batch_size: int = Field(16, ge=1)
    """Prompts per `generate` call (transformers)."""
    seed: int = 0
    """transformers: the torch seed of the whole evaluation; vllm: draw j of every task is seeded
    `derived_seed(seed, j)` (agent.seeds: `seed` itself for the first)."""
    backend: Literal["transformers", "vllm"] = "transformers"
    dtype: str = "bfloat16"
    """Weights' dtype in the vllm engine (the same for the base and a trained model: their figures compare)."""

    @classmethod
    def from_preset(cls, preset: ModelPreset, **fields: Any) -> EvalSettings:
        """Sampled as the model's preset says (its reply limit included), unless `fields` say otherwise."""
        return cls(**{"sampling": preset.sampling, "max_tokens": preset.sampling.max_tokens, **fields})


class EvalResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tasks: int
    completions: int
    mean_reward: float
    pass_at_1: float
    no_answer: float
    """Fraction of completions without a fenced Python block."""


def generate(
    model: Any, tokenizer: Any, prompts: Sequence[list[dict[str, str]]], settings: EvalSettings
) -> list[str]:
    """`settings.samples` completions per prompt, prompt by prompt in order."""
    import torch

    tokenizer.padding_side = "left"  # decoder-only: new tokens must follow each prompt directly
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    sampling, outputs = settings.sampling, []
    torch.manual_seed(settings.seed)
    for start in range(0, len(prompts), settings.batch_size):
        texts = [
            tokenizer.apply_chat_template(list(p), add_generation_prompt=True, tokenize=False)
            for p in prompts[start : start + settings.batch_size]
        ]
        # the chat template already holds the special tokens: add none
        inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(
            model.device
        )
        greedy = sampling.temperature <= 0
        with torch.inference_mode():
            output = model.generate(
                **inputs,
                max_new_tokens=settings.max_tokens,
                do_sample=not greedy,
                temperature=None if greedy else sampling.temperature,
                top_p=None if greedy else sampling.top_p,
                top_k=None if greedy else (sampling.top_k or None),
                num_return_sequences=settings.samples,
                pad_token_id=tokenizer.pad_token_id,
            )
        new = output[:, inputs["input_ids"].shape[-1] :]
        outputs.extend(tokenizer.batch_decode(new, skip_special_tokens=True))
    return outputs


def generate_vllm(
    model_dir: Path, prompts: Sequence[list[dict[str, str]]], settings: EvalSettings
) -> list[str]:
    """`settings.samples` completions per prompt, prompt by prompt in order, from one vLLM engine (stopped
    after)."""
    from agent.models.config import ModelConfig
    from agent.models.vllm_backend import VLLMModel

    model = VLLMModel(ModelConfig(backend="vllm", model=str(model_dir), dtype=settings.dtype))
    try:
        conversations = [
            [Message.model_validate(m) for m in p] for p in prompts for _ in range(settings.samples)
        ]
        samplings = [
            settings.sampling.model_copy(
                update={"max_tokens": settings.max_tokens, "seed": derived_seed(settings.seed, draw)}
            )
            for _ in prompts
            for draw in range(settings.samples)
        ]
        return [reply.text for reply in model.chat_batch(conversations, samplings)]
    finally:
        model.close()


def load_for_eval(model_dir: Path) -> tuple[Any, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True).eval()
    return model, tokenizer


def evaluate(
    model_dir: Path, tasks: Sequence[TaskSpec], pool: Sandbox, settings: EvalSettings | None = None
) -> EvalResult:
    """Sample every task `settings.samples` times and grade each completion on its hidden tests."""
    settings = settings or EvalSettings()
    return summarize(tasks, sample_and_score(model_dir, tasks, pool, settings))


def sample_and_score(
    model_dir: Path, tasks: Sequence[TaskSpec], pool: Sandbox, settings: EvalSettings
) -> list[Score]:
    """`settings.samples` graded completions per task, task by task in order."""
    prompts = [first_messages(task) for task in tasks]
    if settings.backend == "vllm":
        completions = generate_vllm(model_dir, prompts, settings)
    else:
        model, tokenizer = load_for_eval(model_dir)
        completions = generate(model, tokenizer, prompts, settings)
    return score_draws(tasks, completions, pool, settings.samples)


def score_draws(
    tasks: Sequence[TaskSpec], completions: Sequence[str], pool: Sandbox, samples: int = 1
) -> list[Score]:
    """Each of `samples` completions per task (task by task, in order) graded and rewarded by the one reward
    (rl/rewards.py) with the default settings."""
    graded = [task for task in tasks for _ in range(samples)]
    return SandboxReward(pool).score(graded, completions)


def summarize(tasks: Sequence[TaskSpec], scores: Sequence[Score]) -> EvalResult:
    count = max(len(scores), 1)
    return EvalResult(
        tasks=len(tasks),
        completions=len(scores),
        mean_reward=sum(score.reward or 0.0 for score in scores) / count,
        pass_at_1=sum(score.passed for score in scores) / count,
        no_answer=sum(score.status == "no_answer" for score in scores) / count,
    )
