"""A dataset row grades on its own: verification info out of a task and the task back out of it."""

from __future__ import annotations

import json

import pytest

from rl.dataset import (
    VERIFICATION_COLUMN,
    VerificationInfo,
    data_source_name,
    task_from_verification,
    trl_row,
    verification_info,
    verl_row,
)
from sandbox import SandboxPool
from tasks import TaskError, TaskSpec, grade, load_suite, load_task
from tests.support.rl_samples import CONTEST_DATA


def contest_tasks() -> dict[str, TaskSpec]:
    return {task.id: task for task in load_suite(f"stdio:{CONTEST_DATA}")}


def test_round_trip_keeps_everything_grading_reads() -> None:
    tasks = [load_task("humaneval#HumanEval/0"), *contest_tasks().values()]
    for task in tasks:
        info = verification_info(task)
        back = task_from_verification(info)
        assert (back.id, back.suite, back.kind, back.entry_point) == (
            task.id,
            task.suite,
            task.kind,
            task.entry_point,
        )
        assert back.starter_code == task.starter_code
        assert back.hidden_tests == task.hidden_tests
        assert (back.time_limit_s, back.memory_mb) == (task.time_limit_s, task.memory_mb)
        assert back.prompt == ""  # only grading reads the rebuilt task: the prompt is not carried
        assert task_from_verification(json.loads(info)) == back  # a decoded JSON object works too


def test_info_is_one_json_string_with_the_hidden_tests() -> None:
    task = load_task("humaneval#HumanEval/0")
    decoded = json.loads(verification_info(task))
    assert decoded["version"] == 1
    assert decoded["kind"] == "function"
    assert decoded["entry_point"] == "has_close_elements"
    assert decoded["tests"]["code"] == task.hidden_tests.code
    assert decoded["starter_code"] == task.starter_code
    assert decoded["time_limit_s"] == task.time_limit_s


@pytest.mark.parametrize(
    "bad",
    [
        "not json",
        "{}",
        '{"version": 2, "task_id": "a", "suite": "s", "kind": "function", "tests": {"code": ""}, "time_limit_s": 1}',
        '{"version": 1, "task_id": "a", "suite": "s", "kind": "stdio", "tests": {"code": "x"}, "time_limit_s": 1}',
        '{"version": 1, "task_id": "a", "suite": "s", "kind": "function", "tests": {}, "time_limit_s": 1, "x": 1}',
    ],
)
def test_anything_else_is_refused(bad: str) -> None:
    with pytest.raises(TaskError, match="not a sandloop verification info"):
        task_from_verification(bad)


def test_rows_for_both_trainers() -> None:
    task = load_task("humaneval#HumanEval/0")
    messages = [{"role": "user", "content": task.prompt}]
    row = trl_row(task, messages)
    assert row["prompt"] == messages
    assert task_from_verification(row[VERIFICATION_COLUMN]).hidden_tests == task.hidden_tests
    verl = verl_row(task, messages, index=7, split="heldout")
    assert verl["data_source"] == "humaneval"
    assert verl["extra_info"] == {"index": 7, "split": "heldout", "task_id": task.id, "suite": task.suite}
    assert verl["reward_model"]["style"] == "rule"
    assert VerificationInfo.model_validate_json(verl["reward_model"]["ground_truth"]).task_id == task.id


@pytest.mark.docker
def test_the_rebuilt_task_grades_like_the_original(pool: SandboxPool) -> None:
    tasks = [load_task("humaneval#HumanEval/2"), *contest_tasks().values()]
    for task in tasks:
        rebuilt = task_from_verification(verification_info(task))
        for answer in filter(None, [task.reference_solution, "print('wrong')\n"]):
            original, again = grade(pool, task, answer), grade(pool, rebuilt, answer)
            assert (again.status, again.pass_fraction) == (original.status, original.pass_fraction), task.id
            assert (again.status == "passed") == (answer == task.reference_solution), task.id


@pytest.mark.parametrize(
    ("suite", "name"),
    [
        ("humaneval", "humaneval"),
        ("jsonl:/home/me/data/tasks.jsonl", "jsonl/tasks"),
        ("stdio:tests/tasks/data/contest.jsonl", "stdio/contest"),
        ("mbpp:/data/mbpp set.jsonl.gz", "mbpp/mbpp_set"),
    ],
)
def test_data_source_is_a_name_not_a_path(suite: str, name: str) -> None:
    assert data_source_name(suite) == name
