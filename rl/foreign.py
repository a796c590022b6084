"""Ground truths of other people's code datasets, graded as they come (no conversion of the dataset).

- verl / PRIME (`data_source` codecontests, apps, taco, ...): `{"inputs": [...], "outputs": [...],
  "fn_name"?}`, as a JSON string or object. Without `fn_name` each input is stdin (a string or a list of
  lines) and each output the expected stdout; with it each input is the argument list of one call and each
  output its return value (APPS's scraped outputs wrap it in a list: both forms are accepted, as APPS does).
- DeepCoder / LiveCodeBench: `[{"input", "output", "testtype": "stdin" | "functional", "metadata":
  {"func_name"}}]`; a functional test's input is one JSON value per line, its output JSON.

Call-based tests call `Solution().<name>` when the answer defines `class Solution` (LeetCode style), else
the top-level `<name>`, as the original harnesses decide; `from typing import *` comes first, as there.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.models import IOCase
from tasks.calls import call_asserts
from tasks.contest import CALL_TIME_LIMIT_S, STDIO_TIME_LIMIT_S
from tasks.errors import TaskError
from tasks.spec import TaskSpec, TestSet

Call = tuple[list[Any], Any]
TYPING_PRELUDE = "from typing import *\n\n"


def is_foreign(truth: Any) -> bool:
    """Whether a decoded ground truth has one of the foreign shapes (a verl/PRIME object, a test list)."""
    if isinstance(truth, dict):
        return "inputs" in truth and "outputs" in truth
    return (
        isinstance(truth, list)
        and bool(truth)
        and all(isinstance(t, dict) and "testtype" in t for t in truth)
    )


def foreign_task(truth: Any, source: str | None = None) -> TaskSpec:
    """The task a foreign ground truth grades like; `source` (verl's data_source) only names it."""
    suite = source or "foreign"
    if isinstance(truth, dict):
        return _prime(truth, suite)
    return _test_list(truth, suite)


def _error(problem: str) -> TaskError:
    return TaskError(f"ground truth: {problem}")


def _stdio(suite: str, cases: list[IOCase]) -> TaskSpec:
    tests = TestSet(cases=cases)
    return TaskSpec(
        id=suite, suite=suite, prompt="", kind="stdio", public_tests=tests, hidden_tests=tests,
        time_limit_s=STDIO_TIME_LIMIT_S,
    )  # fmt: skip


def _calls(suite: str, name: Any, where: str, calls: list[Call], apps_wrapping: bool) -> TaskSpec:
    if not isinstance(name, str) or not name.isidentifier():
        raise _error(f"{where}: expected a function name, got {name!r}")
    callee = f'(Solution().{name} if "Solution" in globals() else {name})'
    tests = TestSet(code=call_asserts(callee, calls, apps_wrapping))
    return TaskSpec(
        id=suite, suite=suite, prompt="", kind="function", starter_code=TYPING_PRELUDE, public_tests=tests,
        hidden_tests=tests, time_limit_s=CALL_TIME_LIMIT_S,
    )  # fmt: skip


def _lines(value: Any, where: str) -> str:
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "\n".join(value)
    if not isinstance(value, str):
        raise _error(f"{where}: expected a string or a list of lines, got {type(value).__name__}")
    return value


def _prime(truth: dict[str, Any], suite: str) -> TaskSpec:
    inputs, outputs = truth["inputs"], truth["outputs"]
    if not (
        isinstance(inputs, list) and isinstance(outputs, list) and inputs and len(inputs) == len(outputs)
    ):
        raise _error("expected equally long, non-empty lists 'inputs' and 'outputs'")
    if truth.get("fn_name") is None:
        pairs = zip(inputs, outputs, strict=True)
        cases = [
            IOCase(input=_lines(given, f"inputs[{n}]"), output=_lines(want, f"outputs[{n}]"))
            for n, (given, want) in enumerate(pairs)
        ]
        return _stdio(suite, cases)
    for n, arguments in enumerate(inputs):
        if not isinstance(arguments, list):
            raise _error(f"inputs[{n}]: expected the list of arguments, got {type(arguments).__name__}")
    return _calls(suite, truth["fn_name"], "fn_name", list(zip(inputs, outputs, strict=True)), True)


def _test_list(tests: list[dict[str, Any]], suite: str) -> TaskSpec:
    for number, test in enumerate(tests, start=1):
        if not (
            all(isinstance(test.get(key), str) for key in ("input", "output"))
            and test["testtype"]
            in (
                "stdin",
                "functional",
            )
        ):
            raise _error(f"test {number}: expected {{input, output, testtype: stdin|functional}}")
        if test["testtype"] != tests[0]["testtype"]:
            raise _error(f"test {number} is {test['testtype']}, the first is {tests[0]['testtype']}")
    if tests[0]["testtype"] == "stdin":
        return _stdio(suite, [IOCase(input=test["input"], output=test["output"]) for test in tests])
    calls = []
    for number, test in enumerate(tests, start=1):
        try:
            arguments = [json.loads(line) for line in test["input"].split("\n") if line.strip()]
            calls.append((arguments, json.loads(test["output"])))
        except json.JSONDecodeError as error:
            raise _error(f"test {number}: functional input and output must be JSON ({error.msg})") from None
    metadata = tests[0].get("metadata")
    name = metadata.get("func_name") if isinstance(metadata, dict) else None
    return _calls(suite, name, "test 1: metadata.func_name", calls, False)
