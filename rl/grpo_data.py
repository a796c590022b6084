"""GRPO training rows: each task's chat prompt (the agent's system prompt and problem statement) and the
`verification_info` column the sandbox reward grades with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.prompts import first_messages
from rl.dataset import trl_row
from tasks.spec import TaskSpec


def grpo_rows(tasks: Sequence[TaskSpec], *, system_prompt: bool = True) -> list[dict[str, Any]]:
    """One conversational TRL row per task (`prompt` as chat messages, plus `verification_info`)."""
    return [trl_row(task, first_messages(task, system_prompt=system_prompt)) for task in tasks]


def grpo_dataset(tasks: Sequence[TaskSpec], *, system_prompt: bool = True) -> Any:
    """The rows as a `datasets.Dataset` (imported here: datasets is the optional `rl` extra)."""
    from datasets import Dataset

    return Dataset.from_list(grpo_rows(tasks, system_prompt=system_prompt))
