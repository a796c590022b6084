"""Counters a trainer reads between steps: what the sandbox said, and what it could not score."""

from __future__ import annotations

import threading
from collections import Counter

from pydantic import BaseModel, ConfigDict, Field


class StatsSnapshot(BaseModel):
    """The counters at one moment (a copy: later scoring does not change it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    completions: int = 0
    """Completions scored or left unscored."""
    by_status: dict[str, int] = Field(default_factory=dict)
    """Final sandbox status per completion, `no_answer` for those with no code to run."""
    infra_retries: int = 0
    """Jobs run again after an infrastructure error."""
    infra_recovered: int = 0
    """Jobs whose infrastructure error a retry cleared."""
    infra_unscored: int = 0
    """Completions left with an infrastructure error after the retry deadline: no reward (never a failure)."""


class RewardStats:
    """Thread-safe counters, shared by every reward call that is handed the same object."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._zero()

    def _zero(self) -> None:
        self._completions = 0
        self._by_status: Counter[str] = Counter()
        self._retries = 0
        self._recovered = 0
        self._unscored = 0

    def count_statuses(self, statuses: list[str]) -> None:
        with self._lock:
            self._completions += len(statuses)
            self._by_status.update(statuses)
            self._unscored += statuses.count("infra_error")

    def count_retry_round(self, retried: int, recovered: int) -> None:
        with self._lock:
            self._retries += retried
            self._recovered += recovered

    def _copy(self) -> StatsSnapshot:
        return StatsSnapshot(
            completions=self._completions,
            by_status=dict(self._by_status),
            infra_retries=self._retries,
            infra_recovered=self._recovered,
            infra_unscored=self._unscored,
        )

    def snapshot(self) -> StatsSnapshot:
        with self._lock:
            return self._copy()

    def reset(self) -> StatsSnapshot:
        """The counters so far, then zero (for per-step logging)."""
        with self._lock:
            snapshot = self._copy()
            self._zero()
            return snapshot
