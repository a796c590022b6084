"""How an answer becomes the program and the job that grade it."""

from __future__ import annotations

import pytest

from sandbox import CasesJob, IOCase, TestJob
from tasks import TaskSpec, TestSet, job_for, program_for
from tasks.grading import Which

STARTER = (
    "import math\nfrom typing import List\n\n\ndef helper(x: int) -> int:\n    return x + 1\n\n\n"
    "@staticmethod\ndef solve(values: List[int]) -> int:\n"
    '    """Sum of helper(v)."""\n'
)


def function_task(starter_code: str = STARTER, entry_point: str = "solve") -> TaskSpec:
    return TaskSpec(
        id="t",
        suite="unit",
        prompt="Sum of helper(v).",
        kind="function",
        entry_point=entry_point,
        starter_code=starter_code,
        public_tests=TestSet(code="assert solve([1]) == 2\n"),
        hidden_tests=TestSet(code="def check(candidate):\n    assert candidate([1, 2]) == 5\n"),
        time_limit_s=2.5,
    )


def stdio_task() -> TaskSpec:
    return TaskSpec(
        id="s",
        suite="unit",
        prompt="Echo.",
        kind="stdio",
        public_tests=TestSet(cases=[IOCase(input="a", output="a")]),
        hidden_tests=TestSet(cases=[IOCase(input="a", output="a"), IOCase(input="b", output="b")]),
        time_limit_s=1.5,
    )


def test_a_function_body_continues_the_starter_code() -> None:
    body = "    return sum(helper(v) for v in values)\n"
    assert program_for(function_task(), body) == STARTER + body


def test_a_whole_function_runs_after_the_starters_imports_and_helpers_only() -> None:
    answer = "def solve(values):\n    return sum(helper(v) for v in values)\n"
    program = program_for(function_task(), answer)
    assert program.endswith(answer)
    assert "import math\nfrom typing import List" in program and "def helper(x: int)" in program
    assert program.count("def solve") == 1 and "@staticmethod" not in program


def test_an_answer_that_does_not_parse_continues_the_starter_code() -> None:
    broken = "def solve(values):\n  return (\n"
    assert program_for(function_task(), broken) == STARTER + broken


def test_a_starter_that_stops_where_the_body_begins_still_gives_its_imports() -> None:
    starter = "from typing import *\n\nclass Solution:\n    def f(self, nums: List[int]) -> int:\n        "
    answer = "class Solution:\n    def f(self, nums: List[int]) -> int:\n        return len(nums)\n"
    assert program_for(function_task(starter, "Solution"), answer) == f"from typing import *\n\n\n{answer}"


def test_an_answer_without_starter_code_is_the_program() -> None:
    assert program_for(stdio_task(), "print(input())") == "print(input())"
    assert program_for(function_task(starter_code=""), "x = 1") == "x = 1"


@pytest.mark.parametrize("which", ["public", "hidden"])
def test_jobs_carry_the_tests_and_the_time_limit(which: Which) -> None:
    task, stdio = function_task(), stdio_task()
    job = job_for(task, "    return 0\n", which)
    assert isinstance(job, TestJob)
    assert job.tests == getattr(task, f"{which}_tests").code and job.entry_point == "solve"
    assert job.limits.timeout_s == task.time_limit_s
    cases = job_for(stdio, "print(input())", which)
    assert isinstance(cases, CasesJob)
    assert cases.cases == getattr(stdio, f"{which}_tests").cases
    assert cases.limits.timeout_s == stdio.time_limit_s


def test_a_task_refuses_tests_of_the_other_kind() -> None:
    with pytest.raises(ValueError, match="field 'public_tests': a stdio task needs stdin/stdout cases"):
        TaskSpec(
            id="s",
            suite="unit",
            prompt="p",
            kind="stdio",
            public_tests=TestSet(code="assert True"),
            hidden_tests=TestSet(cases=[IOCase(input="", output="")]),
            time_limit_s=1,
        )
