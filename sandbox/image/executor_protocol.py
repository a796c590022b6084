"""The frames the host and the in-container executor exchange (stdlib only: shipped into the image beside it).

Every frame is one JSON object, length-prefixed, on the host's socket (HOST_SOCKET) or else on the container's
stdin (jobs) and stdout (answers). Each
carries the protocol version `v`; either side refuses a frame of another version with a clear message
(an image built from another sandloop). Bump PROTOCOL_VERSION with any change to a shape below.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

PROTOCOL_VERSION = 4
HOST_SOCKET = "/run/sandloop/executor.sock"
"""Where a local host mounts the Unix socket the executor connects to at start and speaks frames on;
without it (an engine on another machine) frames go through the container's stdin and stdout."""
WALL_CLOCK_STRETCH = 5.0
"""A run's wall-clock limit leaves out the time it waited for a CPU (host load), up to this many times the
limit: the executor stops it by then, and the host's guard waits that long before deeming a container hung."""

# ---------------------------------------------------------------- host -> executor


class PingFrame(TypedDict):
    """Asks the executor whether it is up (sent once, when a container starts)."""

    v: int
    kind: Literal["ping"]


class ProgramFields(TypedDict):
    v: int
    language: str
    """`python` (run in the warm interpreter) or another of the image's languages (compiled first if it is
    a compiled one)."""
    source: str
    """The program: in Python run as `__main__` in a fresh work dir, else the language's one source file."""
    files: dict[str, str]
    """Text files placed in the work dir first, by relative path."""
    binary_files: dict[str, str]
    """Files of any bytes placed in the work dir first (after `files`), by relative path: base64 content."""
    timeout_s: float
    """Wall-clock limit of one program run."""
    cpu_time_s: float | None
    """CPU-time limit of one program run; None: as the wall-clock limit."""
    output_limit: int
    """Bytes of stdout and of stderr kept; 16 times more stops the run."""
    compile_timeout_s: float
    """Wall-clock limit of the compile step (compiled languages only)."""


class RunFrame(ProgramFields):
    """Run the program once on `stdin`."""

    kind: Literal["run"]
    stdin: str
    fetch: list[str]
    """Work-dir files (relative paths) whose contents the answer returns."""


class FunctionTestsFrame(ProgramFields):
    """Run the program, then the test code in its namespace, each assert observed by the executor."""

    kind: Literal["tests"]
    tests: str
    entry_point: str | None


class CasesFrame(ProgramFields):
    """Run the program once per input; the expected outputs stay in the host."""

    kind: Literal["cases"]
    inputs: list[str]


ProgramFrame = RunFrame | FunctionTestsFrame | CasesFrame
JobFrame = PingFrame | ProgramFrame

# ---------------------------------------------------------------- executor -> host

Outcome = Literal["exited", "timeout", "memory", "output_limit"]


class AssertRecord(TypedDict):
    """One assert of the test code, as the executor judged it."""

    index: int
    line: int
    source: str
    """The assert's source line, without `assert `."""
    executions: int
    """How often it ran; every run must hold."""
    failures: int
    detail: str | None
    """What the first failing run saw."""


class HarnessReport(TypedDict):
    """What the test harness recorded in a `tests` run; a pass is only ever recorded here."""

    loaded: bool
    """The program ran to its end and defined the entry point."""
    completed: bool
    """The test code (and `check`) ran to the end."""
    program_error: str | None
    fatal: str | None
    """The exception that stopped the test code, if one did."""
    asserts: list[AssertRecord]


class RunRecord(TypedDict):
    """One program run."""

    outcome: Outcome
    exit_code: int | None
    signal: int | None
    stdout: str
    """Head of stdout, as many bytes as the job keeps."""
    stderr: str
    stdout_cut: int
    """Bytes of stdout not kept."""
    stderr_cut: int
    duration_s: float
    harness: NotRequired[HarnessReport]
    """Only in `tests` runs."""


class RunsAnswer(TypedDict):
    v: int
    kind: Literal["runs"]
    runs: list[RunRecord]
    """One run (`run`, `tests`) or one per input (`cases`); none when the compile step failed."""
    compile: RunRecord | None
    """The compile step of a compiled language (a cached build reports the run that made it)."""
    phases: NotRequired[dict[str, int]]
    """Nanoseconds the executor spent in each phase of this frame (for `sandloop sandbox bench --phases`);
    `answer` is the previous frame's answer write, `cpu_executor` / `cpu_jobs` CPU time, not wall time,
    `faults_executor` / `faults_jobs` page-fault counts, not times."""
    fetched: NotRequired[dict[str, str | None]]
    """For `run` jobs that ask: each file's content in base64, None when it is missing, not a regular file
    inside the work dir, or too large."""


class PongAnswer(TypedDict):
    v: int
    kind: Literal["pong"]
    python: str
    """The container's Python version."""
    languages: list[str]
    """The languages this image can run."""


class HarnessErrorAnswer(TypedDict):
    """The test code itself is broken (does not parse): the candidate is not at fault, nor the sandbox."""

    v: int
    kind: Literal["harness_error"]
    message: str


class ExecutorErrorAnswer(TypedDict):
    """The executor failed on a job: an infrastructure error."""

    v: int
    kind: Literal["executor_error"]
    message: str
    trace: str


class ProtocolErrorAnswer(TypedDict):
    """The job frame was of another protocol version than this executor's (`v` is the executor's)."""

    v: int
    kind: Literal["protocol_error"]
    message: str


Answer = RunsAnswer | PongAnswer | HarnessErrorAnswer | ExecutorErrorAnswer | ProtocolErrorAnswer


def version_mismatch(theirs: object, they: str, we: str) -> str | None:
    """None when `theirs` is this protocol's version, else one line saying what is wrong and what to do."""
    if theirs == PROTOCOL_VERSION:
        return None
    return (
        f"the {they} speaks executor protocol {theirs!r}, the {we} {PROTOCOL_VERSION}: host and image come "
        "from different sandloop versions (rebuild the image: `sandloop sandbox build`)"
    )
