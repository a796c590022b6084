"""The tools: pydantic argument models, the functions, their JSON schemas, and one entry to call them by name.

A tool never raises for the model's mistakes: a bad call comes back as a message, and counts against the budget.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sandbox import CasesJob, JobResult, RunJob, TestJob
from sandbox.models import work_dir_path
from tasks.grading import job_for
from tasks.infra_retry import run_with_retries
from tasks.verdict import checks_held
from tools.context import ToolContext
from tools.feedback import describe


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunPythonArgs(_Args):
    """Run a Python program (with the files written so far) and see its output."""

    code: str = Field(description="The whole program.")
    stdin: str = Field("", description="Text for standard input.")


class RunTestsArgs(_Args):
    """Run the solution against the problem's public tests. When it has none: against your own `tests`
    (asserts; top-level asserts after the solution in `code` count too). Tests that assert nothing never pass."""

    code: str = Field(description="The whole solution.")
    tests: str | None = Field(
        None, description="Your own test code (asserts); only used when there are no public tests."
    )


class WriteFileArgs(_Args):
    """Write a file into the work dir; it is there for every later run."""

    path: str = Field(description="Relative path, e.g. helpers.py.")
    content: str = Field(description="The file's text.")

    @field_validator("path")
    @classmethod
    def _relative(cls, path: str) -> str:
        return work_dir_path(path)


class ReadFileArgs(_Args):
    """Read a file written earlier."""

    path: str = Field(description="Relative path of the file.")


class SubmitArgs(_Args):
    """Submit the final solution; it is graded once on hidden tests after the loop."""

    code: str = Field(description="The whole final solution.")


class ToolOutcome(BaseModel):
    """What a tool call did: the message for the model and the facts the graph routes on."""

    model_config = ConfigDict(extra="forbid")

    name: str
    """The tool called."""
    content: str
    """What the model reads back."""
    ok: bool = True
    """False when the call itself was malformed (unknown tool, bad arguments)."""
    code: str | None = None
    """The solution code this call carried, if any."""
    tests_passed: bool | None = None
    """For run_tests and submit: did the (public or own) tests pass."""
    submitted: bool = False
    """The model submitted its final answer."""
    result: JobResult | None = None
    """The sandbox result, for the trajectory."""
    files: dict[str, str] = Field(default_factory=dict)
    """The agent's files after the call."""


Tool = Callable[[ToolContext, dict[str, str], Any], ToolOutcome]


NOTHING_ASSERTED = (
    "no assert ran and no case was run, so this is not a pass: write asserts that call your solution"
)


def split_own_tests(code: str) -> tuple[str, str]:
    """The program and the test code of a solution that carries its own tests: top-level asserts and
    `if __name__ == "__main__":` blocks move to the test code (run after the program, in its namespace), where
    the harness counts each assert that runs. Code that does not parse stays whole (its error is the feedback)."""
    try:
        module = ast.parse(code)
    except (SyntaxError, ValueError):
        return code, ""
    lines = code.splitlines(keepends=True)
    moved: list[tuple[int, int]] = [
        (statement.lineno, statement.end_lineno or statement.lineno)
        for statement in module.body
        if isinstance(statement, ast.Assert) or _is_main_guard(statement)
    ]
    tests = ["".join(lines[first - 1 : last]) for first, last in moved]
    for first, last in reversed(moved):
        del lines[first - 1 : last]
    return "".join(lines), "".join(block if block.endswith("\n") else block + "\n" for block in tests)


def _is_main_guard(statement: ast.stmt) -> bool:
    test = statement.test if isinstance(statement, ast.If) else None
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def run_tests_job(
    handle: ToolContext, code: str, own_tests: str | None, files: dict[str, str]
) -> TestJob | CasesJob:
    task = handle.task
    if not task.public_tests.empty:
        job = job_for(task, code, "public")
    else:
        # No public tests: the agent's own asserts (in `tests`, and at top level in the code) are the check.
        program, inline_tests = split_own_tests(code)
        tests = "\n".join(part for part in (inline_tests, own_tests or "") if part.strip())
        job = TestJob(source=program, tests=tests, entry_point=task.entry_point, limits=handle.limits)
    return job.model_copy(update={"files": files})


def _run(handle: ToolContext, job: RunJob | TestJob | CasesJob) -> JobResult:
    """One job of the agent's, its infrastructure errors retried by the one policy (`handle.retry`): an engine
    fault must not reach the model as a failure of its code."""
    [(result, _attempts)] = run_with_retries(handle.pool, [job], handle.retry)
    return result


def run_python(handle: ToolContext, files: dict[str, str], args: RunPythonArgs) -> ToolOutcome:
    job = RunJob(source=args.code, stdin=args.stdin, files=files, limits=handle.limits)
    result = _run(handle, job)
    return ToolOutcome(
        name="run_python", content=describe(result, handle.feedback_chars), result=result, files=files
    )


def run_tests(handle: ToolContext, files: dict[str, str], args: RunTestsArgs) -> ToolOutcome:
    result = _run(handle, run_tests_job(handle, args.code, args.tests, files))
    held = checks_held(result)
    content = describe(result, handle.feedback_chars)
    if result.status == "passed" and not held:
        content = f"{content}\n{NOTHING_ASSERTED}"
    return ToolOutcome(
        name="run_tests",
        content=content,
        code=args.code,
        tests_passed=held,
        result=result,
        files=files,
    )


def write_file(handle: ToolContext, files: dict[str, str], args: WriteFileArgs) -> ToolOutcome:
    updated = {**files, args.path: args.content}
    return ToolOutcome(
        name="write_file", content=f"wrote {args.path} ({len(args.content)} characters)", files=updated
    )


def read_file(handle: ToolContext, files: dict[str, str], args: ReadFileArgs) -> ToolOutcome:
    if args.path not in files:
        known = ", ".join(sorted(files)) or "none"
        return ToolOutcome(
            name="read_file", content=f"no file {args.path!r} (files: {known})", ok=False, files=files
        )
    return ToolOutcome(name="read_file", content=files[args.path], files=files)


def submit(handle: ToolContext, files: dict[str, str], args: SubmitArgs) -> ToolOutcome:
    if handle.task.public_tests.empty:
        return ToolOutcome(name="submit", content="submitted", code=args.code, submitted=True, files=files)
    checked = run_tests(handle, files, RunTestsArgs(code=args.code))
    verdict = "the public tests pass" if checked.tests_passed else "the public tests do not pass"
    return checked.model_copy(
        update={"name": "submit", "submitted": True, "content": f"submitted; {verdict}\n{checked.content}"}
    )


TOOLS: dict[str, tuple[type[_Args], Tool]] = {
    "run_python": (RunPythonArgs, run_python),
    "run_tests": (RunTestsArgs, run_tests),
    "write_file": (WriteFileArgs, write_file),
    "read_file": (ReadFileArgs, read_file),
    "submit": (SubmitArgs, submit),
}
TOOL_NAMES = tuple(TOOLS)


def call_tool(
    handle: ToolContext, files: dict[str, str], name: str, arguments: dict[str, Any]
) -> ToolOutcome:
    """Call a tool by name with raw JSON arguments; mistakes come back as a message for the model."""
    if name not in TOOLS:
        return ToolOutcome(
            name=name, content=f"unknown tool {name!r}; tools: {', '.join(TOOL_NAMES)}", ok=False, files=files
        )
    model, function = TOOLS[name]
    try:
        args = model.model_validate(arguments)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in error.errors()
        )
        return ToolOutcome(name=name, content=f"bad arguments for {name}: {problems}", ok=False, files=files)
    return function(handle, files, args)


def tool_schemas() -> list[dict[str, Any]]:
    """OpenAI-style function schemas (what chat templates' `tools=` and servers' `tools` take)."""
    return [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": (model.__doc__ or "").strip(),
                "parameters": model.model_json_schema(),
            },
        }
        for name, (model, _) in TOOLS.items()
    ]
