"""Mean reward and pass@1 of a model directory on a set of tasks: batched sampling, graded by the sandbox.

Batched with left padding (one `generate` call for many prompts): on a CPU this is several times faster than
one call per prompt, which is what makes a before/after comparison affordable. pass@1 is the unbiased
estimate from `samples` draws per task: the fraction of all draws that pass. A completion the sandbox could not
grade (an infrastructure error left after the reward's retries) counts as 0: it is rare, and the mean stays over
every draw.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.models.base import Sampling
from agent.models.presets import PRESETS
from agent.prompts import first_messages
from rl.rewards import SandboxReward
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
    """Prompts per `generate` call."""
    seed: int = 0


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
    model, tokenizer = load_for_eval(model_dir)
    completions = generate(model, tokenizer, [first_messages(task) for task in tasks], settings)
    return score_completions(tasks, completions, pool, settings.samples)


def score_completions(
    tasks: Sequence[TaskSpec], completions: Sequence[str], pool: Sandbox, samples: int = 1
) -> EvalResult:
    """The figures of `samples` completions per task (task by task, in order), each graded and rewarded by
    the one reward (rl/rewards.py) with the default settings."""
    graded = [task for task in tasks for _ in range(samples)]
    scores = SandboxReward(pool).score(graded, completions)
    count = max(len(scores), 1)
    return EvalResult(
        tasks=len(tasks),
        completions=len(scores),
        mean_reward=sum(score.reward or 0.0 for score in scores) / count,
        pass_at_1=sum(score.status == "passed" for score in scores) / count,
        no_answer=sum(score.status == "no_answer" for score in scores) / count,
    )
