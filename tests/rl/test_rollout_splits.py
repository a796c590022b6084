"""The prompt and rollouts exports keep the held-out tasks out of every training file (no sandbox needed: no samples)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from rl.prompt_export import export_prompts
from rl.rollouts import export
from tasks.generated import generated_suite


@pytest.mark.parametrize("heldout_percent", [0, 20, 34])
def test_no_held_out_id_reaches_a_training_export(tmp_path: Path, heldout_percent: int) -> None:
    tasks = generated_suite("all")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    summary = export_prompts(tasks, tmp_path / "out", heldout_percent)
    rollouts = export(tasks, run_dir, tmp_path / "out", heldout_percent)
    trl = [json.loads(line) for line in (tmp_path / "out/trl/train.jsonl").read_text().splitlines()]
    trl_ids = {json.loads(row["verification_info"])["task_id"] for row in trl}
    verl_ids = {
        row["extra_info"]["task_id"] for row in pq.read_table(tmp_path / "out/verl/train.parquet").to_pylist()
    }
    held = {task.id for task in generated_suite("heldout")}  # the suite names its split: no percent moves it
    assert held and not held & trl_ids and not held & verl_ids
    assert trl_ids == verl_ids == {task.id for task in tasks} - held
    held_rows = (tmp_path / "out/trl/heldout.jsonl").read_text().splitlines()
    assert {json.loads(row["verification_info"])["task_id"] for row in map(json.loads, held_rows)} == held
    assert summary.tasks == {"train": len(tasks) - len(held), "heldout": len(held)}
    assert rollouts.trajectories == 0 and not (tmp_path / "out/sft.jsonl").read_text()
