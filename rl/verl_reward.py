"""verl's custom reward function (verl 0.9.1): `reward.custom_reward_function.path=<this file>` (or
`pkg://rl.verl_reward`), `.name=compute_score`; the README's "Training with verl" lists every recipe.

verl's reward loop calls `compute_score(data_source=, solution_str=, ground_truth=, extra_info=)` once per
response, in `reward.num_workers` Ray workers; `ground_truth` is the row's `rl.dataset.verification_info(task)`.
`+reward.custom_reward_function.reward_kwargs.*` are `RewardConfig` fields. `compute_score_batch` is for
verl's `BatchRewardManager`. Each process has its own sandbox pool (`rl.process_pool`), closed at exit.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def _use_the_package_beside_this_file() -> None:
    # Loaded by file path, this file must run with its own checkout's rl package, not another install's.
    if "rl" in sys.modules:
        return
    root = Path(__file__).resolve().parents[1]
    found = importlib.util.find_spec("rl")
    if found is None:
        sys.path.append(str(root))  # last: the checkout's other top-level packages shadow nothing installed
    elif found.origin is None or Path(found.origin).resolve().parents[1] != root:
        sys.path.insert(0, str(root))


_use_the_package_beside_this_file()

from rl.process_pool import close_pool, configure_pool, reward_stats, shared_pool  # noqa: E402
from rl.verl_scoring import VerlResult, compute_score, compute_score_batch, verl_result  # noqa: E402

__all__ = [
    "VerlResult",
    "close_pool",
    "compute_score",
    "compute_score_batch",
    "configure_pool",
    "reward_stats",
    "shared_pool",
    "verl_result",
]
