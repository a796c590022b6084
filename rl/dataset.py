"""Dataset rows that grade themselves: a task's hidden tests as one JSON string column.

TRL hands every extra dataset column to the reward function, verl hands `reward_model.ground_truth` to
`compute_score`: either way the JSON string (`verification_info`) is all the grader needs, so a row alone is
enough to grade a completion, in any process, without the suite files.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rl.foreign import foreign_task, is_foreign
from tasks.errors import TaskError
from tasks.spec import TaskKind, TaskSpec, TestSet

VERIFICATION_COLUMN = "verification_info"
"""The dataset column (TRL) holding `verification_info(task)`; in verl it is `reward_model.ground_truth`."""


class VerificationInfo(BaseModel):
    """What grading a completion needs of its task, and nothing of the prompt."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    """Layout version: a reader refuses a layout it does not know rather than grade wrongly."""
    task_id: str = Field(min_length=1)
    suite: str = Field(min_length=1)
    kind: TaskKind
    entry_point: str | None = None
    starter_code: str = ""
    """The answer completes or follows it (HumanEval's prompt code, a LeetCode class header)."""
    tests: TestSet
    """The task's hidden tests: test code, or stdin/stdout cases."""
    time_limit_s: float = Field(gt=0, le=3600)
    memory_mb: int = Field(512, ge=64, le=65536)


def verification_info(task: TaskSpec) -> str:
    """The JSON string to store in the row's `verification_info` column (or verl's ground truth)."""
    info = VerificationInfo(
        task_id=task.id,
        suite=task.suite,
        kind=task.kind,
        entry_point=task.entry_point,
        starter_code=task.starter_code,
        tests=task.hidden_tests,
        time_limit_s=task.time_limit_s,
        memory_mb=task.memory_mb,
    )
    return info.model_dump_json()


def _task(info: VerificationInfo) -> TaskSpec:
    # Only grading reads this task: the hidden tests stand in for the public ones, the prompt is not carried.
    return TaskSpec(
        id=info.task_id,
        suite=info.suite,
        prompt="",
        kind=info.kind,
        entry_point=info.entry_point,
        starter_code=info.starter_code,
        public_tests=info.tests,
        hidden_tests=info.tests,
        time_limit_s=info.time_limit_s,
        memory_mb=info.memory_mb,
    )


def _from_decoded(info: Any, source: str | None) -> TaskSpec:
    if is_foreign(info):
        return foreign_task(info, source)
    try:
        return _task(VerificationInfo.model_validate(info))
    except ValidationError as error:
        raise TaskError(
            f"not a sandloop verification info (nor a verl/PRIME or LiveCodeBench ground truth): {error}"
        ) from None


@functools.lru_cache(maxsize=256)
def _task_from_json(text: str, source: str | None) -> TaskSpec:
    # Cached: a GRPO group repeats its row's string once per generation. Small: contest tests can be MBs.
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError as error:
        raise TaskError(f"not a sandloop verification info: not JSON ({error.msg})") from None
    return _from_decoded(decoded, source)


def task_from_verification(
    info: str | Mapping[str, Any] | Sequence[Any], source: str | None = None
) -> TaskSpec:
    """The task back from `verification_info(task)` (or from its decoded JSON object), or from a foreign
    ground truth (`rl.foreign`: verl/PRIME `{inputs, outputs, fn_name?}`, LiveCodeBench test lists);
    `source` (verl's data_source) names a foreign task."""
    if isinstance(info, str):
        return _task_from_json(info, source)
    if isinstance(info, Mapping):
        return _from_decoded(_plain(info), source)
    return _from_decoded([_plain(item) for item in info], source)


def _plain(value: Any) -> Any:
    # Parquet readers hand nested values as numpy arrays and mappings other than dict.
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if hasattr(value, "tolist") and not isinstance(value, str):
        return _plain(value.tolist())
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def trl_row(task: TaskSpec, prompt: str | list[dict[str, str]]) -> dict[str, Any]:
    """A GRPOTrainer dataset row: the prompt (text or chat messages) and the column the reward reads."""
    return {"prompt": prompt, VERIFICATION_COLUMN: verification_info(task)}


def data_source_name(suite: str) -> str:
    """A suite's name for verl's `data_source` (metrics are grouped by it): `humaneval`, or a file suite's
    kind and file stem (`jsonl/tasks` for `jsonl:/abs/path/tasks.jsonl`), never a path."""
    kind, _, path = suite.partition(":")
    name = f"{kind}/{Path(path).name.split('.')[0]}" if path else kind
    return re.sub(r"[^A-Za-z0-9_./-]+", "_", name)


def verl_row(
    task: TaskSpec,
    prompt: list[dict[str, str]],
    data_source: str | None = None,
    *,
    index: int = 0,
    split: str = "train",
) -> dict[str, Any]:
    """A verl RL dataset row (its parquet layout): the ground truth is the verification info; `extra_info`
    has the row's `index` in its file and its `split`, as verl's own preprocessing scripts write them."""
    return {
        "data_source": data_source or data_source_name(task.suite),
        "prompt": prompt,
        "ability": "code",
        "reward_model": {"style": "rule", "ground_truth": verification_info(task)},
        "extra_info": {"index": index, "split": split, "task_id": task.id, "suite": task.suite},
    }
