"""What every `sandloop train` run shares, whatever its TRL trainer: checkpoints that resume exactly, the
base model named in the model card, the final model as a plain directory, no duplicated checkpoint, and an
optional wall-time budget.

Checkpoints keep optimizer, scheduler and RNG state (not `save_only_model`): `--resume` continues a killed
run from its last checkpoint as if it had never stopped. The final model in `OUT/final` is model and
tokenizer only: what `--model OUT/final` loads in every command.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from transformers import TrainerCallback

FINAL_DIR = "final"
ADAPTER_DIR = "adapter"
LOG_FILE = "log.jsonl"
MODEL_CARD = "README.md"
CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


class LoraSettings(BaseModel):
    """LoRA adapters (peft) trained in place of every weight: a fraction of the optimizer state, for a model
    whose full fine-tuning does not fit the memory or the time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rank: int = Field(ge=1, le=1024)
    """The adapters' rank r."""
    alpha: int | None = Field(None, ge=1)
    """Scale numerator (`lora_alpha`); None: twice the rank."""
    dropout: float = Field(0.0, ge=0, lt=1)
    target_modules: str | list[str] = "all-linear"
    """Which layers get adapters (peft's `target_modules`; `all-linear`: every linear layer but the head)."""


class TrainingRun(BaseModel):
    """Where a run writes and how it checkpoints; the part of every trainer's settings that is the same."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_dir: Path
    """A plain HF model directory (the embedded model's dequantized cache, a checkpoint, or `--model PATH`)."""
    out: Path
    """Checkpoints, the final model, `log.jsonl` and the curve."""
    steps: int = Field(40, ge=1)
    """Optimizer steps."""
    learning_rate: float = Field(1e-5, gt=0)
    """Peak AdamW learning rate."""
    save_steps: int = Field(50, ge=1)
    """A resumable checkpoint every N steps."""
    seed: int = 0
    """Seed of data order, sampling and initialisation."""
    resume: bool = False
    """Continue from the last checkpoint in `out` (optimizer and scheduler state included)."""
    max_seconds: float | None = Field(None, gt=0)
    """Training wall time: stop at the step end nearest it (None: run all `steps`). Counted from the start of
    this process's training loop (model loading excluded; a resumed run gets the budget afresh)."""
    lora: LoraSettings | None = None
    """Train LoRA adapters instead of every weight (None: full fine-tuning); `OUT/final` holds them merged."""


class TrainingError(ValueError):
    """A run that cannot start as asked (stale output, nothing to resume); one line for the CLI."""


def checkpoints(out: Path) -> list[Path]:
    """The run's checkpoints, oldest step first."""
    found = [
        (int(m.group(1)), path) for path in out.glob("checkpoint-*") if (m := CHECKPOINT.match(path.name))
    ]
    return [path for _, path in sorted(found)]


def resume_point(run: TrainingRun) -> Path | None:
    """The checkpoint to continue from; refuses to mix a new run into an old run's checkpoints."""
    found = checkpoints(run.out)
    if run.resume:
        if not found:
            raise TrainingError(f"--resume: {run.out} has no checkpoint to continue from")
        return found[-1]
    if found:
        raise TrainingError(
            f"{run.out} holds checkpoints of an earlier run ({found[-1].name}): "
            "add --resume to continue it, or give another --out"
        )
    return None


def peft_config(run: TrainingRun) -> Any:
    """The trainer's `peft_config`: a LoraConfig when the run trains adapters, else None."""
    if run.lora is None:
        return None
    try:
        from peft import LoraConfig
    except ImportError:
        raise TrainingError("LoRA needs peft: pip install 'sandloop[rl]'") from None
    lora = run.lora
    return LoraConfig(
        r=lora.rank,
        lora_alpha=lora.alpha or 2 * lora.rank,
        lora_dropout=lora.dropout,
        target_modules=lora.target_modules,
        task_type="CAUSAL_LM",
    )


def trainer_arguments(run: TrainingRun, gpu: bool) -> dict[str, Any]:
    """The `TrainingArguments` fields every sandloop trainer sets the same way."""
    return {
        "output_dir": str(run.out),
        "max_steps": run.steps,
        "learning_rate": run.learning_rate,
        "logging_steps": 1,
        "save_strategy": "steps",
        "save_steps": run.save_steps,
        "save_total_limit": 2,
        "report_to": "none",
        "disable_tqdm": True,  # the progress callback prints one line per step instead
        "seed": run.seed,
        "data_seed": run.seed,
        "use_cpu": not gpu,
        "bf16": gpu,
    }


class TimeBudget(TrainerCallback):
    """Ends training at the step end nearest `max_seconds` of training wall time: a step stops the run when
    the next one, at the mean step time so far, would end further past the budget than this one ends short.
    The run then finishes as after its last step (`OUT/final` saved by the caller)."""

    def __init__(self, max_seconds: float) -> None:
        self.max_seconds = max_seconds
        self.started = time.monotonic()
        self.first_step = 0

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.started, self.first_step = time.monotonic(), state.global_step

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        elapsed = time.monotonic() - self.started
        if budget_spent(elapsed, state.global_step - self.first_step, self.max_seconds):
            control.should_training_stop = True


def budget_spent(elapsed: float, steps_done: int, max_seconds: float) -> bool:
    """After `steps_done` steps in `elapsed` seconds: is this step end the nearest one to `max_seconds`?"""
    mean_step = elapsed / max(1, steps_done)
    return elapsed + mean_step / 2 >= max_seconds


def budget_callbacks(run: TrainingRun) -> list[TrainerCallback]:
    """The callbacks of the run's budgets, for every trainer's `callbacks=`."""
    return [TimeBudget(run.max_seconds)] if run.max_seconds is not None else []


def base_model_name(model_dir: Path) -> str:
    """What the model card names as base model: the hub name of the embedded model, the base recorded in
    an earlier sandloop model card (training a trained model keeps the original base), or the directory."""
    from agent.models.embedded import EMBEDDED_MODELS, dequantized_path

    for name, model in EMBEDDED_MODELS.items():
        if model_dir.resolve() == dequantized_path(name).resolve():
            return model.hub_name
    card = model_dir / MODEL_CARD
    if card.is_file():
        match = re.search(r"^base_model:\s*(\S.*)$", card.read_text(encoding="utf-8"), re.MULTILINE)
        if match:
            return match.group(1).strip().strip("'\"")
    return str(model_dir)


def name_base_model(trainer: Any, base_model: str) -> None:
    """TRL's model card names `model.config._name_or_path` as base model unless it is a local directory
    (ours always is, so it wrote `None`): give it the real name. Not saved into config.json."""
    trainer.model.config._name_or_path = base_model


def save_final(trainer: Any, directory: Path, base_model: str) -> Path:
    """Model and tokenizer as plain `save_pretrained` output, with a model card naming the base model. Trained
    adapters go to `OUT/adapter` as peft saves them, then merged into the weights of `OUT/final`, so every
    command loads it as any other model directory."""
    model = trainer.model
    if hasattr(model, "merge_and_unload"):  # a peft model
        model.save_pretrained(directory.parent / ADAPTER_DIR)
        model = model.merge_and_unload()
    model.save_pretrained(directory)
    trainer.processing_class.save_pretrained(directory)
    trainer.create_model_card(model_name=directory.parent.name)  # writes OUT/README.md
    shutil.copyfile(Path(trainer.args.output_dir) / MODEL_CARD, directory / MODEL_CARD)
    return directory


def drop_end_checkpoint(run: TrainingRun) -> None:
    """The Trainer also checkpoints the last step when it is off the save interval: a copy of `final` that
    only a later `--resume` with more steps would use. Keep checkpoints on the interval only."""
    for path in checkpoints(run.out):
        step = int(CHECKPOINT.match(path.name).group(1))  # type: ignore[union-attr]
        if step % run.save_steps != 0:
            shutil.rmtree(path)
