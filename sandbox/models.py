"""The sandbox's boundary: jobs in, results out (pydantic models, JSON Schemas in docs/schemas/)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Status = Literal["passed", "failed", "error", "timeout", "memory", "output_limit", "infra_error"]

MAX_JOB_BYTES = 32 * 1024 * 1024
Language = Literal["python", "cpp", "c", "java", "go", "rust", "nodejs", "bash"]
"""The languages a sandbox image can hold (`sandloop sandbox build --languages`); python is in every image."""
RESERVED_NAMES = frozenset(
    {"main.py", "main.cpp", "main.c", "main.go", "main.rs", "main.js", "main.sh", "main", ".cache"}
)
"""Work-dir names the sandbox writes itself (sources, the compiled program, Go's cache): no job file may take
their place."""


def work_dir_path(name: str, *, writable: bool = True) -> str:
    """`name` when it is a relative path inside the work dir (and, when it is written, not under a reserved
    name); else ValueError. The one rule for file paths in the work dir: job files, fetched files, and the
    agent's write_file/read_file tools."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts:
        raise ValueError(f"path {name!r} must be relative and inside the work dir")
    if writable and path.parts[0] in RESERVED_NAMES:
        raise ValueError(f"path {name!r} is a file the sandbox writes itself")
    return name


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Frozen):
    """Per-job limits, enforced inside the container by the executor."""

    timeout_s: float = Field(10.0, gt=0, le=3600)
    """Wall-clock limit of one program run (each stdin/stdout case gets its own); time the run waited for a
    CPU under host load does not count, up to 5 times the limit."""
    cpu_time_s: float | None = Field(None, gt=0, le=3600)
    """CPU-time limit of one program run; defaults to the wall-clock limit."""
    output_limit_bytes: int = Field(65536, ge=1024, le=16 * 1024 * 1024)
    """Bytes of stdout and of stderr kept; a run printing 16 times more is stopped (`output_limit`)."""
    compile_timeout_s: float = Field(30.0, gt=0, le=3600)
    """Wall-clock limit of the compile step of a compiled language (C, C++, Java, Go, Rust)."""


class _JobBase(_Frozen):
    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")  # binary_files in JSON

    source: str
    """The program: Python source run as `__main__` in a fresh work dir, or one source file of `language`."""
    language: Language = "python"
    """The program's language; other than python, the pool's image must hold it."""
    files: dict[str, str] = Field(default_factory=dict)
    """Text files placed in the work dir before the run, by relative path."""
    binary_files: dict[str, bytes] = Field(default_factory=dict)
    """Files of any bytes placed in the work dir before the run, by relative path (base64 in JSON)."""
    limits: Limits = Field(default_factory=Limits)
    """Time and output limits (memory, processes and disk are the pool's container limits)."""

    @field_validator("files", "binary_files")
    @classmethod
    def _relative_paths(cls, files: dict[str, Any]) -> dict[str, Any]:
        for name in files:
            work_dir_path(name)
        return files

    @model_validator(mode="after")
    def _one_content_per_path(self) -> Self:
        both = sorted(set(self.files) & set(self.binary_files))
        if both:
            raise ValueError(f"path {both[0]!r} is in both files and binary_files")
        return self


class RunJob(_JobBase):
    """Run a program once with the given stdin."""

    kind: Literal["run"] = "run"
    stdin: str = ""
    """Text fed to the program's standard input."""
    fetch_files: list[str] = Field(default_factory=list)
    """Work-dir files (relative paths) whose contents come back in `JobResult.files`."""

    @field_validator("fetch_files")
    @classmethod
    def _fetched_inside(cls, names: list[str]) -> list[str]:
        for name in names:
            work_dir_path(name, writable=False)
        return names


class TestJob(_JobBase):
    """Function tests in the HumanEval / MBPP style: the program, then the test code in its namespace."""

    __test__ = False  # not a pytest class
    kind: Literal["tests"] = "tests"
    tests: str
    """Test code; each `assert` in it is one test. A `check(candidate)` function is called with the entry point."""
    entry_point: str | None = None
    """Name of the function under test (HumanEval's `entry_point`)."""

    @field_validator("language")
    @classmethod
    def _python_only(cls, language: str) -> str:
        if language != "python":
            raise ValueError("function tests are Python only: give other languages stdin/stdout cases")
        return language


class IOCase(_Frozen):
    """One stdin/stdout case: the expected output never enters the container."""

    input: str
    """Text fed to standard input."""
    output: str
    """Expected standard output, compared exactly modulo trailing white space."""


class CasesJob(_JobBase):
    """Contest-style stdin/stdout cases: the program runs once per case; outputs are compared in the host."""

    kind: Literal["cases"] = "cases"
    cases: list[IOCase] = Field(min_length=1)
    """The cases, run in order."""
    fail_fast: bool = False
    """Stop at the first case that does not pass (the rest are recorded as not run)."""


Job = Annotated[RunJob | TestJob | CasesJob, Field(discriminator="kind")]


class TestVerdict(_Frozen):
    """The verdict of one test: one assert of the test code, or one stdin/stdout case."""

    __test__ = False  # not a pytest class

    name: str
    """`assert N (line L)` for test code, `case N` for stdin/stdout cases."""
    passed: bool
    """Recorded by the harness after the test ran; never inferred from an exit code."""
    status: Status
    """`passed`, `failed` (wrong value, or never reached), or the run's own limit status."""
    detail: str | None = None
    """Why it failed: the exception, the first differing line, or `not run`."""
    executions: int = 0
    """How often the assert ran (asserts in loops run many times; all must hold)."""


class CompileResult(_Frozen):
    """The compile step of a compiled language."""

    status: Literal["passed", "error", "timeout", "memory", "output_limit"]
    """`passed` when the compiler exited 0; `error` for a compile error."""
    exit_code: int | None = None
    """The compiler's exit code; None when it was killed."""
    stdout: str = ""
    """The compiler's stdout head."""
    stderr: str = ""
    """The compiler's stderr head (the compile errors)."""
    duration_s: float = 0.0
    """Seconds the compile step took."""


class JobResult(_Frozen):
    """The outcome of one job."""

    status: Status
    """Overall verdict; `infra_error` only when the engine, image or a container start failed."""
    exit_code: int | None = None
    """The (last) program run's exit code; None when it was killed by a signal."""
    stdout: str = ""
    """The (last) run's stdout head, with a marker when output was cut."""
    stderr: str = ""
    """The (last) run's stderr head, with a marker when output was cut."""
    stdout_truncated_bytes: int = 0
    """Bytes of stdout not kept."""
    duration_s: float = 0.0
    """Seconds the program ran (summed over cases)."""
    tests: list[TestVerdict] = Field(default_factory=list)
    """Per-test verdicts (function tests and stdin/stdout cases)."""
    pass_fraction: float = 0.0
    """Passed tests over all tests; for a plain run 1.0 when it passed."""
    message: str | None = None
    """One line on why the job did not pass, when there is one to give."""
    compile: CompileResult | None = None
    """The compile step, for compiled languages; when it failed no run happened."""
    files: dict[str, str | None] = Field(default_factory=dict)
    """A run job's `fetch_files` after the run: base64 content, None when missing (or not a regular file
    inside the work dir, or over 8 MB)."""

    @property
    def checks_run(self) -> int:
        """Asserts the harness saw execute (each execution counts) plus stdin/stdout cases run: what a pass
        rests on. Counted by the executor's parent from its own channel, never from the program's output."""
        return sum(test.executions for test in self.tests)
