"""Suites by name (`humaneval`, `generated[:SPLIT]`, `mbpp:PATH`, `stdio:PATH`, `jsonl:PATH` or a plain
`PATH.jsonl`) and one task as `SUITE#ID`: the one reading of a suite name, for every command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tasks.contest import load_contest
from tasks.errors import TaskError
from tasks.generated import generated_suite
from tasks.humaneval import SUITE as HUMANEVAL
from tasks.humaneval import load_humaneval
from tasks.jsonl import load_jsonl
from tasks.mbpp import load_mbpp
from tasks.spec import TaskSpec
from tasks.splits import SPLITS

FILE_SUITES: dict[str, Callable[[Path, str], list[TaskSpec]]] = {
    "mbpp": load_mbpp,
    "stdio": load_contest,
    "jsonl": load_jsonl,  # a row without a suite belongs to this one; a row with one keeps it
}
GENERATED = "generated"
GENERATED_SPLITS = (*SPLITS, "all")
SUITE_FORMS = "humaneval, generated[:train|heldout|all], mbpp:PATH, stdio:PATH, jsonl:PATH or PATH.jsonl"
BUNDLED_SUITES: dict[str, str] = {
    HUMANEVAL: "OpenAI HumanEval, 164 function tasks (bundled)",
    f"{GENERATED}[:train|heldout|all]": "generated function tasks (bundled; default: the train split)",
    "mbpp:PATH": "MBPP rows (JSON Lines, as the dataset ships them)",
    "stdio:PATH": "stdin/stdout problems (CodeContests, APPS-style JSON Lines)",
    "jsonl:PATH or PATH.jsonl": "sandloop's task format, one TaskSpec per line",
}
"""Every suite form, with what it reads (`sandloop tasks list` with no suite prints this)."""


def load_suite(name: str) -> list[TaskSpec]:
    """Every task of the suite, in the source's order."""
    if name == HUMANEVAL:
        return load_humaneval()
    kind, _, path = name.partition(":")
    if kind == GENERATED:
        split = path or "train"
        if split not in GENERATED_SPLITS:
            raise TaskError(f"unknown split {split!r} of the generated suite: expected train, heldout or all")
        return generated_suite(split)  # type: ignore[arg-type]  # checked against the splits just above
    if not path and name.endswith(".jsonl"):
        return load_jsonl(Path(name), f"jsonl:{name}")  # a plain task file: the same suite as jsonl:PATH
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
