"""Prompt datasets from a suite, no model needed: TRL rows (JSONL) and verl parquet, one file per split.

Each row carries its task's verification info, so a trainer grades completions from the row alone. The split
is the task's own (`tasks.splits.task_split`: its metadata's, else a stable hash of its id); the held-out
files are for validation, never training (`data.val_files` in verl).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agent.prompts import first_messages
from rl.dataset import trl_row, verl_row
from tasks.spec import TaskSpec
from tasks.splits import HELDOUT_PERCENT, split_tasks


class PromptExport(BaseModel):
    """What a prompt export wrote."""

    model_config = ConfigDict(extra="forbid")

    tasks: dict[str, int]
    """Tasks per split."""
    files: list[str]
    """The files written: `trl/<split>.jsonl` and `verl/<split>.parquet` per split."""


def export_prompts(tasks: list[TaskSpec], out: Path, heldout_percent: int = HELDOUT_PERCENT) -> PromptExport:
    """Write OUT/trl/<split>.jsonl (TRL GRPOTrainer rows) and OUT/verl/<split>.parquet (verl RL rows)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files: list[Path] = []
    splits = split_tasks(tasks, heldout_percent)
    for split, members in splits.items():
        trl_path = out / "trl" / f"{split}.jsonl"
        trl_path.parent.mkdir(parents=True, exist_ok=True)
        trl_path.write_text("".join(json.dumps(trl_row(t, first_messages(t))) + "\n" for t in members))
        verl_path = out / "verl" / f"{split}.parquet"
        verl_path.parent.mkdir(parents=True, exist_ok=True)
        rows = [verl_row(t, first_messages(t), index=i, split=split) for i, t in enumerate(members)]
        pq.write_table(pa.Table.from_pylist(rows), verl_path)
        files += [trl_path, verl_path]
    return PromptExport(
        tasks={split: len(members) for split, members in splits.items()}, files=[str(f) for f in files]
    )
