"""MBPP-format files: the tests, prompt and entry point of each record, and grading in the sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sandbox import SandboxPool
from tasks import TaskSpec, grade, job_for, load_suite, load_task

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


def test_the_setup_code_runs_in_the_program_and_its_imports_precede_the_tests() -> None:
    task = load_task(f"{SUITE}#952")
    assert task.public_tests.code is not None and task.hidden_tests.code is not None
    assert task.public_tests.setup == task.hidden_tests.setup == "from math import isclose"
    assert task.public_tests.code.startswith("from math import isclose\n")
    assert task.hidden_tests.code.startswith("from math import isclose\n")
    job = job_for(task, "def area_circle(r):\n    return 3.14159 * r * r\n")
    assert job.source.endswith("return 3.14159 * r * r\n\n\nfrom math import isclose\n")  # after the answer


SETUP = """import math
SCALE = 3
def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9)
"""


def setup_task(tmp_path: Path) -> TaskSpec:
    """A task whose setup code defines a constant and a helper the asserts use."""
    record = {
        "task_id": 1,
        "text": "Write a function scaled(x) returning x times SCALE.",
        "code": "def scaled(x):\n    return x * SCALE\n",
        "test_list": ["assert close(scaled(2), 6.0)", "assert scaled(5) == 15"],
        "test_setup_code": SETUP,
        "challenge_test_list": [],
    }
    path = tmp_path / "mbpp.jsonl"
    path.write_text(json.dumps(record) + "\n")
    [task] = load_suite(f"mbpp:{path}")
    return task


@pytest.mark.docker
def test_a_solution_may_use_a_name_only_the_setup_code_defines(pool: SandboxPool, tmp_path: Path) -> None:
    task = setup_task(tmp_path)
    assert task.entry_point == "scaled"  # `close` comes from the setup: not the function to write
    uses_setup = "def scaled(x):\n    return x * SCALE\n"  # SCALE is defined by the setup code only
    for which in ("hidden", "public"):
        verdict = grade(pool, task, uses_setup, which)
        assert verdict.status == "passed", verdict.message
    # the setup runs after the answer: an answer cannot replace a helper the asserts rely on
    cheat = "def scaled(x):\n    return 0\nclose = lambda a, b: True\n"
    assert grade(pool, task, cheat).pass_fraction == 0.0


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
