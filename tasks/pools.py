"""The sandbox pool a set of tasks needs: the pool's memory limit holds per container, so every container
gets what the most demanding task asks for, and its image holds every language the tasks are in."""

from __future__ import annotations

from collections.abc import Iterable

from sandbox import PoolConfig
from tasks.spec import TaskSpec, languages_needed


def pool_config_for(
    tasks: Iterable[TaskSpec], size: int | None = None, *, references: bool = False
) -> PoolConfig:
    """A pool able to grade every one of `tasks` (and their reference solutions, with `references`); `size`
    containers (None: one per usable core)."""
    listed = list(tasks)
    memory = max((task.memory_mb for task in listed), default=PoolConfig().memory_mb)
    languages = languages_needed(listed, references=references)
    if size is None:
        return PoolConfig(memory_mb=memory, languages=languages)
    return PoolConfig(size=size, memory_mb=memory, languages=languages)


def worker_pool_size(workers: int) -> int:
    """Containers for `workers` samples at once: one each, but no more than the usable cores."""
    return min(workers, PoolConfig().size)
