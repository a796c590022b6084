"""Choosing the tasks of a run: --limit, --ids, --shard."""

from __future__ import annotations

from typing import Any

import pytest

from batch.errors import BatchError
from batch.selection import parse_shard, select
from tasks import load_suite


def test_selection_by_limit_ids_and_shard() -> None:
    tasks = load_suite("humaneval")
    ids = [task.id for task in tasks]
    assert [t.id for t in select(tasks, limit=3)] == ids[:3]
    assert [t.id for t in select(tasks, ids=["HumanEval/7", "HumanEval/2"])] == ["HumanEval/7", "HumanEval/2"]
    shards = [[t.id for t in select(tasks, shard=f"{i}/3")] for i in range(3)]
    assert sorted(i for shard in shards for i in shard) == sorted(ids)  # the shards cover the suite once
    assert shards[1][:2] == [ids[1], ids[4]]
    assert select(tasks) == tasks


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"ids": ["HumanEval/0", "nope"]}, "no task 'nope'"),
        ({"shard": "3/3"}, "expected i/n with 0 <= i < n"),
        ({"shard": "one/two"}, "expected i/n"),
        ({"limit": 2, "shard": "0/2"}, "give at most one"),
    ],
)
def test_bad_selections_are_one_line_errors(choice: dict[str, Any], message: str) -> None:
    with pytest.raises(BatchError, match=message):
        select(load_suite("humaneval"), **choice)


def test_parse_shard() -> None:
    assert parse_shard("2/8") == (2, 8)
