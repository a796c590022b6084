"""GRPO on the sandbox reward with TRL's GRPOTrainer: settings, the trainer, and a run that saves a model
directory `load_model(ModelConfig(backend="transformers", model=OUT/final))` loads directly.

On a CPU (or without vLLM) completions come from `model.generate`; with vLLM importable and CUDA present,
TRL generates in colocated vLLM instead (`use_vllm=True`, `vllm_mode="colocate"`).
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from rich.console import Console

from agent.models.presets import ModelPreset
from rl.agent_rollout import FINAL_REPLY, AgentRollout, MultiTurnSettings
from rl.config import RewardConfig
from rl.grpo_data import grpo_dataset, grpo_rows
from rl.train_log import StepLogCallback, plot_curve
from rl.training import (
    FINAL_DIR,
    LOG_FILE,
    TrainingError,
    TrainingRun,
    base_model_name,
    budget_callbacks,
    drop_end_checkpoint,
    name_base_model,
    peft_config,
    resume_point,
    save_final,
    trainer_arguments,
)
from rl.trl_reward import TrlReward
from sandbox import Sandbox
from tasks.spec import TaskSpec

CURVE_FILE = "reward_curve.png"
SETTINGS_FILE = "settings.json"
"""The run's settings (sampling and preset included) and its tasks' ids, written before training starts."""
RESUMABLE = frozenset({"out", "resume", "steps", "max_seconds", "save_steps"})
"""What a resumed run may change: how long it runs and how often it saves, not what it trains on or how."""


class GrpoSettings(TrainingRun):
    """One GRPO run. The defaults are sized for a demonstration with the embedded 135M model on a CPU."""

    num_generations: int = Field(4, ge=2)
    """Completions per prompt: GRPO's group, whose mean reward is each completion's baseline."""
    prompts_per_step: int = Field(2, ge=1)
    max_completion_length: int = Field(64, ge=8)
    temperature: float = Field(0.7, gt=0)
    """Lower than TRL's 1.0: a 135M model sampled at 1.0 writes mostly noise, and noise earns no reward.
    `sandloop train grpo` passes the model preset's (agent.models.presets) unless told."""
    top_p: float = Field(1.0, gt=0, le=1)
    """Nucleus sampling mass of the rollouts."""
    top_k: int = Field(0, ge=0)
    """Top-k cut-off of the rollouts; 0: none."""
    min_p: float = Field(0.0, ge=0, le=1)
    """Min-p cut-off of the rollouts; 0: none."""
    presence_penalty: float = Field(0.0, ge=-2, le=2)
    """Presence penalty of the rollouts: vLLM generation only (transformers' `generate` has none)."""
    system_prompt: bool = True
    """The prompts hold the agent's system message (False: its instructions open the user message)."""
    preset: str | None = None
    """The model preset the sampling came from, when a command resolved one (recorded in settings.json)."""
    beta: float = Field(0.0, ge=0)
    """KL coefficient; 0 loads no reference model (TRL's default)."""
    use_vllm: bool | None = None
    """None: use vLLM when it imports and CUDA is available."""
    reward: RewardConfig = Field(default_factory=RewardConfig)
    multi_turn: MultiTurnSettings | None = None
    """Agent episodes as rollouts (rl/agent_rollout.py): `max_completion_length` is then each reply's budget."""
    micro_batch: int | None = Field(None, ge=1)
    """Sequences per forward and backward pass: a step's completions (one generation, one optimizer step) go
    through in accumulated passes of this many. None: all at once, or 2 with `multi_turn` (episodes run to
    thousands of tokens, and the loss pass over 8 of them with a 49k vocabulary filled 16 GB)."""

    @model_validator(mode="after")
    def _micro_batch_divides_the_step(self) -> Self:
        if self.micro_batch is not None and self.completions_per_step % self.micro_batch:
            raise ValueError(
                f"micro_batch {self.micro_batch} does not divide the {self.completions_per_step} completions "
                "of a step (prompts_per_step x num_generations)"
            )
        return self

    @classmethod
    def from_preset(cls, preset: ModelPreset, **fields: Any) -> GrpoSettings:
        """Rollouts sampled as the model's preset says (overrides already applied to it): one rule for
        `sandloop train grpo` and the benches; `fields` set the rest."""
        sampling = preset.sampling
        return cls(
            max_completion_length=sampling.max_tokens,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            top_k=sampling.top_k,
            min_p=sampling.min_p,
            presence_penalty=sampling.presence_penalty,
            system_prompt=preset.system_prompt,
            preset=preset.name,
            **fields,
        )

    @property
    def completions_per_step(self) -> int:
        return self.prompts_per_step * self.num_generations

    def passes_per_step(self) -> tuple[int, int]:
        """(sequences per pass, passes per optimizer step)."""
        whole = self.completions_per_step
        if self.micro_batch is not None:
            micro = self.micro_batch
        elif self.multi_turn is not None:
            micro = 2 if whole % 2 == 0 else 1
        else:
            micro = whole
        return micro, whole // micro


def cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def vllm_usable() -> bool:
    """vLLM generation needs the package and a GPU."""
    return importlib.util.find_spec("vllm") is not None and cuda_available()


def grpo_config(settings: GrpoSettings) -> Any:
    from trl import GRPOConfig

    gpu = cuda_available()
    use_vllm = vllm_usable() if settings.use_vllm is None else settings.use_vllm
    if settings.multi_turn is not None and use_vllm:
        raise ValueError("multi-turn rollouts generate with the training model (transformers), not vLLM")
    if settings.presence_penalty and not use_vllm:
        raise ValueError("presence_penalty: GRPO applies it with vLLM generation only (a GPU and vllm)")
    vllm: dict[str, Any] = {"use_vllm": True, "vllm_mode": "colocate"} if use_vllm else {}
    micro, passes = settings.passes_per_step()
    return GRPOConfig(
        **trainer_arguments(settings, gpu),
        # One optimizer step sees every completion of `prompts_per_step` prompts (whole GRPO groups, one
        # generation), in `passes` accumulated forward/backward passes of `micro` sequences.
        per_device_train_batch_size=micro,
        gradient_accumulation_steps=passes,
        num_generations=settings.num_generations,
        max_completion_length=settings.max_completion_length,
        temperature=settings.temperature,
        top_p=settings.top_p,
        top_k=settings.top_k,
        min_p=settings.min_p or None,
        generation_kwargs={"presence_penalty": settings.presence_penalty}
        if settings.presence_penalty
        else None,
        beta=settings.beta,
        gradient_checkpointing=gpu,  # saves GPU memory; on a CPU it only costs time
        **vllm,
    )


def build_trainer(
    settings: GrpoSettings, tasks: Sequence[TaskSpec], pool: Sandbox, console: Console | None = None
) -> Any:
    """The GRPOTrainer on `tasks` with the sandbox reward, printing and logging each step into `settings.out`."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer
    from transformers.trainer_callback import PrinterCallback
    from transformers.utils import logging as transformers_logging
    from trl import GRPOTrainer

    transformers_logging.disable_progress_bar()  # weight-loading bars would interleave with the step lines

    tokenizer = AutoTokenizer.from_pretrained(settings.model_dir, local_files_only=True)
    rollout: dict[str, Any] = {}
    if settings.multi_turn is not None:
        os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")  # rollout_func is marked experimental
        rollout["rollout_func"] = agent_rollout(settings, settings.multi_turn, tasks, pool)
    trainer = GRPOTrainer(
        model=str(settings.model_dir),
        reward_funcs=TrlReward(
            pool, settings.reward, answer_column=FINAL_REPLY if settings.multi_turn else None
        ),
        args=grpo_config(settings),
        train_dataset=grpo_dataset(tasks, system_prompt=settings.system_prompt),
        processing_class=tokenizer,
        peft_config=peft_config(settings),
        callbacks=[
            StepLogCallback(settings.out / LOG_FILE, console, max_seconds=settings.max_seconds),
            *budget_callbacks(settings),
        ],
        **rollout,
    )
    trainer.remove_callback(PrinterCallback)  # it would print every log dict under our lines
    name_base_model(trainer, base_model_name(settings.model_dir))
    return trainer


def agent_rollout(
    settings: GrpoSettings, multi_turn: MultiTurnSettings, tasks: Sequence[TaskSpec], pool: Sandbox
) -> AgentRollout:
    """The multi-turn rollout with the run's sampling; a reply gets `max_completion_length` tokens."""
    sampling: dict[str, Any] = {
        "max_new_tokens": settings.max_completion_length,
        "temperature": settings.temperature,
        "top_p": settings.top_p,
        "top_k": settings.top_k,
    }
    if settings.min_p:
        sampling["min_p"] = settings.min_p
    rows = grpo_rows(tasks, system_prompt=settings.system_prompt)
    return AgentRollout(tasks, [row["prompt"] for row in rows], pool, multi_turn, sampling, settings.reward)


class GrpoOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    final_dir: Path
    log: Path
    curve: Path | None
    """None when no step was logged (nothing to plot)."""
    log_history: list[dict[str, Any]]
    """The trainer's own log rows (`trainer.state.log_history`)."""


def recorded_settings(settings: GrpoSettings, tasks: Sequence[TaskSpec]) -> dict[str, Any]:
    """What OUT/settings.json holds: the settings and the ids of the tasks trained on, in order."""
    return settings.model_dump(mode="json") | {"tasks": [task.id for task in tasks]}


def changed_settings(stored: dict[str, Any], given: dict[str, Any]) -> list[str]:
    """The recorded fields a resume would change but may not (a field `stored` lacks, written by an older
    sandloop, is not compared)."""
    return sorted(name for name in stored.keys() - RESUMABLE if stored[name] != given.get(name))


def refuse_other_settings(path: Path, given: dict[str, Any]) -> None:
    """A resume goes on with the run's own settings and tasks: any other is refused by name."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as error:
        raise TrainingError(f"{path}: not a run's settings ({error})") from None
    changed = changed_settings(stored, given)
    if changed:
        raise TrainingError(
            f"--resume: {path.parent} was trained with other {', '.join(changed)}: resume with the same ones, "
            "or give another --out"
        )


def run_grpo(
    settings: GrpoSettings, tasks: Sequence[TaskSpec], pool: Sandbox, console: Console | None = None
) -> GrpoOutcome:
    """Train (or continue a killed run with `settings.resume`), then save `OUT/final` and the curve."""
    checkpoint = resume_point(settings)
    recorded = recorded_settings(settings, tasks)
    if checkpoint is not None:
        refuse_other_settings(settings.out / SETTINGS_FILE, recorded)
    trainer = build_trainer(settings, tasks, pool, console)
    settings.out.mkdir(parents=True, exist_ok=True)
    (settings.out / SETTINGS_FILE).write_text(json.dumps(recorded, indent=1) + "\n", encoding="utf-8")
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    final = save_final(trainer, settings.out / FINAL_DIR, base_model_name(settings.model_dir))
    drop_end_checkpoint(settings)
    log = settings.out / LOG_FILE
    curve = plot_curve(log, settings.out / CURVE_FILE) if log.read_text(encoding="utf-8").strip() else None
    return GrpoOutcome(final_dir=final, log=log, curve=curve, log_history=list(trainer.state.log_history))
