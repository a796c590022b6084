"""The one budget rule of an agent episode, for the graph's solves and the multi-turn RL rollouts alike.

An episode stops once any limit is reached (calls, tokens, seconds), and no reply may be longer than what is
left of the token budget. What counts as a token is the caller's: a solve counts the tokens the model
generated; a rollout counts its whole completion, feedback turns included, since that is what the trainer
holds in memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    max_calls: int
    max_tokens: int
    max_seconds: float = math.inf


@dataclass(frozen=True)
class Spent:
    calls: int = 0
    tokens: int = 0
    seconds: float = 0.0


def exhausted(spent: Spent, budget: Budget) -> bool:
    """No further model call starts."""
    return (
        spent.calls >= budget.max_calls
        or spent.tokens >= budget.max_tokens
        or spent.seconds >= budget.max_seconds
    )


def reply_limit(spent: Spent, budget: Budget, reply_max: int) -> int:
    """The next reply's token limit: its own, cut to what the budget has left (at least one token)."""
    return max(1, min(reply_max, budget.max_tokens - spent.tokens))
