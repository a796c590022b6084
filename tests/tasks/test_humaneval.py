"""HumanEval: all 164 problems load, and every reference passes its hidden and public tests in the sandbox."""

from __future__ import annotations

import ast

import pytest

from sandbox import SandboxPool
from tasks import grade, job_for, load_suite, load_task, program_for
from tasks.humaneval import example_asserts, first_check_assert, official_answers

HAS_CLOSE_ELEMENTS = """def has_close_elements(numbers: List[float], threshold: float) -> bool:
    for i, a in enumerate(numbers):
        for b in numbers[i + 1 :]:
            if abs(a - b) < threshold:
                return True
    return False
"""


def test_all_164_problems_load_with_public_and_hidden_tests() -> None:
    tasks = load_suite("humaneval")
    assert len(tasks) == 164
    assert len({task.id for task in tasks}) == 164
    for task in tasks:
        assert task.kind == "function" and task.entry_point
        assert task.suite == "humaneval"
        assert task.hidden_tests.code is not None and "def check(candidate)" in task.hidden_tests.code
        assert task.public_tests.code is not None and "assert" in task.public_tests.code
        assert task.reference_solution is not None and task.reference_solution.startswith(task.starter_code)


@pytest.mark.docker
def test_every_reference_passes_its_hidden_and_public_tests(pool: SandboxPool) -> None:
    tasks = load_suite("humaneval")
    for which in ("hidden", "public"):
        results = pool.run_many(job_for(task, task.reference_solution or "", which) for task in tasks)
        failing = [
            (task.id, result.status, result.message)
            for task, result in zip(tasks, results, strict=True)
            if result.status != "passed"
        ]
        assert not failing, f"{which}: {failing}"
        # Every task has at least one real assert, not just "the test code ran".
        assert all(result.tests[0].name.startswith("assert ") for result in results)


@pytest.mark.docker
def test_a_whole_function_without_the_typing_import_passes(pool: SandboxPool) -> None:
    task = load_task("humaneval#HumanEval/0")
    assert "from typing import List" in program_for(task, HAS_CLOSE_ELEMENTS)
    for which in ("hidden", "public"):
        result = grade(pool, task, HAS_CLOSE_ELEMENTS, which)
        assert result.status == "passed", result
    wrong = HAS_CLOSE_ELEMENTS.replace("< threshold", "> threshold")
    assert grade(pool, task, wrong).status == "failed"


@pytest.mark.docker
def test_a_completion_continues_the_prompt_and_a_whole_answer_keeps_the_helpers(pool: SandboxPool) -> None:
    body = "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1 :])\n"
    assert grade(pool, load_task("humaneval#HumanEval/0"), body).status == "passed"
    # HumanEval/38's prompt defines encode_cyclic, which a whole decode_cyclic may call.
    decode = "def decode_cyclic(s: str):\n    return encode_cyclic(encode_cyclic(s))\n"
    assert grade(pool, load_task("humaneval#HumanEval/38"), decode).status == "passed"


def test_examples_become_asserts_unless_unusable_or_contradicted() -> None:
    prompt = '''def double(x):
    """Double x.
    >>> double(2)  # the easy case
    4
    >>> double(3)
    7
    >>> helper(1)
    1
    >>> double(
    >>> double('ab')
    'abab'
    >>> double([1])
    [1,
     1]
    """
'''
    official = official_answers(
        "def check(candidate):\n    assert candidate(3) == 6\n    assert candidate(2) > 3\n"
    )
    assert example_asserts(prompt, "double", official) == [
        "assert double(2) == 4",
        "assert double('ab') == 'abab'",
        "assert double([1]) == [1, 1]",
    ]


def test_without_usable_examples_the_public_test_is_the_first_official_assert() -> None:
    official = (
        "import math\n\n\ndef check(candidate):\n    values = [1, 2]\n"
        "    assert candidate(values) == 3\n    assert candidate([]) == 0\n"
    )
    public = first_check_assert(official, "X/1")
    module = ast.parse(public)
    assert sum(isinstance(node, ast.Assert) for node in ast.walk(module)) == 1
    assert "import math" in public and "values = [1, 2]" in public
    assert "candidate(values) == 3" in public
