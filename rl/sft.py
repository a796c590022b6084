"""Cold-start SFT with TRL's SFTTrainer on the SFT export (`rollouts` → `sft.jsonl`: passing trajectories as
chat conversations), the first step of the R1/QwQ recipe before GRPO. Only training-split rows are used: a
row marked held-out is never trained on, whatever file it came from.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from rich.console import Console

from rl.train_log import LOSS_KEY, LOSS_SERIES, SFT_HEADLINE, StepLogCallback, plot_curve
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
from tasks.splits import SplitName

CURVE_FILE = "loss_curve.png"


class SftSettings(TrainingRun):
    """One SFT run; defaults sized for the embedded 135M model on a CPU."""

    data: Path
    """The SFT export (`sft.jsonl` of `sandloop rollouts`/`export`)."""
    batch_size: int = Field(4, ge=1)
    """Conversations per optimizer step."""
    max_length: int = Field(1024, ge=16)
    """Tokens per conversation; longer ones are truncated."""
    learning_rate: float = Field(2e-5, gt=0)
    """Peak AdamW learning rate (higher than GRPO's: a supervised step carries a denser signal)."""


class SftRow(BaseModel):
    """One line of `sft.jsonl` (rl.rollouts.sft_row)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    task_id: str
    """The task the conversation solved."""
    split: SplitName
    """The task's split (tasks.splits.task_split); held-out rows are skipped."""
    messages: list[dict[str, Any]] = Field(min_length=2)
    """The conversation up to its last assistant turn (the answer learned)."""

    @field_validator("messages")
    @classmethod
    def _ends_on_the_answer(cls, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        role = messages[-1].get("role")
        if role != "assistant":
            raise ValueError(f"the last message is a {role!r} turn, not the assistant's answer")
        return messages

    tools: list[dict[str, Any]] | None = None
    """Tool schemas, when the conversation called tools."""


class SftData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rows: list[SftRow]
    """Training-split rows, in file order."""
    skipped_heldout: int
    """Held-out rows left out."""


def read_sft_rows(path: Path) -> SftData:
    """The training rows of an SFT export; a bad line is one error naming file and line."""
    if not path.is_file():
        raise TrainingError(f"{path}: no such SFT file (make one with `sandloop rollouts`)")
    rows: list[SftRow] = []
    skipped = 0
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = SftRow.model_validate(json.loads(line))
            except json.JSONDecodeError as error:
                raise TrainingError(f"{path}:{number}: not JSON ({error.msg})") from None
            except ValidationError as error:
                first = error.errors()[0]
                field = ".".join(map(str, first["loc"])) or "row"
                raise TrainingError(f"{path}:{number}: {field}: {first['msg']}") from None
            if row.split == "heldout":
                skipped += 1
            else:
                rows.append(row)
    if not rows:
        raise TrainingError(f"{path}: no training-split conversation to learn from ({skipped} held-out)")
    return SftData(rows=rows, skipped_heldout=skipped)


def sft_dataset(rows: list[SftRow]) -> Any:
    """A conversational prompt-completion `datasets.Dataset`: the completion is the last assistant turn (the answer
    that passed), the prompt everything before it. TRL then takes the loss on the completion's tokens only
    (`completion_only_loss`): the model learns its answer, not the system prompt, the task text or the feedback."""
    from datasets import Dataset

    columns: dict[str, list[Any]] = {
        "prompt": [row.messages[:-1] for row in rows],
        "completion": [row.messages[-1:] for row in rows],
    }
    if any(row.tools for row in rows):
        columns["tools"] = [row.tools for row in rows]
    return Dataset.from_dict(columns)


def sft_config(settings: SftSettings) -> Any:
    from trl import SFTConfig

    from rl.grpo import cuda_available

    gpu = cuda_available()
    return SFTConfig(
        **trainer_arguments(settings, gpu),
        per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=1,
        max_length=settings.max_length,
        packing=False,  # one conversation per row: what the agent will see at inference
        gradient_checkpointing=gpu,
    )


def build_trainer(settings: SftSettings, data: SftData, console: Console | None = None) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer
    from transformers.trainer_callback import PrinterCallback
    from transformers.utils import logging as transformers_logging
    from trl import SFTTrainer

    transformers_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(settings.model_dir, local_files_only=True)
    trainer = SFTTrainer(
        model=str(settings.model_dir),
        args=sft_config(settings),
        train_dataset=sft_dataset(data.rows),
        processing_class=tokenizer,
        peft_config=peft_config(settings),
        callbacks=[
            StepLogCallback(
                settings.out / LOG_FILE, console, SFT_HEADLINE, LOSS_KEY, max_seconds=settings.max_seconds
            ),
            *budget_callbacks(settings),
        ],
    )
    trainer.remove_callback(PrinterCallback)
    name_base_model(trainer, base_model_name(settings.model_dir))
    return trainer


class SftOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    final_dir: Path
    """The trained model: `--model FINAL_DIR` in every command."""
    log: Path
    """One JSON row per step."""
    curve: Path | None
    """The loss curve; None when no step was logged."""
    examples: int
    """Training conversations used."""
    skipped_heldout: int
    """Held-out conversations left out."""


def run_sft(settings: SftSettings, console: Console | None = None) -> SftOutcome:
    """Train (or continue a killed run with `settings.resume`), then save `OUT/final` and the loss curve."""
    data = read_sft_rows(settings.data)
    checkpoint = resume_point(settings)
    trainer = build_trainer(settings, data, console)
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    final = save_final(trainer, settings.out / FINAL_DIR, base_model_name(settings.model_dir))
    drop_end_checkpoint(settings)
    log = settings.out / LOG_FILE
    logged = log.is_file() and log.read_text(encoding="utf-8").strip()
    curve = (
        plot_curve(log, settings.out / CURVE_FILE, LOSS_SERIES, "SFT on passing trajectories", False)
        if logged
        else None
    )
    return SftOutcome(
        final_dir=final, log=log, curve=curve, examples=len(data.rows), skipped_heldout=data.skipped_heldout
    )
