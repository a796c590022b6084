"""Training data from agent runs: K trajectories per task with their sandbox rewards, and SFT examples
(successful trajectories in chat format); the prompt files for TRL and verl come from `rl.prompt_export`.

Collection is a `sandloop run` in agent mode under OUT/run, so it resumes the same way; exporting reads only
finished results and can be repeated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.messages import Message
from batch.sample_records import SampleRecord, read_records
from rl.config import RewardConfig
from rl.rewards import reward
from tasks.spec import TaskSpec
from tasks.splits import HELDOUT_PERCENT, task_split
from tools import tool_schemas

RUN_DIR = "run"


def reward_of(record: SampleRecord, config: RewardConfig | None = None) -> float | None:
    """The reward of a trajectory: the one reward function (rl/rewards.py) on its recorded hidden verdict;
    None when the sandbox could not grade it (never a failure). The agent's answer is the code it ran."""
    return reward(record.verdict, "ok", config or RewardConfig())


class ExportSummary(BaseModel):
    """What an export wrote."""

    model_config = ConfigDict(extra="forbid")

    trajectories: int
    """Graded trajectories (pending ones, infra or model errors, left out)."""
    mean_reward: float
    """Mean reward over them."""
    sft_examples: int
    """Successful trajectories kept for SFT, after de-duplication."""
    files: list[str]
    """The files written."""


def _chat(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [Message.model_validate(m).as_chat() for m in messages]


def sft_row(task_id: str, split: str, messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A chat-format SFT example: the conversation up to its last assistant turn (what follows is the
    environment's reply, nothing to learn), with `tools` when it called tools. None: no assistant turn."""
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=None)
    if last is None:
        return None
    kept = messages[: last + 1]
    row: dict[str, Any] = {"task_id": task_id, "split": split, "messages": kept}
    if any(m.get("tool_calls") or m["role"] == "tool" for m in kept):
        row["tools"] = tool_schemas()
    return row


def export(
    tasks: list[TaskSpec],
    run_dir: Path,
    out: Path,
    heldout_percent: int = HELDOUT_PERCENT,
    include_heldout: bool = False,
) -> ExportSummary:
    """OUT/rollouts.jsonl (every graded trajectory) and OUT/sft.jsonl (passed ones, de-duplicated): the
    training split's tasks only, unless `include_heldout` (then each line says its split)."""
    # pending samples (the sandbox or the model failed) are no verdict on the policy: left out until graded
    records = [r for r in read_records(run_dir) if r.has_verdict and reward_of(r) is not None]
    splits = {task.id: task_split(task, heldout_percent) for task in tasks}
    wanted = {task_id for task_id, split in splits.items() if include_heldout or split == "train"}
    records = [r for r in records if r.task_id in wanted]
    rollouts = out / "rollouts.jsonl"
    sft = out / "sft.jsonl"
    out.mkdir(parents=True, exist_ok=True)
    seen: set[tuple[str, str]] = set()
    kept = 0
    with rollouts.open("w") as all_lines, sft.open("w") as sft_lines:
        for record in records:
            trajectory = json.loads((run_dir / record.trajectory).read_text()) if record.trajectory else {}
            line: dict[str, Any] = {
                "task_id": record.task_id,
                "sample": record.sample,
                "split": splits[record.task_id],
                "reward": reward_of(record),
                "status": record.status,
                "passed": record.passed,  # the one verdict (tasks.verdict), as the record holds it
                "exit_status": record.exit_status,
                "code": record.code,
                # the conversation its final answer came from: a restart's earlier attempts were out of view
                "messages": _chat(trajectory.get("messages", [])[trajectory.get("attempt_start", 0) :]),
                "trajectory": record.trajectory,
            }
            all_lines.write(json.dumps(line) + "\n")
            identity = (record.task_id, "\n".join(x.rstrip() for x in record.code.strip().splitlines()))
            example = sft_row(record.task_id, line["split"], line["messages"]) if record.passed else None
            if example is not None and identity not in seen:  # rejection sampling, de-duplicated
                seen.add(identity)
                sft_lines.write(json.dumps(example) + "\n")
                kept += 1
    rewards = [reward_of(r) or 0.0 for r in records]
    return ExportSummary(
        trajectories=len(records),
        mean_reward=round(sum(rewards) / len(rewards), 4) if rewards else 0.0,
        sft_examples=kept,
        files=[str(rollouts), str(sft)],
    )
