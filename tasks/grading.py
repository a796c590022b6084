"""From a task and an answer to the tests' verdict: the one grading path of every caller (the agent's public
tests aside, which are the agent's tool)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Literal

from sandbox import CasesJob, Limits, Sandbox, TestJob
from sandbox.models import Language
from tasks.definitions import defined_names, definitions, first_line, parse
from tasks.infra_retry import InfraRetry, RoundHook, run_with_retries
from tasks.spec import TaskSpec
from tasks.verdict import Verdict

Which = Literal["public", "hidden"]


def _support(starter_code: str, entry_point: str) -> str:
    """The starter code without the entry point's own definition: its imports and helpers.

    A starter that stops where the body should begin (LiveCodeBench's `def f(self):\\n        `) parses once
    a `pass` completes it.
    """
    module = parse(starter_code) or parse(starter_code + "pass")
    if module is None:
        return ""
    lines = starter_code.splitlines(keepends=True)
    for statement in reversed(module.body):
        if entry_point in defined_names(statement):
            del lines[first_line(statement) - 1 : statement.end_lineno]
    return "".join(lines)


def program_for(task: TaskSpec, answer: str) -> str:
    """The program to grade: the answer, alone or after the starter code or its imports and helpers.

    A function task's answer that defines the entry point at top level is a whole solution: only its
    definitions are graded (`tasks.definitions`: its own asserts and examples are not the task's tests), after
    the starter code's imports and helper definitions (so a whole function that drops `from typing import
    List` still runs). Any other answer (a function body, or text that does not parse) continues the starter
    code.
    """
    whole = definitions(answer, task.entry_point) if task.kind == "function" and task.entry_point else None
    if whole is None:
        return task.starter_code + answer if task.starter_code else answer
    assert task.entry_point is not None  # a whole solution defines it
    support = _support(task.starter_code, task.entry_point).rstrip() if task.starter_code else ""
    return f"{support}\n\n\n{whole}" if support else whole


def job_for(
    task: TaskSpec, answer: str, which: Which = "hidden", language: Language | None = None
) -> TestJob | CasesJob:
    """The sandbox job grading `answer` (in `language`, default the task's) on the task's public or hidden
    tests, within the task's time limit."""
    tests = task.public_tests if which == "public" else task.hidden_tests
    language = language or task.language
    program = program_for(task, answer) if language == "python" else answer
    limits = Limits(timeout_s=task.time_limit_s)
    if task.kind == "stdio":
        return CasesJob(source=program, language=language, cases=tests.cases, limits=limits)
    assert tests.code is not None  # TaskSpec guarantees test code for function tasks
    source = f"{program}\n\n{tests.setup}\n" if tests.setup else program  # one namespace, as MBPP's harness
    return TestJob(source=source, tests=tests.code, entry_point=task.entry_point, limits=limits)


def grade_many(
    pool: Sandbox,
    answers: Sequence[tuple[TaskSpec, str]],
    which: Which = "hidden",
    retry: InfraRetry | None = None,
    *,
    on_round: RoundHook | None = None,
    wait: Callable[[float], None] = time.sleep,
) -> list[Verdict]:
    """The verdict on each (task, answer), in order: all jobs through the pool at once, infrastructure errors
    retried by `retry` (default: InfraRetry())."""
    jobs = [job_for(task, answer, which) for task, answer in answers]
    graded = run_with_retries(pool, jobs, retry or InfraRetry(), on_round, wait)
    return [Verdict.of(result, attempts) for result, attempts in graded]


def grade(
    pool: Sandbox, task: TaskSpec, answer: str, which: Which = "hidden", retry: InfraRetry | None = None
) -> Verdict:
    """The verdict on one answer (see `grade_many`)."""
    [verdict] = grade_many(pool, [(task, answer)], which, retry)
    return verdict
