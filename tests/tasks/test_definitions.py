"""Only a function answer's definitions are graded: its own asserts, prints and examples never run, a reply cut
inside its code keeps the prefix that parses (the causes of 13 and 10 of the Qwen2.5-Coder-0.5B's HumanEval
failures before this rule)."""

from __future__ import annotations

from tasks import program_for
from tasks.definitions import PREFIX_TRIES, definitions
from tests.tasks.test_grading import STARTER, function_task

SOLUTION = "import math\n\nSCALE = 2\nUNUSED = print('loaded')\n\ndef solve(values):\n    return SCALE * len(values)\n"


def test_the_answers_own_tests_and_examples_are_left_out() -> None:
    answer = (
        SOLUTION
        + "\nprint(solve([1]))\nassert solve([1]) == 3  # a wrong example of the model's own\n"
        + "if __name__ == '__main__':\n    solve([])\n"
    )
    kept = definitions(answer, "solve")
    assert kept == "import math\n\nSCALE = 2\n\ndef solve(values):\n    return SCALE * len(values)\n"


def test_a_reply_cut_mid_assert_keeps_what_parses() -> None:
    cut = SOLUTION + "\n# Public tests\nassert solve([1, 2]) == 4\nassert solve([1,\n"
    assert definitions(cut, "solve") == definitions(SOLUTION, "solve")
    label = SOLUTION + "\nPublic tests:\nassert solve([1]) == 2\n"  # the prompt's label copied into the code
    assert definitions(label, "solve") == definitions(SOLUTION, "solve")


def test_an_answer_not_defining_the_entry_point_is_not_rewritten() -> None:
    assert definitions("def other():\n    return 1\n", "solve") is None
    assert definitions("def solve(values):\n  return (\n", "solve") is None
    body = "    return sum(helper(v) for v in values)\n"
    assert program_for(function_task(), body) == STARTER + body  # a body still continues the starter


def test_the_graded_program_is_the_definitions_after_the_starters_helpers() -> None:
    program = program_for(function_task(), SOLUTION + "\nassert solve([]) == 1\n")
    assert "assert" not in program and "def helper(x: int)" in program
    assert program.endswith("def solve(values):\n    return SCALE * len(values)\n")


def test_a_hostile_answer_of_broken_lines_costs_a_bounded_number_of_parses() -> None:
    answer = "def solve(values):\n    return 1\n" + "x = (\n" * 100_000
    assert definitions(answer, "solve") is None  # the cut point lies beyond the last PREFIX_TRIES lines
    short = "def solve(values):\n    return 1\n" + "x = (\n" * (PREFIX_TRIES - 1)
    assert definitions(short, "solve") == "def solve(values):\n    return 1\n"
