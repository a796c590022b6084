"""GRPO training rows: each task's chat prompt (the agent's system prompt and problem statement) and the
`verification_info` column the sandbox reward grades with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.prompts import SYSTEM
from agent.prompts import problem_statement as statement
from rl.dataset import trl_row
from tasks.spec import TaskSpec


def chat_prompt(task: TaskSpec) -> list[dict[str, str]]:
    """What the model sees: the agent's system prompt, then the problem and its public tests."""
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": statement(task)}]


def grpo_rows(tasks: Sequence[TaskSpec]) -> list[dict[str, Any]]:
    """One conversational TRL row per task (`prompt` as chat messages, plus `verification_info`)."""
    return [trl_row(task, chat_prompt(task)) for task in tasks]


def grpo_dataset(tasks: Sequence[TaskSpec]) -> Any:
    """The rows as a `datasets.Dataset` (imported here: datasets is the optional `rl` extra)."""
    from datasets import Dataset

    return Dataset.from_list(grpo_rows(tasks))
