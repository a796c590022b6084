"""Free-text problems and the user's tests file (`solve --tests FILE`): formats and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.adhoc import adhoc_task, user_tests
from tasks.errors import TaskError


def test_python_tests_with_pytest_style_functions_are_called(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text("def test_small():\n    assert double(1) == 2\n\nassert double(0) == 0\n")
    tests = user_tests(path)
    assert tests.code is not None and tests.code.endswith("\n\ntest_small()\n")
    task = adhoc_task("double it", tests=tests)
    assert task.kind == "function" and task.public_tests == task.hidden_tests == tests


def test_jsonl_cases_make_a_stdio_task(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text('{"input": "2\\n", "output": "4"}\n\n{"input": "5\\n", "output": "10"}\n')
    task = adhoc_task("double it", tests=user_tests(path))
    assert task.kind == "stdio"
    assert [case.output for case in task.public_tests.cases] == ["4", "10"]


def test_the_tests_are_part_of_the_problems_identity(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text("assert double(1) == 2\n")
    assert adhoc_task("double it").id != adhoc_task("double it", tests=user_tests(path)).id
    assert adhoc_task("double it").id == adhoc_task("double it").id


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("t.py", "print(double(2))\n", "t.py: no assert in the tests (a test must check something)"),
        ("t.py", "assert double(1 == 2\n", "t.py:1: not valid Python: '(' was never closed"),
        ("c.jsonl", '{"input": "1"}\n', "c.jsonl:1: field 'output': missing"),
        (
            "c.jsonl",
            '{"input": "1", "output": "2", "x": 1}\n',
            "c.jsonl:1: field 'x': Extra inputs are not permitted",
        ),
        ("c.jsonl", "[1]\n", "c.jsonl:1: expected a JSON object, got a list"),
        ("c.jsonl", "\n", "c.jsonl: no cases in the file"),
    ],
)
def test_bad_tests_files_are_one_line_naming_the_place(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(TaskError) as error:
        user_tests(path)
    assert str(error.value).startswith(f"{tmp_path}/{message}")


def test_a_missing_tests_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match=r"nowhere\.py: no such file"):
        user_tests(tmp_path / "nowhere.py")
