"""verl's custom reward function: `custom_reward_function.path=<this file>`, `.name=compute_score`.

verl loads this file by path (`importlib.util.spec_from_file_location`), possibly in several processes (Ray
workers, a reward process pool), and calls `compute_score(data_source=, solution_str=, ground_truth=,
extra_info=, **reward_kwargs)` once per response (naive reward manager), or `compute_score_batch(data_sources=,
solution_strs=, ground_truths=, extra_infos=)` with `reward_manager=batch`. `ground_truth` is the row's
`rl.dataset.verification_info(task)`; `custom_reward_function.reward_kwargs` are `RewardConfig` fields (for
QwQ: `+custom_reward_function.reward_kwargs.opened_by_template=true`).

Each process makes its own sandbox pool on first use and closes it at exit. `SANDLOOP_REWARD_POOL_SIZE` sets
its size (default: the usable cores).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

try:
    import rl  # noqa: F401
except ImportError:  # loaded by file path from outside the project: its root holds the rl package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rl.config import RewardConfig
from rl.dataset import task_from_verification
from rl.rewards import SandboxReward, Score
from rl.stats import RewardStats
from sandbox import PoolConfig, SandboxPool

POOL_SIZE_ENV = "SANDLOOP_REWARD_POOL_SIZE"

_lock = threading.Lock()
_pool: SandboxPool | None = None
_pool_pid: int | None = None
_pool_config: PoolConfig | None = None
_exit_hook = False
stats = RewardStats()
"""Counters over every call in this process (infra errors left unscored among them)."""


def _default_pool_config() -> PoolConfig:
    size = os.environ.get(POOL_SIZE_ENV)
    return PoolConfig(size=int(size)) if size else PoolConfig()


def shared_pool() -> SandboxPool:
    """This process's pool, made on first use. Not started here: a pool that cannot start yields
    `infra_error` results, which are retried like any other."""
    global _pool, _pool_pid, _exit_hook
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            # A forked child inherits its parent's pool object; its connections are the parent's: make its own.
            _pool = SandboxPool(_pool_config or _default_pool_config())
            _pool_pid = os.getpid()
            if not _exit_hook:
                atexit.register(close_pool)
                _exit_hook = True
        return _pool


def close_pool() -> None:
    """Close this process's pool (at exit, or before `configure_pool`); the next call makes a new one."""
    global _pool, _pool_pid
    with _lock:
        if _pool is not None and _pool_pid == os.getpid():
            _pool.close()
        _pool, _pool_pid = None, None


def configure_pool(config: PoolConfig | None) -> None:
    """Use `config` for this process's pool from now on (None: the default); closes the current one."""
    global _pool_config
    close_pool()
    with _lock:
        _pool_config = config


def _plain(value: Any) -> Any:
    # verl passes reward_kwargs from OmegaConf: nested mappings may be DictConfigs.
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _reward(reward_kwargs: Mapping[str, Any]) -> SandboxReward:
    config = RewardConfig.model_validate(_plain(reward_kwargs))
    return SandboxReward(shared_pool(), config, stats)


def verl_result(score: Score) -> dict[str, Any]:
    """The dict verl stores: `score` is the reward, the other keys land in `reward_extra_info`.

    Every result has the same keys (verl appends them column-wise); an infra error scores 0.0 with
    `infra_error: True`, since verl has no "unscored".
    """
    return {
        "score": 0.0 if score.reward is None else score.reward,
        "status": score.status,
        "pass_fraction": score.pass_fraction,
        "passed": score.status == "passed",
        "infra_error": score.infra_error,
        "answer_format": score.answer_format,
    }


def compute_score(
    data_source: str | None,
    solution_str: str,
    ground_truth: str | Mapping[str, Any],
    extra_info: Mapping[str, Any] | None = None,
    **reward_kwargs: Any,
) -> dict[str, Any]:
    """One response's reward; `data_source` and `extra_info` are not needed (the ground truth has it all)."""
    [score] = _reward(reward_kwargs).score([task_from_verification(ground_truth)], [solution_str])
    return verl_result(score)


def compute_score_batch(
    data_sources: Sequence[str | None],
    solution_strs: Sequence[str],
    ground_truths: Sequence[str | Mapping[str, Any]],
    extra_infos: Sequence[Mapping[str, Any] | None] | None = None,
    **reward_kwargs: Any,
) -> list[dict[str, Any]]:
    """A batch's rewards through the pool at once (`reward_model.reward_manager=batch`)."""
    tasks = [task_from_verification(truth) for truth in ground_truths]
    return [verl_result(score) for score in _reward(reward_kwargs).score(tasks, list(solution_strs))]
