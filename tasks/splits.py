"""The one train / held-out split: the task's own when it names one, else a stable hash of its id (the same on
every machine, run and path).

The shipped generated suite (tasks/data/generated-*.jsonl) and the held-out figures were made with it at 20%:
changing the hash moves tasks between splits. A task that names its own split (the generated suite's, in
`metadata["split"]`) keeps it whatever share is asked for: its held-out tasks are what every held-out figure was
measured on, so no `--heldout-percent` may move one into training.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tasks.spec import TaskSpec

SplitName = Literal["train", "heldout"]
SPLITS: tuple[SplitName, ...] = ("train", "heldout")

HELDOUT_PERCENT = 20
"""The default share of held-out ids (the generated suite's)."""


def split_of(task_id: str, heldout_percent: int = HELDOUT_PERCENT) -> SplitName:
    """Held out when the id's bucket (of 100, from its SHA-256) is below `heldout_percent`."""
    if not 0 <= heldout_percent <= 100:
        raise ValueError(f"heldout_percent must be within 0..100, got {heldout_percent}")
    bucket = int.from_bytes(hashlib.sha256(task_id.encode()).digest()[:8], "big") % 100
    return "heldout" if bucket < heldout_percent else "train"


def task_split(task: TaskSpec, heldout_percent: int = HELDOUT_PERCENT) -> SplitName:
    """The task's own split when its metadata names one, else the id's hash split at `heldout_percent`."""
    match task.metadata.get("split"):
        case "train":
            return "train"
        case "heldout":
            return "heldout"
        case _:
            return split_of(task.id, heldout_percent)


def split_tasks(
    tasks: list[TaskSpec], heldout_percent: int = HELDOUT_PERCENT
) -> dict[SplitName, list[TaskSpec]]:
    """The tasks of each split, in suite order."""
    return {split: [task for task in tasks if task_split(task, heldout_percent) == split] for split in SPLITS}
