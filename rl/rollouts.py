"""Training data from agent runs: K trajectories per task with their sandbox rewards, exported for TRL (prompt
dataset with the verification column), verl (parquet) and SFT (successful trajectories in chat format).

Collection is a `sandloop run` in agent mode under OUT/run, so it resumes the same way; exporting reads only
finished results and can be repeated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.messages import Message
from agent.prompts import first_messages
from batch.sample_records import SampleRecord, read_records
from rl.config import RewardConfig
from rl.dataset import trl_row, verl_row
from rl.rewards import reward
from tasks.spec import TaskSpec
from tasks.splits import HELDOUT_PERCENT, split_of

RUN_DIR = "run"


def reward_of(record: SampleRecord, config: RewardConfig | None = None) -> float | None:
    """The reward of a trajectory: the one reward function (rl/rewards.py) on its recorded hidden verdict;
    None when the sandbox could not grade it (never a failure). The agent's answer is the code it ran."""
    return reward(record.verdict, "ok", config or RewardConfig())


class ExportSummary(BaseModel):
    """What an export wrote."""

    model_config = ConfigDict(extra="forbid")

    trajectories: int
    """Graded trajectories (infra errors left out)."""
    mean_reward: float
    """Mean reward over them."""
    sft_examples: int
    """Successful trajectories kept for SFT, after de-duplication."""
    tasks: dict[str, int]
    """Tasks per split."""
    files: list[str]
    """The files written."""


def _chat(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [Message.model_validate(m).as_chat() for m in messages]


def export(
    tasks: list[TaskSpec], run_dir: Path, out: Path, heldout_percent: int = HELDOUT_PERCENT
) -> ExportSummary:
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = [r for r in read_records(run_dir) if reward_of(r) is not None]
    by_id = {task.id for task in tasks}
    splits: dict[str, list[TaskSpec]] = {"train": [], "heldout": []}
    for task in tasks:
        splits[split_of(task.id, heldout_percent)].append(task)
    files: list[Path] = []
    for split, members in splits.items():
        trl_path = out / "trl" / f"{split}.jsonl"
        trl_path.parent.mkdir(parents=True, exist_ok=True)
        trl_path.write_text("".join(json.dumps(trl_row(t, first_messages(t))) + "\n" for t in members))
        verl_path = out / "verl" / f"{split}.parquet"
        verl_path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist([verl_row(t, first_messages(t)) for t in members]), verl_path)
        files += [trl_path, verl_path]
    rollouts = out / "rollouts.jsonl"
    sft = out / "sft.jsonl"
    seen: set[tuple[str, str]] = set()
    kept = 0
    with rollouts.open("w") as all_lines, sft.open("w") as sft_lines:
        for record in records:
            if record.task_id not in by_id:
                continue
            trajectory = json.loads((run_dir / record.trajectory).read_text()) if record.trajectory else {}
            line = {
                "task_id": record.task_id,
                "sample": record.sample,
                "split": split_of(record.task_id, heldout_percent),
                "reward": reward_of(record),
                "status": record.status,
                "exit_status": record.exit_status,
                "code": record.code,
                "messages": _chat(trajectory.get("messages", [])),
                "trajectory": record.trajectory,
            }
            all_lines.write(json.dumps(line) + "\n")
            identity = (record.task_id, "\n".join(x.rstrip() for x in record.code.strip().splitlines()))
            if (
                record.passed and line["messages"] and identity not in seen
            ):  # rejection sampling, de-duplicated
                seen.add(identity)
                sft_lines.write(
                    json.dumps(
                        {"task_id": record.task_id, "split": line["split"], "messages": line["messages"]}
                    )
                    + "\n"
                )
                kept += 1
    files += [rollouts, sft]
    rewards = [reward_of(r) or 0.0 for r in records]
    return ExportSummary(
        trajectories=len(records),
        mean_reward=round(sum(rewards) / len(rewards), 4) if rewards else 0.0,
        sft_examples=kept,
        tasks={split: len(members) for split, members in splits.items()},
        files=[str(path) for path in files],
    )
