"""Malformed data files: one line naming the file, the line and the field; no record is ever skipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tasks import TaskError, load_suite

DATA = Path(__file__).parent / "data"


def first_record(name: str, key: str | None = None, value: object = None) -> dict[str, Any]:
    """A valid record of a fixture file (the first, or the first whose `key` is `value`)."""
    records = [json.loads(line) for line in (DATA / name).read_text().splitlines()]
    return next(record for record in records if key is None or record.get(key) == value)


def changed(record: dict[str, Any], **changes: Any) -> str:
    """The record as a JSON line, with fields replaced (or dropped, for a value of ...)."""
    fields = {**record, **changes}
    return json.dumps({key: value for key, value in fields.items() if value is not ...})


def load_error(tmp_path: Path, kind: str, good: dict[str, Any], bad: str) -> str:
    """The error of loading a file holding a good record, a blank line, then the bad line (line 3)."""
    path = tmp_path / "data.jsonl"
    path.write_text(f"{json.dumps(good)}\n\n{bad}\n")
    with pytest.raises(TaskError) as caught:
        load_suite(f"{kind}:{path}")
    message = str(caught.value)
    assert "\n" not in message
    return message.removeprefix(f"{path}:")


MBPP = first_record("mbpp.jsonl")
APPS_CALLS = first_record("contest.jsonl", "problem_id", 2447)
LCB = first_record("contest.jsonl", "question_id", "abc999_a")
LCB_FUNCTIONAL = first_record("contest.jsonl", "question_id", "3011")
CODECONTESTS = first_record("contest.jsonl", "name", "1520_A. Do Not Be Distracted!")
OWN = first_record("tasks.jsonl")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"task_id": 3, "text": ', "3: not valid JSON: Expecting value (column 23)"),
        ("[1, 2]", "3: expected a JSON object, got a list"),
        (
            changed(MBPP, test_list="assert f(1) == 2"),
            "3: field 'test_list': expected a list of strings, got a string",
        ),
        (
            changed(MBPP, test_list=["assert f(1) == 2", 3]),
            "3: field 'test_list': expected a list of strings, got a list with other values",
        ),
        (changed(MBPP, task_id=12, text=...), "3: field 'text': missing"),
        (
            changed(MBPP, task_id=[12]),
            "3: field 'task_id': expected a non-empty string or an integer, got a list",
        ),
        (changed(MBPP, task_id=12, test_list=[]), "3: field 'test_list': expected at least one test"),
        (
            changed(MBPP, task_id=12, test_list=["assert f(1) == 2", "assert f(2) =="]),
            "3: field 'test_list': test 2 does not parse: invalid syntax",
        ),
        (
            changed(MBPP, task_id=12, challenge_test_list="assert f(1) == 2"),
            "3: field 'challenge_test_list': expected a list of strings, got a string",
        ),
        (
            changed(MBPP, task_id=12, test_list=["assert 1 == len([])"]),
            "3: field 'test_list': the first test calls no function, so it names no entry point",
        ),
        (changed(MBPP, task_id=12, code=None), "3: field 'code': expected a string, got null"),
        (changed(MBPP), f"3: task id {str(MBPP['task_id'])!r} appears twice (first at {{path}}:1)"),
    ],
)
def test_malformed_mbpp_records(tmp_path: Path, bad: str, message: str) -> None:
    assert load_error(tmp_path, "mbpp", MBPP, bad) == message.format(path=tmp_path / "data.jsonl")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            changed(APPS_CALLS, problem_id=1, input_output='{"inputs": [1'),
            "field 'input_output': not valid JSON: Expecting ',' delimiter (column 14)",
        ),
        (
            changed(APPS_CALLS, problem_id=1, input_output={"inputs": [["a"]], "outputs": []}),
            "field 'input_output': expected an object with equally long, non-empty lists inputs and outputs",
        ),
        (
            changed(
                APPS_CALLS,
                problem_id=1,
                input_output={"fn_name": "f", "inputs": [["a"], 2], "outputs": [1, 2]},
            ),
            "field 'input_output': inputs[1]: expected the list of arguments, got an integer",
        ),
        (
            changed(
                APPS_CALLS,
                problem_id=1,
                input_output={"fn_name": "not a name", "inputs": [[1]], "outputs": [1]},
            ),
            "field 'input_output': expected a function name, got 'not a name'",
        ),
        (
            changed(APPS_CALLS, problem_id=1, input_output={"inputs": [7], "outputs": ["7"]}),
            "field 'input_output': inputs[0]: expected a string or a list of lines, got an integer",
        ),
        (
            changed(APPS_CALLS, problem_id=1, solutions='"one program"'),
            "field 'solutions': expected a list of programs, got a string",
        ),
        (
            changed(APPS_CALLS, problem_id=..., question_id=...),
            "field 'problem_id': missing (or any of question_id, name, task_id, id)",
        ),
        (
            changed(APPS_CALLS, problem_id=1, question=...),
            "field 'question': missing (or question_content; description for CodeContests)",
        ),
        (
            changed(
                LCB,
                question_id="x",
                private_test_cases=json.dumps([{"input": "1", "output": "1", "testtype": "functional"}]),
            ),
            "field 'private_test_cases': test 1 is functional, the first test is stdin: one kind per task",
        ),
        (
            changed(
                LCB,
                question_id="x",
                public_test_cases=json.dumps([{"input": "1", "output": 1, "testtype": "stdin"}]),
            ),
            "field 'public_test_cases': test 1: expected {input, output, testtype: stdin|functional}",
        ),
        (
            changed(LCB, question_id="x", public_test_cases="[]"),
            "field 'public_test_cases': expected at least one test",
        ),
        (
            changed(LCB_FUNCTIONAL, question_id="x", metadata="{}"),
            "field 'metadata': expected a function name, got null",
        ),
        (
            changed(
                LCB_FUNCTIONAL,
                question_id="x",
                public_test_cases=json.dumps([{"input": "[1, 2", "output": "3", "testtype": "functional"}]),
            ),
            "field 'public_test_cases': test 1: functional input and output must be JSON (Expecting ',' delimiter)",
        ),
        (
            changed(CODECONTESTS, name="x", public_tests={"input": ["1\n"], "output": []}),
            'field \'public_tests\': expected {"input": [strings], "output": [strings]} of equal length',
        ),
        (
            changed(CODECONTESTS, name="x", time_limit=2),
            "field 'time_limit': expected {seconds, nanos} numbers",
        ),
        (
            changed(CODECONTESTS, name="x", memory_limit_bytes="256MB"),
            "field 'memory_limit_bytes': expected a number of bytes, got a string",
        ),
        (
            changed(CODECONTESTS, name="x", solutions={"language": [3], "solution": []}),
            'field \'solutions\': expected {"language": [...], "solution": [...]} of equal length',
        ),
    ],
)
def test_malformed_contest_records(tmp_path: Path, bad: str, message: str) -> None:
    assert load_error(tmp_path, "stdio", LCB, bad) == f"3: {message}"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (changed(OWN, id="x", kind="python"), "field 'kind': Input should be 'function' or 'stdio'"),
        (changed(OWN, id="x", time_limit_s=...), "field 'time_limit_s': missing"),
        (changed(OWN, id="x", time_limit_s=0), "field 'time_limit_s': Input should be greater than 0"),
        (changed(OWN, id="x", author="me"), "field 'author': Extra inputs are not permitted"),
        (
            changed(OWN, id="x", public_tests={"cases": [{"input": 1, "output": "1"}]}),
            "field 'public_tests.cases.0.input': Input should be a valid string",
        ),
        (
            changed(OWN, id="x", public_tests={"cases": [{"input": "1", "output": "1"}]}),
            "field 'public_tests': a function task has test code, not stdin/stdout cases",
        ),
    ],
)
def test_malformed_own_records(tmp_path: Path, bad: str, message: str) -> None:
    assert load_error(tmp_path, "jsonl", OWN, bad) == f"3: {message}"


def test_missing_empty_and_undecodable_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(TaskError, match=f"^{missing}: no such file$"):
        load_suite(f"mbpp:{missing}")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    with pytest.raises(TaskError, match=f"^{empty}: no tasks in the file$"):
        load_suite(f"jsonl:{empty}")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe{}\n")
    with pytest.raises(TaskError, match=f"^{binary}: cannot be read"):
        load_suite(f"stdio:{binary}")
