"""A summary lists tasks in one order (natural: HumanEval/2 before HumanEval/10), not as samples finished."""

from __future__ import annotations

from batch.summary import natural_order


def test_task_ids_sort_by_their_numbers_then_their_names() -> None:
    ids = ["HumanEval/10", "Mbpp/3", "HumanEval/2", "sum_list", "HumanEval/1", "is_even"]
    assert sorted(ids, key=natural_order) == [
        "HumanEval/1",
        "HumanEval/2",
        "HumanEval/10",
        "Mbpp/3",
        "is_even",
        "sum_list",
    ]
