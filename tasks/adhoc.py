"""A task from free text (`sandloop solve "..."`): with the user's tests (`--tests FILE`) as its tests, else none
of its own, so the agent writes them.

The tests file is Python test code (asserts; top-level `test_*` functions are called, pytest style) or, for a
program reading stdin, stdin/stdout cases: a `.jsonl` file with one `{"input": ..., "output": ...}` object per
line. The same tests are public (the agent runs them) and grade the final answer.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from pydantic import ValidationError

from sandbox.models import IOCase
from tasks.datafile import read_jsonl, validation_error
from tasks.errors import TaskError
from tasks.spec import TaskSpec, TestSet

SUITE = "adhoc"
CASES_SUFFIX = ".jsonl"


def adhoc_task(problem: str, time_limit_s: float = 10.0, tests: TestSet | None = None) -> TaskSpec:
    """The task of a free-text problem; `tests` (from `user_tests`) are its public and hidden tests."""
    tests = tests or TestSet()
    identity = problem if tests.empty else f"{problem}\0{tests.model_dump_json()}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:10]
    return TaskSpec(
        id=f"problem-{digest}",
        suite=SUITE,
        prompt=problem.strip(),
        kind="stdio" if tests.cases else "function",
        public_tests=tests,
        hidden_tests=tests,
        time_limit_s=time_limit_s,
    )


def user_tests(path: Path) -> TestSet:
    """The tests in `path`: stdin/stdout cases from a `.jsonl` file, else Python test code. A file that
    checks nothing (no case, no assert) is refused: a run is only solved by tests that assert something."""
    if path.suffix == CASES_SUFFIX:
        return TestSet(cases=_cases(path))
    try:
        code = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TaskError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TaskError(f"{path}: cannot be read ({error})") from None
    try:
        module = ast.parse(code, filename=str(path))
    except SyntaxError as error:
        raise TaskError(f"{path}:{error.lineno}: not valid Python: {error.msg}") from None
    except ValueError as error:  # null bytes
        raise TaskError(f"{path}: not valid Python: {error}") from None
    if not any(isinstance(node, ast.Assert) for node in ast.walk(module)):
        raise TaskError(f"{path}: no assert in the tests (a test must check something)")
    calls = [
        f"{statement.name}()"
        for statement in module.body
        if isinstance(statement, ast.FunctionDef)
        and statement.name.startswith("test_")
        and not statement.args.args
    ]
    if calls:  # pytest-style functions: call each, or their asserts would never run
        code = code.rstrip("\n") + "\n\n" + "\n".join(calls) + "\n"
    return TestSet(code=code)


def _cases(path: Path) -> list[IOCase]:
    cases = []
    for record in read_jsonl(path):
        try:
            cases.append(IOCase.model_validate(record.data))
        except ValidationError as error:
            raise validation_error(record.where, error) from None
    if not cases:
        raise TaskError(f'{path}: no cases in the file (one {{"input": ..., "output": ...}} per line)')
    return cases
