"""Suite names and `SUITE#ID`: what loads, and the one-line errors for what does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks import TaskError, load_suite, load_task
from tasks.suites import SUITE_FORMS

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("suite", "loader_file"),
    [(f"mbpp:{DATA / 'mbpp.jsonl'}", "mbpp.jsonl"), (f"stdio:{DATA / 'contest.jsonl'}", "contest.jsonl")],
)
def test_file_suites_name_their_tasks_so_that_suite_hash_id_loads_them_again(
    suite: str, loader_file: str
) -> None:
    tasks = load_suite(suite)
    lines = [line for line in (DATA / loader_file).read_text().splitlines() if line.strip()]
    assert len(tasks) == len(lines)
    for task in tasks:
        assert task.suite == suite
        assert load_task(f"{task.suite}#{task.id}") == task


def test_one_humaneval_task_by_id() -> None:
    task = load_task("humaneval#HumanEval/163")
    assert task.id == "HumanEval/163" and task.suite == "humaneval"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("humaneval#HumanEval/999", "no task 'HumanEval/999' in suite humaneval"),
        (f"mbpp:{DATA / 'mbpp.jsonl'}#12345", f"no task '12345' in suite mbpp:{DATA / 'mbpp.jsonl'}"),
        ("humaneval", "a task is named SUITE#ID (e.g. humaneval#HumanEval/0), not 'humaneval'"),
        ("#HumanEval/0", "a task is named SUITE#ID (e.g. humaneval#HumanEval/0), not '#HumanEval/0'"),
        ("mbpp#1", "suite 'mbpp' reads a data file: name it mbpp:PATH"),
    ],
)
def test_unknown_tasks_are_one_line_errors(name: str, message: str) -> None:
    with pytest.raises(TaskError) as caught:
        load_task(name)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("humaneval+", "unknown suite 'humaneval+': expected " + SUITE_FORMS),
        (
            "apps:data.jsonl",
            "unknown suite 'apps:data.jsonl': expected " + SUITE_FORMS,
        ),
        ("jsonl:", "suite 'jsonl' reads a data file: name it jsonl:PATH"),
    ],
)
def test_unknown_suites_are_one_line_errors(name: str, message: str) -> None:
    with pytest.raises(TaskError) as caught:
        load_suite(name)
    assert str(caught.value) == message
