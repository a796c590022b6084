"""Stdin/stdout tasks in every sandbox language, graded through tasks.grading on the all-languages image."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox import IOCase, SandboxPool
from tasks import job_for
from tasks.contest import load_contest
from tasks.grading import grade
from tasks.spec import TaskSpec, TestSet, languages_needed
from tests.support.languages import PROGRAMS


def adding_task(language: str) -> TaskSpec:
    cases = [IOCase(input="1 2\n", output="3\n"), IOCase(input="40 2\n", output="42\n")]
    return TaskSpec.model_validate(
        {
            "id": f"add-{language}",
            "suite": "test",
            "prompt": "Print the sum of the two integers on stdin.",
            "kind": "stdio",
            "language": language,
            "public_tests": TestSet(cases=cases[:1]),
            "hidden_tests": TestSet(cases=cases),
            "time_limit_s": 5,
        }
    )


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(PROGRAMS))
def test_a_right_and_a_wrong_answer_in_each_language(languages_pool: SandboxPool, language: str) -> None:
    task = adding_task(language)
    assert job_for(task, PROGRAMS[language].adds).language == language
    right = grade(languages_pool, task, PROGRAMS[language].adds)
    assert right.status == "passed" and right.pass_fraction == 1.0, right
    wrong = grade(languages_pool, task, PROGRAMS[language].off_by_one)
    assert wrong.status == "failed" and wrong.pass_fraction == 0.0


def test_function_tasks_are_python_only() -> None:
    with pytest.raises(ValueError, match="function tasks are Python only"):
        TaskSpec.model_validate(
            {
                "id": "f",
                "suite": "test",
                "prompt": "",
                "kind": "function",
                "language": "cpp",
                "public_tests": {"code": "assert True"},
                "hidden_tests": {"code": "assert True"},
                "time_limit_s": 1,
            }
        )


def codecontests_record(solutions: dict[str, list[object]]) -> dict[str, object]:
    tests = {"input": ["2 3\n"], "output": ["5\n"]}
    return {
        "name": "sum",
        "description": "Print a + b.",
        "public_tests": tests,
        "private_tests": {"input": ["-1 1\n"], "output": ["0\n"]},
        "generated_tests": {"input": [], "output": []},
        "solutions": solutions,
    }


def test_codecontests_keep_a_cpp_reference_with_its_language(tmp_path: Path) -> None:
    path = tmp_path / "cc.jsonl"
    cpp = PROGRAMS["cpp"].adds
    lines = [
        codecontests_record({"language": [2, 4], "solution": [cpp, PROGRAMS["java"].adds]}),
        codecontests_record({"language": ["JAVA", "PYTHON3"], "solution": ["class X {}", "print(5)"]}),
    ]
    lines[1]["name"] = "sum2"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    first, second = load_contest(path, "codecontests")
    assert (first.reference_solution, first.reference_language, first.language) == (cpp, "cpp", "python")
    assert (second.reference_solution, second.reference_language) == ("print(5)", None)
    assert languages_needed([first, second]) == ("python",)
    assert languages_needed([first, second], references=True) == ("cpp", "python")


@pytest.mark.docker
@pytest.mark.slow
def test_a_cpp_reference_passes_graded_in_its_language(languages_pool: SandboxPool, tmp_path: Path) -> None:
    path = tmp_path / "cc.jsonl"
    path.write_text(
        json.dumps(codecontests_record({"language": [2], "solution": [PROGRAMS["cpp"].adds]})) + "\n"
    )
    (task,) = load_contest(path, "codecontests")
    assert task.reference_solution is not None
    as_written = task.model_copy(update={"language": task.reference_language})
    verdict = grade(languages_pool, as_written, task.reference_solution)
    assert verdict.status == "passed" and verdict.test_count == 2, verdict
