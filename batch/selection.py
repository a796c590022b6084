"""Which tasks of a suite a run takes: the first N, named ids, or one shard."""

from __future__ import annotations

import re

from batch.errors import BatchError
from tasks.spec import TaskSpec

SHARD = re.compile(r"(\d+)/(\d+)")


def parse_ids(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise BatchError("--ids names no task: give ids separated by commas")
    return ids


def parse_shard(text: str) -> tuple[int, int]:
    """`i/n` with 0 <= i < n."""
    match = SHARD.fullmatch(text.strip())
    if not match or not int(match[1]) < int(match[2]):
        raise BatchError(f"--shard {text!r}: expected i/n with 0 <= i < n, e.g. 0/4")
    return int(match[1]), int(match[2])


def select(
    tasks: list[TaskSpec], limit: int | None = None, ids: list[str] | None = None, shard: str | None = None
) -> list[TaskSpec]:
    """At most one of `limit`, `ids`, `shard`; none: every task."""
    if sum(choice is not None for choice in (limit, ids, shard)) > 1:
        raise BatchError("--limit, --ids and --shard choose tasks in different ways: give at most one")
    if limit is not None:
        return tasks[:limit]
    if ids is not None:
        by_id = {task.id: task for task in tasks}
        unknown = [task_id for task_id in ids if task_id not in by_id]
        if unknown:
            raise BatchError(f"--ids: no task {', '.join(map(repr, unknown))} in the suite")
        return [by_id[task_id] for task_id in dict.fromkeys(ids)]
    if shard is not None:
        index, count = parse_shard(shard)
        return tasks[index::count]
    return tasks
