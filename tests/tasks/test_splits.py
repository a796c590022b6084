"""The one train / held-out split: stable, the shipped generated suite's, and monotone in the percent."""

from __future__ import annotations

import json

import pytest

from tasks.generated import generated_suite, shipped_path
from tasks.splits import split_of, task_split
from tests.support.toy_tasks import make_add_task


def shipped_splits() -> dict[str, str]:
    """Task id to split, as the shipped generated data files hold them."""
    return {
        json.loads(line)["id"]: split
        for split in ("train", "heldout")
        for line in shipped_path(split).read_text(encoding="utf-8").splitlines()
    }


def test_the_split_is_the_one_the_shipped_data_was_made_with() -> None:
    shipped = shipped_splits()
    assert len(shipped) == 300
    assert {task_id: split_of(task_id) for task_id in shipped} == shipped
    assert {task_id: split_of(task_id, 20) for task_id in shipped} == shipped


def test_a_larger_percent_only_adds_held_out_ids() -> None:
    ids = [f"task-{i}" for i in range(2000)]
    held = {
        percent: {i for i in ids if split_of(i, percent) == "heldout"} for percent in (0, 10, 20, 34, 100)
    }
    assert held[0] == set() and held[100] == set(ids)
    assert held[10] < held[20] < held[34] < held[100]
    for percent in (10, 20, 34):
        assert abs(len(held[percent]) / len(ids) - percent / 100) < 0.04


def test_a_percent_outside_0_to_100_is_refused() -> None:
    with pytest.raises(ValueError, match="heldout_percent"):
        split_of("task", 101)


@pytest.mark.parametrize("percent", [0, 10, 20, 34, 100])
def test_a_task_that_names_its_split_keeps_it_at_any_percent(percent: int) -> None:
    tasks = generated_suite("all")
    assert {task.id: task_split(task, percent) for task in tasks} == shipped_splits()


def test_a_task_without_a_named_split_is_split_by_its_id() -> None:
    task = make_add_task()
    odd = task.model_copy(update={"metadata": {"split": "test"}})  # not one of ours: the hash decides
    for percent in (0, 34, 100):
        assert task_split(task, percent) == task_split(odd, percent) == split_of(task.id, percent)
