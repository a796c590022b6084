"""The sandbox pool a set of tasks needs: the pool's memory limit holds per container, so every container
gets what the most demanding task asks for."""

from __future__ import annotations

from collections.abc import Iterable

from sandbox import PoolConfig
from tasks.spec import TaskSpec


def pool_config_for(tasks: Iterable[TaskSpec], size: int | None = None) -> PoolConfig:
    """A pool able to grade every one of `tasks`; `size` containers (None: one per usable core)."""
    memory = max((task.memory_mb for task in tasks), default=PoolConfig().memory_mb)
    return PoolConfig(memory_mb=memory) if size is None else PoolConfig(size=size, memory_mb=memory)


def worker_pool_size(workers: int) -> int:
    """Containers for `workers` samples at once: one each, but no more than the usable cores."""
    return min(workers, PoolConfig().size)
