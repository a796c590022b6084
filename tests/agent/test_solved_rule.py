"""`solved` needs tests that ran and checked something, and is the hidden tests' verdict where a task has them:
the agent loop on ad-hoc problems, scripted model, real sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.graded_solve import solve_and_grade
from agent.scripted import ScriptedModel
from sandbox import SandboxPool
from tasks.adhoc import adhoc_task
from tasks.spec import TestSet
from tasks.verdict import NOTHING_CHECKED

pytestmark = pytest.mark.docker

PROBLEM = "Write double(x), returning twice x."
BARE = "```python\ndef double(x):\n    return 2 * x\n```"
SELF_TESTED = "```python\ndef double(x):\n    return 2 * x\n\nassert double(3) == 6\n```"


def run(
    problem_tests: TestSet | None, replies: list[str], tmp_path: Path, pool: SandboxPool
) -> tuple[str, bool]:
    task = adhoc_task(PROBLEM, tests=problem_tests)
    config = AgentConfig.model_validate({"plan": False, "max_steps": len(replies)})
    graded = solve_and_grade(task, ScriptedModel(replies), pool, config, run_dir=tmp_path, run_id="r")
    return graded.result.exit_status, graded.solved


def test_code_without_any_check_is_never_solved(pool: SandboxPool, tmp_path: Path) -> None:
    status, solved = run(None, [BARE, BARE], tmp_path, pool)
    assert (status, solved) == ("budget_exhausted", False)


def test_code_whose_own_asserts_run_is_solved(pool: SandboxPool, tmp_path: Path) -> None:
    assert run(None, [BARE, SELF_TESTED], tmp_path, pool) == ("solved", True)


def test_the_users_tests_decide(pool: SandboxPool, tmp_path: Path) -> None:
    users = TestSet(code="assert double(5) == 10\n")
    wrong = "```python\ndef double(x):\n    return x + 2\n\nassert double(2) == 4\n```"
    # the solution's own passing assert does not count: the user's tests are the problem's tests
    assert run(users, [wrong], tmp_path / "a", pool) == ("budget_exhausted", False)
    assert run(users, [BARE], tmp_path / "b", pool) == ("solved", True)


def test_hidden_tests_that_check_nothing_do_not_make_it_solved(pool: SandboxPool, tmp_path: Path) -> None:
    task = adhoc_task(PROBLEM).model_copy(
        update={
            "public_tests": TestSet(code="assert double(2) == 4\n"),
            "hidden_tests": TestSet(code="double(7)\n"),  # runs to its end, asserts nothing
        }
    )
    config = AgentConfig.model_validate({"plan": False, "max_steps": 1})
    graded = solve_and_grade(task, ScriptedModel([BARE]), pool, config, run_dir=tmp_path, run_id="h")
    assert graded.result.exit_status == "solved"
    assert graded.hidden is not None and graded.hidden.result is not None
    assert graded.hidden.result.status == "passed"  # the sandbox ran it to its end...
    assert (graded.hidden.status, graded.hidden.message) == ("failed", NOTHING_CHECKED)  # ...checking nothing
    assert graded.hidden.pass_fraction == 0.0 and not graded.solved


def test_solved_is_the_hidden_verdict_as_batch_runs_count_it(pool: SandboxPool, tmp_path: Path) -> None:
    """A loop out of budget whose answer passes the hidden tests is solved, as `sandloop run` and the reward
    count it; a loop that ended solved on public tests the hidden ones fail is not."""
    wrong_public = adhoc_task(PROBLEM).model_copy(
        update={
            "public_tests": TestSet(code="assert double(2) == 5\n"),  # a wrong public test: never passes
            "hidden_tests": TestSet(code="assert double(7) == 14\n"),
        }
    )
    config = AgentConfig.model_validate({"plan": False, "max_steps": 1})
    graded = solve_and_grade(wrong_public, ScriptedModel([BARE]), pool, config, run_dir=tmp_path, run_id="w")
    assert graded.result.exit_status == "budget_exhausted"
    assert graded.hidden is not None and graded.hidden.passed and graded.solved
    strict_hidden = wrong_public.model_copy(
        update={
            "public_tests": TestSet(code="assert double(2) == 4\n"),
            "hidden_tests": TestSet(code="assert double(7) == 15\n"),
        }
    )
    graded = solve_and_grade(strict_hidden, ScriptedModel([BARE]), pool, config, run_dir=tmp_path, run_id="s")
    assert graded.result.exit_status == "solved" and not graded.solved
