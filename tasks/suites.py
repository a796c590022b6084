"""Suites by name (`humaneval`, `mbpp:PATH`, `stdio:PATH`, `jsonl:PATH`) and one task as `SUITE#ID`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tasks.contest import load_contest
from tasks.errors import TaskError
from tasks.humaneval import SUITE as HUMANEVAL
from tasks.humaneval import load_humaneval
from tasks.jsonl import load_jsonl
from tasks.mbpp import load_mbpp
from tasks.spec import TaskSpec

FILE_SUITES: dict[str, Callable[[Path, str], list[TaskSpec]]] = {
    "mbpp": load_mbpp,
    "stdio": load_contest,
    "jsonl": load_jsonl,  # a row without a suite belongs to this one; a row with one keeps it
}
SUITE_FORMS = "humaneval, mbpp:PATH, stdio:PATH or jsonl:PATH"


def load_suite(name: str) -> list[TaskSpec]:
    """Every task of the suite, in the source's order."""
    if name == HUMANEVAL:
        return load_humaneval()
    kind, _, path = name.partition(":")
    if kind not in FILE_SUITES:
        raise TaskError(f"unknown suite {name!r}: expected {SUITE_FORMS}")
    if not path:
        raise TaskError(f"suite {kind!r} reads a data file: name it {kind}:PATH")
    return FILE_SUITES[kind](Path(path), name)


def load_task(name: str) -> TaskSpec:
    """One task, named `SUITE#ID` (`humaneval#HumanEval/0`, `mbpp:data/mbpp.jsonl#901`)."""
    suite, _, task_id = name.partition("#")
    if not suite or not task_id:
        raise TaskError(f"a task is named SUITE#ID (e.g. humaneval#HumanEval/0), not {name!r}")
    for task in load_suite(suite):
        if task.id == task_id:
            return task
    raise TaskError(f"no task {task_id!r} in suite {suite}")
