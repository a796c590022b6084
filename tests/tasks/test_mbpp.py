"""MBPP-format files: the tests, prompt and entry point of each record, and grading in the sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sandbox import SandboxPool
from tasks import grade, job_for, load_suite, load_task

DATA = Path(__file__).parent / "data"
SUITE = f"mbpp:{DATA / 'mbpp.jsonl'}"


def records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / "mbpp.jsonl").read_text().splitlines()]


def test_each_record_is_one_function_task() -> None:
    tasks = load_suite(SUITE)
    assert [task.id for task in tasks] == [str(record["task_id"]) for record in records()]
    for task, record in zip(tasks, records(), strict=True):
        tests = record["test_list"]
        assert task.kind == "function" and task.suite == SUITE
        assert task.reference_solution == record["code"]
        assert record["text"] in task.prompt and tests[0] in task.prompt
        assert task.public_tests.code is not None and task.hidden_tests.code is not None
        assert task.public_tests.code.count("assert") == 1
        hidden = tests + record.get("challenge_test_list", [])
        assert task.hidden_tests.code.count("assert") == len(hidden)
        assert all(test in task.hidden_tests.code for test in hidden)


def test_the_entry_point_is_the_first_function_the_first_assert_calls() -> None:
    entry_points = {task.id: task.entry_point for task in load_suite(SUITE)}
    # set(...) is a built-in and isclose comes from the setup code: neither is the function to write.
    assert entry_points == {
        "11": "remove_Occ",
        "2": "similar_elements",
        "901": "smallest_multiple",
        "952": "area_circle",
    }


def test_the_setup_code_precedes_public_and_hidden_tests() -> None:
    task = load_task(f"{SUITE}#952")
    assert task.public_tests.code is not None and task.hidden_tests.code is not None
    assert task.public_tests.code.startswith("from math import isclose\n")
    assert task.hidden_tests.code.startswith("from math import isclose\n")


@pytest.mark.docker
def test_references_pass_and_wrong_answers_fail(pool: SandboxPool) -> None:
    tasks = load_suite(SUITE)
    jobs = [
        job_for(task, task.reference_solution or "", which)
        for task in tasks
        for which in ("hidden", "public")
    ]
    assert [result.status for result in pool.run_many(jobs)] == ["passed"] * len(jobs)
    task = load_task(f"{SUITE}#11")
    wrong = "def remove_Occ(s, ch):\n    return s.replace(ch, '')\n"
    assert grade(pool, task, wrong, "public").status == "passed"  # the first test cannot tell
    hidden = grade(pool, task, wrong)
    assert hidden.status == "failed"
    assert 0 < hidden.pass_fraction < 1
    assert grade(pool, task, "def remove_Occ(s, ch):\n    return 1 / 0\n").status == "failed"
