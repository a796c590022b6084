"""SandboxFusion's wire format (its `sandbox_api.py`, `runners/types.py`, `datasets/types.py`), field for field.

Requests ignore unknown fields, as SandboxFusion's do (clients send extras such as `expected_stdout`).
A language outside `SUPPORTED_LANGUAGES` fails validation (422) exactly as SandboxFusion answers a
language it does not know.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

KNOWN_LANGUAGES = (
    "python", "cpp", "nodejs", "go", "go_test", "java", "php", "csharp", "bash", "typescript", "sql", "rust",
    "cuda", "lua", "R", "perl", "D_ut", "ruby", "scala", "julia", "pytest", "junit", "kotlin_script", "jest",
    "verilog", "python_gpu", "lean", "swift", "racket",
)  # fmt: skip
"""SandboxFusion's 29 languages (for reference: this server runs `SUPPORTED_LANGUAGES`)."""
Language = Literal["python", "cpp", "java", "go", "rust", "nodejs", "bash"]
SUPPORTED_LANGUAGES: tuple[str, ...] = ("python", "cpp", "java", "go", "rust", "nodejs", "bash")
"""SandboxFusion's names of the sandbox languages (each is also sandloop's name; sandloop's `c` has no
SandboxFusion name). A server answers those its image holds (`sandloop serve --languages`)."""


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunCodeRequest(_Request):
    """`POST /run_code`: one program, run once."""

    code: str
    """The program."""
    language: Language
    """How to run it."""
    compile_timeout: float = 10
    """Seconds for the compile step (compiled languages only)."""
    run_timeout: float = 10
    """Seconds of wall clock for the run."""
    memory_limit_MB: int = -1  # noqa: N815 (the wire name)
    """Memory limit of the program, rounded up to a class (128, 256, 512 MB, ...); <= 0: the server's."""
    stdin: str | None = None
    """Text fed to standard input."""
    files: dict[str, str | None] = Field(default_factory=dict)
    """Files placed in the work dir before the run: path -> base64 content (null: skipped)."""
    fetch_files: list[str] = Field(default_factory=list)
    """Paths whose content the answer returns (base64)."""


class CommandRunStatus(StrEnum):
    Finished = "Finished"
    Error = "Error"
    TimeLimitExceeded = "TimeLimitExceeded"


class RunStatus(StrEnum):
    Success = "Success"
    Failed = "Failed"
    SandboxError = "SandboxError"


class CommandRunResult(_Response):
    """One command (compile or run) as it ended."""

    status: CommandRunStatus
    """`Finished` (any exit code), `TimeLimitExceeded`, or `Error` (the sandbox failed to run it)."""
    execution_time: float | None = None
    """Seconds it ran."""
    return_code: int | None = None
    """Exit code (negative: killed by that signal); null on a timeout."""
    stdout: str | None = None
    """Standard output (cut past the server's output limit, with a marker)."""
    stderr: str | None = None
    """Standard error (cut likewise)."""


class RunCodeResponse(_Response):
    """`POST /run_code`'s answer (HTTP 200 for every run)."""

    status: RunStatus
    """`Success` (exit 0), `Failed` (non-zero exit or timeout), `SandboxError`."""
    message: str
    """Why, for `SandboxError`; else empty."""
    compile_result: CommandRunResult | None = None
    """The compile step, for compiled languages."""
    run_result: CommandRunResult | None = None
    """The run; null when the compile step failed."""
    executor_pod_name: str | None = None
    """Which server ran it (SandboxFusion: the pod name)."""
    files: dict[str, str] = Field(default_factory=dict)
    """`fetch_files` contents, base64."""


class TestConfig(_Request):
    """`config` of a `/submit` request."""

    __test__ = False  # not a pytest class

    dataset_type: str | None = None
    """Evaluation class for a dataset the server does not know (`CommonOJDataset`)."""
    language: Language | None = None
    """Language of the submitted code."""
    locale: str | None = None
    """Prompt language (prompts only)."""
    is_fewshot: bool | None = None
    """Few-shot prompting (prompts only)."""
    compile_timeout: float | None = None
    """Seconds for the compile step of each case."""
    run_timeout: float | None = None
    """Seconds of wall clock for each case (default 20 for interpreted languages, as SandboxFusion)."""
    custom_extract_logic: str | None = None
    """Python run to extract code; refused here (it would run request code in the server)."""
    provided_data: list[dict[str, Any]] | dict[str, Any] | None = None
    """The problem itself: `{id, content, labels, test}`."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Options: `run_all_cases` (do not stop at the first failing case), `return_full_case`."""


class SubmitRequest(_Request):
    """`POST /submit`: a completion judged on a problem's cases."""

    dataset: str
    """Dataset name (any name, with `config.dataset_type` = `CommonOJDataset`)."""
    id: int | str
    """Problem id, echoed back."""
    completion: str
    """The model's completion; the code is extracted from it."""
    config: TestConfig
    """How to judge it."""


class GeneralStdioTest(BaseModel):
    """One case of `provided_data.test`."""

    model_config = ConfigDict(extra="ignore")

    input: dict[str, str]
    """`stdin`: text fed to the program."""
    output: dict[str, str]
    """`stdout`: the expected output."""


class EvalTestCase(_Response):
    """One judged case."""

    passed: bool
    """The run succeeded and its output matched."""
    exec_info: RunCodeResponse
    """The run, as `/run_code` answers it."""
    test_info: dict[str, Any] | None = None
    """The case (cut to 1000 characters per stream when it passed, unless `return_full_case`)."""


class EvalResult(_Response):
    """`POST /submit`'s answer."""

    id: int | str
    """The problem id."""
    accepted: bool
    """Every judged case passed."""
    extracted_code: str
    """The code taken from the completion."""
    full_code: str | None = None
    """The program as run, when it differs (not for CommonOJDataset)."""
    test_code: str | None = None
    """Test code appended, when any (not for CommonOJDataset)."""
    tests: list[EvalTestCase]
    """Cases in order, up to the first failing one unless `run_all_cases`."""
    extracted_type: Literal["fenced", "incomplete_fenced", "heuristic", "empty"] | None = None
    """How the code was found (CommonOJDataset does not say)."""
    extra: dict[str, Any] | None = None
    """Dataset-specific extras."""
