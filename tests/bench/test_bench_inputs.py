"""The small pieces of logic in the training benches: the seeds they accept and what they count as the SFT
data the model made itself."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bench.grpo_gain import parse_seeds
from bench.sft_chain import count_rollouts


def test_seeds_are_distinct_integers_separated_by_commas() -> None:
    assert parse_seeds("0,1") == [0, 1]
    assert parse_seeds(" 3 , 7,") == [3, 7]


@pytest.mark.parametrize("text", ["", "0,0", "a,1"])
def test_bad_seeds_are_one_line_errors(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="--seeds"):
        parse_seeds(text)


def _jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def test_rollouts_count_passed_trajectories_sft_rows_and_the_tasks_they_cover(tmp_path: Path) -> None:
    statuses = [("t1", "passed"), ("t1", "passed"), ("t1", "failed"), ("t2", "no_answer"), ("t3", "passed")]
    rows = [{"task_id": task, "status": status, "passed": status == "passed"} for task, status in statuses]
    _jsonl(tmp_path / "rollouts.jsonl", rows)
    # the export keeps one row per distinct passing answer: t1's two passes were the same code
    _jsonl(tmp_path / "sft.jsonl", [{"task_id": "t1", "messages": []}, {"task_id": "t3", "messages": []}])
    (tmp_path / "sft.jsonl").write_text((tmp_path / "sft.jsonl").read_text() + "\n", encoding="utf-8")
    assert count_rollouts(tmp_path) == (5, 3, 2, 2)
