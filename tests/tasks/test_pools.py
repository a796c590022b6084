"""The pool a set of tasks needs: the largest memory any of them asks for, one container per worker."""

from __future__ import annotations

from sandbox import PoolConfig
from tasks.pools import pool_config_for, worker_pool_size
from tasks.spec import TaskSpec, TestSet


def task(memory_mb: int) -> TaskSpec:
    return TaskSpec(
        id=f"m{memory_mb}",
        suite="toy",
        prompt="p",
        kind="function",
        entry_point="f",
        public_tests=TestSet(code="assert f()\n"),
        hidden_tests=TestSet(code="assert f()\n"),
        time_limit_s=5,
        memory_mb=memory_mb,
    )


def test_the_most_demanding_task_sets_the_memory() -> None:
    assert pool_config_for([task(256), task(1024), task(512)]).memory_mb == 1024
    assert pool_config_for([task(256)], size=3) == PoolConfig(size=3, memory_mb=256)
    assert pool_config_for([]).memory_mb == PoolConfig().memory_mb


def test_one_container_per_worker_up_to_the_cores() -> None:
    cores = PoolConfig().size
    assert worker_pool_size(1) == 1
    assert worker_pool_size(cores + 5) == cores
