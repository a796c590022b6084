"""Transient failures of a model server (a connection reset, a 5xx, a stream broken mid-reply) retried with
bounded exponential backoff: the same bounds as the sandbox's infrastructure retries (`InfraRetry`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tasks.infra_retry import InfraRetry

T = TypeVar("T")

MODEL_RETRY = InfraRetry(max_attempts=4, backoff_s=1.0, backoff_max_s=8.0)
"""The model backends' policy: three retries, 1 s, 2 s and 4 s apart (a server restarting under load)."""


class RetriesExhausted(Exception):
    """Every attempt allowed failed transiently; `__cause__` is the last failure."""

    def __init__(self, attempts: int) -> None:
        super().__init__(f"{attempts} attempts")
        self.attempts = attempts


def call_with_retries(
    call: Callable[[], T],
    policy: InfraRetry,
    transient: Callable[[BaseException], bool],
    wait: Callable[[float], None] = time.sleep,
) -> T:
    """`call()`, again after each failure `transient` accepts, within `policy`'s bounds. Other failures pass
    through at once; when the bounds are reached, RetriesExhausted from the last transient failure."""
    attempts = 0
    delay = policy.backoff_s
    deadline = None if policy.deadline_s is None else time.monotonic() + policy.deadline_s
    while True:
        attempts += 1
        try:
            return call()
        except Exception as error:
            if not transient(error):
                raise
            remaining = None if deadline is None else deadline - time.monotonic()
            out_of_attempts = policy.max_attempts is not None and attempts >= policy.max_attempts
            if out_of_attempts or (remaining is not None and remaining <= 0):
                raise RetriesExhausted(attempts) from error
        wait(delay if remaining is None else min(delay, remaining))
        delay = min(2 * delay, policy.backoff_max_s)
