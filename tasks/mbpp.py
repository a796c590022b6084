"""MBPP-format JSON Lines: `task_id`, `text`, `code`, `test_list`, `test_setup_code`, `challenge_test_list`.

Hidden tests are every assert of `test_list` and `challenge_test_list`; public tests are the first assert,
which the prompt shows too: it names the function to write. As in MBPP's own harness, the setup code runs in
the program's namespace (after the answer, before the asserts: `TestSet.setup`), so an answer may use a name
it defines; its imports are repeated in the test code, so the modules the asserts use are guarded there.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

from tasks.datafile import Record, read_jsonl, unique_tasks
from tasks.spec import TaskSpec, TestSet

TIME_LIMIT_S = 3.0


def load_mbpp(path: Path, suite: str) -> list[TaskSpec]:
    return unique_tasks(path, ((record, task_from(record, suite)) for record in read_jsonl(path)))


def _parse(record: Record, field: str, code: str, what: str) -> ast.Module:
    try:
        return ast.parse(code)
    except SyntaxError as error:
        raise record.error(field, f"{what} does not parse: {error.msg}") from None


def _asserts(record: Record, field: str, optional: bool = False) -> list[str]:
    asserts = record.texts(field, optional)
    for number, line in enumerate(asserts, start=1):
        _parse(record, field, line, f"test {number}")
    return asserts


def _bound_names(setup: ast.Module) -> set[str]:
    """Names the test setup code defines or imports (`from math import isclose`)."""
    names: set[str] = set()
    for node in ast.walk(setup):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _imports(setup: ast.Module) -> str:
    """The setup code's top-level imports: the test code binds the same modules (no second copy of anything
    the setup defines), and the sandbox guards the modules its test code imports."""
    return "\n".join(
        ast.unparse(node) for node in setup.body if isinstance(node, ast.Import | ast.ImportFrom)
    )


def entry_point_of(record: Record, first_assert: str, setup: ast.Module) -> str:
    """The first function the assert calls that neither Python nor the setup provides (`set(f(x))`: `f`)."""
    provided = _bound_names(setup)
    for node in ast.walk(ast.parse(first_assert)):
        name = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else None
        if name and not hasattr(builtins, name) and name not in provided:
            return name
    raise record.error("test_list", "the first test calls no function, so it names no entry point")


def task_from(record: Record, suite: str) -> TaskSpec:
    task_id = record.ident("task_id")
    text = record.text("text")
    reference = record.text("code")
    tests = _asserts(record, "test_list")
    if not tests:
        raise record.error("test_list", "expected at least one test")
    setup = record.text("test_setup_code", default="").strip()
    setup_module = _parse(record, "test_setup_code", setup, "the setup code")
    entry_point = entry_point_of(record, tests[0], setup_module)
    imports = _imports(setup_module)
    hidden = [imports, *tests, *_asserts(record, "challenge_test_list", optional=True)]
    return record.task(
        id=task_id,
        suite=suite,
        prompt=f"{text.strip()}\nYour code should pass this test:\n{tests[0]}\n",
        kind="function",
        entry_point=entry_point,
        public_tests=TestSet(code="\n".join(filter(None, [imports, tests[0]])) + "\n", setup=setup),
        hidden_tests=TestSet(code="\n".join(filter(None, hidden)) + "\n", setup=setup),
        reference_solution=reference,
        time_limit_s=TIME_LIMIT_S,
        metadata={"record": record.where},
    )
