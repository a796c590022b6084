"""A loaded reward's pool is sized for every reward process on the node, and a forked child makes its own."""

from __future__ import annotations

import os

import pytest

from rl.config import RewardConfig
from rl.process_pool import (
    DEFAULT_WORKERS_PER_NODE,
    POOL_SIZE_ENV,
    WORKERS_ENV,
    close_pool,
    configure_pool,
    pool_size,
    shared_pool,
)
from sandbox import PoolConfig

CORES = PoolConfig().size


@pytest.fixture(autouse=True)
def no_sizing_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POOL_SIZE_ENV, raising=False)
    monkeypatch.delenv(WORKERS_ENV, raising=False)


def test_default_shares_the_cores_among_verls_reward_workers() -> None:
    assert pool_size(RewardConfig()) == max(1, CORES // DEFAULT_WORKERS_PER_NODE)
    assert pool_size(RewardConfig(workers_per_node=1)) == CORES
    assert pool_size(RewardConfig(workers_per_node=1024)) == 1  # never below one container


def test_explicit_settings_win_keyword_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKERS_ENV, "1")
    assert pool_size(RewardConfig()) == CORES
    assert pool_size(RewardConfig(workers_per_node=CORES * 2)) == 1
    monkeypatch.setenv(POOL_SIZE_ENV, "3")
    assert pool_size(RewardConfig(workers_per_node=1)) == 3
    assert pool_size(RewardConfig(pool_size=5)) == 5


@pytest.mark.parametrize("value", ["zero", "0", "-2", "1.5"])
def test_bad_environment_values_are_named(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(POOL_SIZE_ENV, value)
    with pytest.raises(ValueError, match=f"{POOL_SIZE_ENV}='{value}': expected a whole number"):
        pool_size(RewardConfig())


def test_the_first_call_sizes_the_pool_and_a_forked_child_makes_its_own() -> None:
    configure_pool(None)
    try:
        pool = shared_pool(RewardConfig(pool_size=3))
        assert pool.config.size == 3
        assert shared_pool(RewardConfig(pool_size=7)) is pool  # one pool per process
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # the child reports whether it got a pool of its own
            os.write(write, b"own" if shared_pool() is not pool else b"parent's")
            os._exit(0)
        os.waitpid(child, 0)
        assert os.read(read, 16) == b"own"
    finally:
        close_pool()
