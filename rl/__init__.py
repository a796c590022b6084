"""Sandbox rewards for RL fine-tuning: completions graded on a task's hidden tests, for TRL and verl.

The sandbox is the verifiable reward source: a completion's answer block (after `</think>`: the one defining the entry point, else the longest) runs
against the task's hidden tests in a warm container; the pass fraction (or all-or-nothing) is the reward.
"""

from rl.completions import Answer, Completion, extract_answer
from rl.config import FormatTerm, RewardConfig
from rl.dataset import VERIFICATION_COLUMN, VerificationInfo, task_from_verification, verification_info
from rl.rewards import SandboxReward, Score
from rl.stats import RewardStats, StatsSnapshot
from rl.trl_reward import TrlReward

__all__ = [
    "VERIFICATION_COLUMN",
    "Answer",
    "Completion",
    "FormatTerm",
    "RewardConfig",
    "RewardStats",
    "SandboxReward",
    "Score",
    "StatsSnapshot",
    "TrlReward",
    "VerificationInfo",
    "extract_answer",
    "task_from_verification",
    "verification_info",
]
