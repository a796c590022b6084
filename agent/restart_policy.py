"""When the agent starts a task afresh: one setting, read by one rule (agent.nodes.restarting). Standard library
only: the CLI's options import it at `--help` time."""

from __future__ import annotations

from enum import StrEnum


class Restart(StrEnum):
    """When a failed test run makes the next call open the task afresh (the conversation so far out of view, a
    seed of its own) instead of asking for a fix (agent.nodes.restarting)."""

    NEVER = "never"
    """Always ask for a fix."""
    ON_REPEAT = "on-repeat"
    """After a revision that repeats code which already failed."""
    AFTER_REVISION = "after-revision"
    """After a revision that failed (a repeat or new code): each attempt gets one fix, then a fresh start."""
    ON_FAILURE = "on-failure"
    """After every failed test run: a fresh sample until one passes the public tests or the budget ends."""
