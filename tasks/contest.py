"""Contest problems from JSON Lines: the APPS / LiveCodeBench shape and the CodeContests shape.

APPS (`problem_id`, `question`, `input_output`, `solutions`, `starter_code`): `input_output`, a JSON string or
an object, holds `inputs` and `outputs` lists; with `fn_name` each input is an argument list for a function
call, else it is stdin (a string, or a list of lines). Hidden tests: all; public: the first.

LiveCodeBench (`question_id`, `question_content`, `starter_code`, `public_test_cases`, `private_test_cases`,
`metadata`): the test lists are JSON strings of `{input, output, testtype}`, the private ones possibly
compressed (tasks.compressed). `functional` tests call `Solution().<metadata.func_name>` with one JSON value
per input line. Public: the public tests; hidden: public and private, as LiveCodeBench grades.

CodeContests (`name`, `description`, `public_tests`, `private_tests`, `generated_tests`, each
`{"input": [...], "output": [...]}`; `solutions`, `time_limit`, `memory_limit_bytes`): public: the public
tests; hidden: all three lists; reference: the first Python 3 solution, else the first C++ or Java one (kept
with its language).

Call-based tasks get `from typing import *` in front of their starter code: LeetCode-style starters annotate
with `List` without importing it, which the original harnesses make up for with an import prelude.
Stdio output is compared exactly modulo trailing white space (stricter than APPS's own harness).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sandbox.models import IOCase, Language
from tasks.calls import call_asserts
from tasks.compressed import decompress_json_text
from tasks.datafile import Record, json_kind, read_jsonl, unique_tasks
from tasks.spec import TaskSpec, TestSet

STDIO_TIME_LIMIT_S = 4.0
"""Per stdin/stdout case (APPS's harness allows 4 s)."""
CALL_TIME_LIMIT_S = 10.0
"""For all the calls of a call-based task together: they run in one program run."""
ID_FIELDS = ("problem_id", "question_id", "name", "task_id", "id")
KEPT_FIELDS = ("question_title", "platform", "contest_id", "contest_date", "difficulty", "url", "cf_rating")
PYTHON3 = (3, "PYTHON3")  # CodeContests' language enum, as a number or by name
OTHER_REFERENCE_LANGUAGES: tuple[tuple[tuple[int, str], Language], ...] = (
    ((2, "CPP"), "cpp"),
    ((4, "JAVA"), "java"),
)
"""Where a record has no Python 3 solution, the first of these it has is the reference, in its language."""

Call = tuple[list[Any], Any]


def load_contest(path: Path, suite: str) -> list[TaskSpec]:
    return unique_tasks(path, ((record, task_from(record, suite)) for record in read_jsonl(path)))


def task_from(record: Record, suite: str) -> TaskSpec:
    if record.has("description"):
        return _codecontests(record, suite)
    if not (record.has("question") or record.has("question_content")):
        raise record.error("question", "missing (or question_content; description for CodeContests)")
    if record.has("input_output"):
        return _apps(record, suite)
    return _livecodebench(record, suite)


# ---------------------------------------------------------------- shared


def _json_value(record: Record, field: str, value: Any) -> Any:
    """A field's value, decoded when it is JSON text (as the datasets ship most fields)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise record.error(field, f"not valid JSON: {error.msg} (column {error.colno})") from None


def _json_field(record: Record, field: str) -> Any:
    return _json_value(record, field, record.value(field))


def _base(record: Record, suite: str, prompt_field: str) -> dict[str, Any]:
    kept = {field: record.data[field] for field in KEPT_FIELDS if record.has(field)}
    return {
        "id": record.ident(*ID_FIELDS),
        "suite": suite,
        "prompt": record.text(prompt_field),
        "metadata": {"record": record.where, **kept},
    }


def _stdio_task(
    record: Record, base: dict[str, Any], public: list[IOCase], hidden: list[IOCase], **extra: Any
) -> TaskSpec:
    extra.setdefault("time_limit_s", STDIO_TIME_LIMIT_S)
    return record.task(
        **base, kind="stdio", public_tests=TestSet(cases=public), hidden_tests=TestSet(cases=hidden), **extra
    )


def _call_task(
    record: Record,
    base: dict[str, Any],
    fn_name: tuple[str, Any],
    public: list[Call],
    hidden: list[Call],
    apps_wrapping: bool = False,
    reference: str | None = None,
) -> TaskSpec:
    """A call-based task; `fn_name` is (field it came from, value). LeetCode starters call `Solution().f`."""
    field, name = fn_name
    if not isinstance(name, str) or not name.isidentifier():
        got = repr(name) if isinstance(name, str) else json_kind(name)
        raise record.error(field, f"expected a function name, got {got}")
    starter = record.text("starter_code", default="")
    class_based = "class Solution" in starter
    callee = f"Solution().{name}" if class_based else name
    return record.task(
        **base,
        kind="function",
        entry_point="Solution" if class_based else name,
        starter_code=f"from typing import *\n\n{starter}" if starter.strip() else "",
        public_tests=TestSet(code=call_asserts(callee, public, apps_wrapping)),
        hidden_tests=TestSet(code=call_asserts(callee, hidden, apps_wrapping)),
        reference_solution=reference,
        time_limit_s=CALL_TIME_LIMIT_S,
    )


# ---------------------------------------------------------------- APPS


def _apps_text(record: Record, where: str, value: Any) -> str:
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "\n".join(value)
    if not isinstance(value, str):
        raise record.error(
            "input_output", f"{where}: expected a string or a list of lines, got {json_kind(value)}"
        )
    return value


def _apps_reference(record: Record) -> str | None:
    if not record.has("solutions") or record.data["solutions"] == "":
        return None
    solutions = _json_field(record, "solutions")
    if not isinstance(solutions, list) or not all(isinstance(item, str) for item in solutions):
        raise record.error("solutions", f"expected a list of programs, got {json_kind(solutions)}")
    return solutions[0] if solutions else None


def _apps(record: Record, suite: str) -> TaskSpec:
    base = _base(record, suite, "question" if record.has("question") else "question_content")
    tests = _json_field(record, "input_output")
    inputs, outputs = (tests.get("inputs"), tests.get("outputs")) if isinstance(tests, dict) else (None, None)
    if not (
        isinstance(inputs, list) and isinstance(outputs, list) and inputs and len(inputs) == len(outputs)
    ):
        raise record.error(
            "input_output", "expected an object with equally long, non-empty lists inputs and outputs"
        )
    reference = _apps_reference(record)
    if tests.get("fn_name") is None:
        cases = [
            IOCase(
                input=_apps_text(record, f"inputs[{n}]", given),
                output=_apps_text(record, f"outputs[{n}]", want),
            )
            for n, (given, want) in enumerate(zip(inputs, outputs, strict=True))
        ]
        return _stdio_task(record, base, cases[:1], cases, reference_solution=reference)
    for n, arguments in enumerate(inputs):
        if not isinstance(arguments, list):
            raise record.error(
                "input_output", f"inputs[{n}]: expected the list of arguments, got {json_kind(arguments)}"
            )
    calls = list(zip(inputs, outputs, strict=True))
    fn_name = ("input_output", tests["fn_name"])
    return _call_task(record, base, fn_name, calls[:1], calls, apps_wrapping=True, reference=reference)


# ---------------------------------------------------------------- LiveCodeBench


def _lcb_tests(record: Record, field: str) -> list[dict[str, str]]:
    raw = record.value(field)
    if isinstance(raw, str) and not raw.lstrip().startswith("["):  # base64 never starts a JSON list
        try:
            raw = decompress_json_text(raw)
        except ValueError as error:
            raise record.error(field, str(error)) from None
    tests = _json_value(record, field, raw)
    if not isinstance(tests, list):
        raise record.error(field, f"expected a list of tests, got {json_kind(tests)}")
    for number, test in enumerate(tests, start=1):
        if not (
            isinstance(test, dict)
            and all(isinstance(test.get(key), str) for key in ("input", "output"))
            and test.get("testtype") in ("stdin", "functional")
        ):
            raise record.error(
                field, f"test {number}: expected {{input, output, testtype: stdin|functional}}"
            )
    return tests


def _lcb_call(record: Record, field: str, number: int, test: dict[str, str]) -> Call:
    try:
        arguments = [json.loads(line) for line in test["input"].split("\n") if line.strip()]
        return arguments, json.loads(test["output"])
    except json.JSONDecodeError as error:
        raise record.error(
            field, f"test {number}: functional input and output must be JSON ({error.msg})"
        ) from None


def _livecodebench(record: Record, suite: str) -> TaskSpec:
    base = _base(record, suite, "question_content" if record.has("question_content") else "question")
    fields = ["public_test_cases"] + (["private_test_cases"] if record.has("private_test_cases") else [])
    groups = [(field, _lcb_tests(record, field)) for field in fields]
    if not groups[0][1]:
        raise record.error("public_test_cases", "expected at least one test")
    kind = groups[0][1][0]["testtype"]
    for field, tests in groups:
        for number, test in enumerate(tests, start=1):
            if test["testtype"] != kind:
                problem = f"test {number} is {test['testtype']}, the first test is {kind}: one kind per task"
                raise record.error(field, problem)
    if kind == "stdin":
        cases = [
            [IOCase(input=test["input"], output=test["output"]) for test in tests] for _, tests in groups
        ]
        return _stdio_task(record, base, cases[0], [case for group in cases for case in group])
    calls = [
        [_lcb_call(record, field, number, test) for number, test in enumerate(tests, start=1)]
        for field, tests in groups
    ]
    metadata = _json_field(record, "metadata")
    fn_name = ("metadata", metadata.get("func_name") if isinstance(metadata, dict) else None)
    return _call_task(record, base, fn_name, calls[0], [call for group in calls for call in group])


# ---------------------------------------------------------------- CodeContests


def _cc_cases(record: Record, field: str, optional: bool = False) -> list[IOCase]:
    if optional and not record.has(field):
        return []
    tests = record.value(field)
    inputs, outputs = (tests.get("input"), tests.get("output")) if isinstance(tests, dict) else (None, None)
    if not (
        isinstance(inputs, list)
        and isinstance(outputs, list)
        and len(inputs) == len(outputs)
        and all(isinstance(text, str) for text in inputs + outputs)
    ):
        raise record.error(field, 'expected {"input": [strings], "output": [strings]} of equal length')
    return [IOCase(input=given, output=want) for given, want in zip(inputs, outputs, strict=True)]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cc_limits(record: Record) -> dict[str, Any]:
    """The record's own limits, when it gives them (a zero limit means none was recorded)."""
    limits: dict[str, Any] = {}
    time_limit = record.data.get("time_limit")
    if time_limit is not None:
        parts = (
            [time_limit.get(key) or 0 for key in ("seconds", "nanos")] if isinstance(time_limit, dict) else []
        )
        if not (parts and all(_number(part) for part in parts)):
            raise record.error("time_limit", "expected {seconds, nanos} numbers")
        if parts[0] + parts[1] / 1e9 > 0:
            limits["time_limit_s"] = parts[0] + parts[1] / 1e9
    memory = record.data.get("memory_limit_bytes")
    if memory is not None and not (_number(memory) and memory >= 0):
        raise record.error("memory_limit_bytes", f"expected a number of bytes, got {json_kind(memory)}")
    if memory:
        limits["memory_mb"] = max(64, int(memory) // 2**20)
    return limits


def _cc_reference(record: Record) -> dict[str, Any]:
    """The reference solution (Python 3 first, else C++, else Java) and, when not Python, its language."""
    if not record.has("solutions"):
        return {}
    solutions = record.data["solutions"]
    languages = solutions.get("language") if isinstance(solutions, dict) else None
    programs = solutions.get("solution") if isinstance(solutions, dict) else None
    if not (isinstance(languages, list) and isinstance(programs, list) and len(languages) == len(programs)):
        raise record.error("solutions", 'expected {"language": [...], "solution": [...]} of equal length')
    pairs = list(zip(languages, programs, strict=True))
    python = next((program for language, program in pairs if language in PYTHON3), None)
    if python is not None:
        return {"reference_solution": python}
    for names, ours in OTHER_REFERENCE_LANGUAGES:
        other = next((program for language, program in pairs if language in names), None)
        if other is not None:
            return {"reference_solution": other, "reference_language": ours}
    return {}


def _codecontests(record: Record, suite: str) -> TaskSpec:
    public = _cc_cases(record, "public_tests")
    if not public:
        raise record.error("public_tests", "expected at least one test")
    private = _cc_cases(record, "private_tests", optional=True)
    hidden = public + private + _cc_cases(record, "generated_tests", optional=True)
    base = _base(record, suite, "description")
    return _stdio_task(record, base, public, hidden, **_cc_reference(record), **_cc_limits(record))
