"""One sandbox pool per process, for rewards a trainer loads by name rather than hands a pool (verl).

verl runs the reward in many processes at once: `reward.num_workers` reward-loop workers (8 by default, spread
over the nodes), each possibly with Ray reward actors of its own, or forked children (PRIME's manager). Each
process makes its pool on first use, sized so that all of them together fit the node's cores; a forked child
starts with no pool (its parent's connections are not its own); the pool is closed at exit.

The state lives here, in an importable module, and never in the reward function: a function shipped to another
process (Ray, a process pool) is pickled by reference and finds this module's fresh state there.
"""

from __future__ import annotations

import atexit
import os
import threading

from rl.config import RewardConfig
from rl.stats import RewardStats
from sandbox import PoolConfig, Sandbox, open_sandbox

POOL_SIZE_ENV = "SANDLOOP_REWARD_POOL_SIZE"
"""Containers per process; overrides the default sizing (a `pool_size` reward keyword overrides it)."""
URLS_ENV = "SANDLOOP_SANDBOX_URLS"
"""Comma-separated `sandloop serve` URLs to grade on instead of a local pool (a `sandbox_urls` keyword overrides it)."""
WORKERS_ENV = "SANDLOOP_REWARD_WORKERS_PER_NODE"
"""Reward processes per node the default sizing divides the cores by (a `workers_per_node` keyword overrides it)."""
DEFAULT_WORKERS_PER_NODE = 8
"""verl's default `reward.num_workers`: eight reward-loop workers, all on one node when there is one."""


class _ProcessState:
    """This process's pool, the settings it is made with, and the counters of every call here."""

    def __init__(self, pool_config: PoolConfig | None = None) -> None:
        self.lock = threading.Lock()
        self.pool: Sandbox | None = None
        self.pool_config = pool_config
        self.stats = RewardStats()


_state = _ProcessState()


def _after_fork() -> None:
    # The child must not use (nor close) its parent's connections, nor a lock another thread held at fork.
    global _state
    _state = _ProcessState(_state.pool_config)


os.register_at_fork(after_in_child=_after_fork)


def _env_int(name: str) -> int | None:
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"environment variable {name}={text!r}: expected a whole number of at least 1")
    return int(text)


def pool_size(config: RewardConfig) -> int:
    """Containers for this process: explicit (keyword, then environment), else the cores over the workers."""
    explicit = config.pool_size or _env_int(POOL_SIZE_ENV)
    if explicit:
        return explicit
    workers = config.workers_per_node or _env_int(WORKERS_ENV) or DEFAULT_WORKERS_PER_NODE
    return max(1, PoolConfig().size // workers)


def sandbox_urls(config: RewardConfig) -> list[str]:
    """The remote servers to grade on: the keyword's, else the environment's (none: a local pool)."""
    if config.sandbox_urls:
        return list(config.sandbox_urls)
    return [url.strip() for url in os.environ.get(URLS_ENV, "").split(",") if url.strip()]


def shared_pool(config: RewardConfig | None = None) -> Sandbox:
    """This process's pool (or remote servers), made on first use from the first call's `config`. Not started
    here: a pool that cannot start yields `infra_error` results, which are retried like any other."""
    state = _state
    with state.lock:
        if state.pool is None:
            settings = config or RewardConfig()
            urls = sandbox_urls(settings)
            remote = None
            if urls:
                from sandbox.remote import remote_config

                remote = remote_config(urls, settings.sandbox_token_env)
            pool = state.pool_config or PoolConfig(size=1 if remote else pool_size(settings))
            state.pool = open_sandbox(pool, remote)
        return state.pool


def reward_stats() -> RewardStats:
    """Counters over every reward call in this process (infra errors left unscored among them)."""
    return _state.stats


def close_pool() -> None:
    """Close this process's pool (at exit, or before `configure_pool`); the next call makes a new one."""
    state = _state
    with state.lock:
        pool, state.pool = state.pool, None
    if pool is not None:
        pool.close()


def configure_pool(config: PoolConfig | None) -> None:
    """Use `config` for this process's pool from now on (None: sized as documented); closes the current one."""
    close_pool()
    with _state.lock:
        _state.pool_config = config


atexit.register(close_pool)
