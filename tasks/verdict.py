"""The verdict of the tests on one answer: what every path (run, evaluate, rollouts, rewards) records and
rewards, in one shape."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field

from sandbox import JobResult, Status

NOTHING_CHECKED = "the tests ran to their end without a check: no assert ran and no case was run"


def checks_held(result: JobResult) -> bool:
    """The one rule for "the tests pass" (public or hidden, the agent's or the grader's): they passed and checked
    something, at least one executed assert or stdin/stdout case, as the sandbox harness counted them."""
    return result.status == "passed" and result.checks_run > 0


CRASHES: frozenset[str] = frozenset({"timeout", "error", "memory", "output_limit"})
"""Statuses of a run (or of one of its tests) that ended by a limit or a crash, not by a wrong value."""


class Verdict(BaseModel):
    """The tests' verdict on one answer, after the infrastructure retries."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    status: Status
    """The sandbox's overall status, except that a pass which checked nothing is `failed` (`checks_held`);
    `infra_error` only when every attempt failed on the engine's side."""
    pass_fraction: float
    """Tests passed over all tests."""
    test_count: int | None
    """Tests the verdict counts (asserts or cases); None when rebuilt from a record written before it was kept."""
    crashed: bool
    """The run, or one of its tests, ended by a limit or a crash (see CRASHES)."""
    message: str | None = None
    """One line on why it did not pass."""
    attempts: int = Field(1, ge=1)
    """Grading attempts: more than one when infrastructure errors were retried."""
    result: JobResult | None = Field(None, exclude=True, repr=False)
    """The sandbox's full result (per-test verdicts, output) when graded here; None when rebuilt from a record."""

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @classmethod
    def of(cls, result: JobResult, attempts: int = 1) -> Self:
        crashed = result.status in CRASHES or any(test.status in CRASHES for test in result.tests)
        unchecked = result.status == "passed" and not checks_held(result)
        return cls(
            status="failed" if unchecked else result.status,
            pass_fraction=0.0 if unchecked else result.pass_fraction,
            test_count=len(result.tests),
            crashed=crashed,
            message=NOTHING_CHECKED if unchecked else result.message,
            attempts=attempts,
            result=result,
        )

    @classmethod
    def unreachable(cls, message: str) -> Self:
        """No sandbox could grade it (the engine went away, the pool closed): an infrastructure error."""
        return cls(status="infra_error", pass_fraction=0.0, test_count=None, crashed=False, message=message)
