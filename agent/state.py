"""The state LangGraph checkpoints after every step: plain JSON values only, so a run resumes anywhere.

Run-scoped objects (the model, the sandbox) are not here: they reach the nodes through the runtime context.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, TypedDict

ExitStatus = Literal["solved", "budget_exhausted", "gave_up", "model_error", "format_errors"]


class AgentState(TypedDict, total=False):
    messages: Annotated[list[dict[str, Any]], operator.add]
    """Every message of the solve (Message dicts, no thinking); appended to, never rewritten. The model sees
    those of the current attempt: from `attempt_start` on."""
    attempt_start: int
    """Where in `messages` the current attempt's conversation opens (0 until a restart)."""
    events: Annotated[list[dict[str, Any]], operator.add]
    """The trajectory: every model call (with its thinking), tool call and result, with timings."""
    files: dict[str, str]
    """The agent's files (write_file), placed in every sandbox job's work dir."""
    failed_runs: dict[str, str]
    """What each failed test run said, by its `tools.repeats.run_key`: a repeat is answered from here."""
    pending: list[dict[str, Any]]
    """Tool calls the last model reply asked for, not yet executed."""
    code: str | None
    """The latest solution the tests ran on (or that was submitted)."""
    tests_passed: bool
    """Did the latest test run pass."""
    submitted: bool
    """The model submitted its answer."""
    steps: int
    """Model calls so far."""
    tokens: int
    """Generated tokens so far."""
    seconds: float
    """Wall time so far, summed over the nodes (so it survives a resume)."""
    format_errors: int
    """Replies in a row without an action."""
    model_error: str | None
    """Why the model backend failed, if it did."""
    stop: ExitStatus | None
    """Set by the node that finds the run over; routing then goes to `finish`."""
    exit_status: ExitStatus | None
    """Set by `finish`."""
