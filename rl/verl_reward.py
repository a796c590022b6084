"""verl's custom reward function (verl 0.9.1): `reward.custom_reward_function.path=<this file>` (or
`pkg://rl.verl_reward`), `.name=compute_score`; the README's "Training with verl" lists every recipe.

verl's reward loop calls `compute_score(data_source=, solution_str=, ground_truth=, extra_info=)` once per
response, in `reward.num_workers` Ray workers; `ground_truth` is the row's `rl.dataset.verification_info(task)`.
`+reward.custom_reward_function.reward_kwargs.*` are `RewardConfig` fields. `compute_score_batch` is for
verl's `BatchRewardManager`. Each process has its own sandbox pool (`rl.process_pool`), closed at exit.
"""

from __future__ import annotations

import sys
from pathlib import Path

if "rl" not in sys.modules:
    # Loaded by file path: use the rl package beside this file (not another checkout's, not none at all).
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rl.process_pool import close_pool, configure_pool, reward_stats, shared_pool
from rl.verl_scoring import VerlResult, compute_score, compute_score_batch, verl_result

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
