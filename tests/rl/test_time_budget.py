"""`--max-seconds`: a training run ends at the step end nearest its wall-time budget and still saves its model
(the real `sandloop train grpo` process: TRL, CPU, the embedded SmolLM2, Docker)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rl.training import budget_spent
from tests.support.cli_process import sandloop


def test_the_run_stops_at_the_step_end_nearest_the_budget() -> None:
    # 30 s steps, a 100 s budget: ending at 90 s is 10 s short, going on to 120 s would be 20 s over.
    assert not budget_spent(elapsed=60.0, steps_done=2, max_seconds=100.0)
    assert budget_spent(elapsed=90.0, steps_done=3, max_seconds=100.0)
    # 30 s steps, a 110 s budget: 120 s (10 s over) is nearer than 90 s (20 s short).
    assert not budget_spent(elapsed=90.0, steps_done=3, max_seconds=110.0)
    assert budget_spent(elapsed=120.0, steps_done=4, max_seconds=110.0)
    # A first step longer than the whole budget ends the run at once.
    assert budget_spent(elapsed=50.0, steps_done=1, max_seconds=10.0)


@pytest.mark.slow
@pytest.mark.docker
def test_grpo_stops_on_its_time_budget_before_its_steps_and_saves_the_model(tmp_path: Path) -> None:
    pytest.importorskip("trl")
    out = tmp_path / "run"
    small = ["--limit", "2", "-n", "2", "--prompts-per-step", "1", "--max-tokens", "16", "--workers", "1"]
    # Any real step outlasts 1 ms: the budget is spent after the first of the five steps asked for.
    done = sandloop("train", "grpo", *small, "--steps", "5", "--max-seconds", "0.001", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [1]
    assert (out / "final" / "model.safetensors").is_file()
    assert not list(out.glob("checkpoint-*"))  # the stop is off the save interval: no copy of final
