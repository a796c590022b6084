"""`sandloop rollouts`: trajectories with rewards, exported for TRL, verl and SFT, read back and re-graded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from agent import prompts
from agent.config import AgentConfig
from agent.scripted import ScriptedModel
from batch.config import RunConfig
from batch.run import run_batch
from batch.sample import SampleRunner
from batch.workers import LocalExecutor
from rl.rollouts import export
from rl.trl_reward import TrlReward
from sandbox import SandboxPool
from tasks.splits import split_of
from tasks.suites import load_suite

pytestmark = pytest.mark.docker
ROOT = Path(__file__).parents[2]
SUITE = f"jsonl:{ROOT / 'docs' / 'examples' / 'tasks.jsonl'}"


def test_rollouts_export_and_read_back(pool: SandboxPool, tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "rollouts",
        SUITE,
        "--out",
        str(tmp_path),
        "--backend",
        "oracle",
    ]
    command += ["-n", "2", "--workers", "2", "--heldout-percent", "34"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    tasks = load_suite(SUITE)
    rows = [
        json.loads(line)
        for split in ("train", "heldout")
        for line in (tmp_path / "trl" / f"{split}.jsonl").read_text().splitlines()
    ]
    assert sorted(r["prompt"][1]["content"] for r in rows) == sorted(map(prompts.problem_statement, tasks))
    for split in ("train", "heldout"):
        lines = (tmp_path / "trl" / f"{split}.jsonl").read_text().splitlines()
        ids = {json.loads(json.loads(line)["verification_info"])["task_id"] for line in lines}
        assert ids == {t.id for t in tasks if split_of(t.id, 34) == split}
    reward = TrlReward(pool)
    answers = [
        f"```python\n{next(t for t in tasks if t.prompt in r['prompt'][1]['content']).reference_solution}```"
        for r in rows
    ]
    scores = reward(
        [r["prompt"] for r in rows], answers, verification_info=[r["verification_info"] for r in rows]
    )
    assert scores == [1.0] * len(rows)  # the exported rows alone are enough to grade
    verl = pq.read_table(tmp_path / "verl" / "train.parquet").to_pylist()
    assert {row["reward_model"]["style"] for row in verl} == {"rule"}
    assert {row["ability"] for row in verl} == {"code"}
    assert verl[0]["prompt"][0]["role"] == "system"
    rollouts = [json.loads(line) for line in (tmp_path / "rollouts.jsonl").read_text().splitlines()]
    assert len(rollouts) == 2 * len(tasks)
    assert all(r["reward"] == 1.0 for r in rollouts)
    sft = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert len(sft) == len(tasks)  # the oracle's two samples per task are the same answer: kept once
    assert sft[0]["messages"][-1]["role"] in {"user", "assistant"}
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert "resuming: 6 samples already finished" in " ".join(again.stdout.split())  # rich wraps lines


def test_failed_trajectories_get_low_reward_and_no_sft(pool: SandboxPool, tmp_path: Path) -> None:
    tasks = load_suite(SUITE)
    answers = {
        "sum_list": "def sum_list(numbers):\n    return sum(numbers)",
        "is_even": "def is_even(n):\n    return True",
        "reverse_words": "def reverse_words(text):\n    return ' '.join(reversed(text.split(' ')))",
    }
    replies = ["```python\n" + answers[t.id] + "\n```" for t in tasks]
    config = RunConfig(
        suite=SUITE, backend="scripted", mode="agent", agent=AgentConfig(max_steps=1, plan=False)
    )
    run_dir = tmp_path / "run"
    run_batch(
        tasks, config, SampleRunner(ScriptedModel(replies), pool, config, run_dir), run_dir, LocalExecutor(1)
    )
    summary = export(tasks, run_dir, tmp_path, heldout_percent=0)
    rewards = {
        json.loads(line)["task_id"]: json.loads(line)["reward"]
        for line in (tmp_path / "rollouts.jsonl").read_text().splitlines()
    }
    assert rewards["sum_list"] == 1.0
    assert rewards["is_even"] == pytest.approx(2 / 3)  # True is right for 0 and -4, wrong for 7
    assert summary.sft_examples == 2
    assert {json.loads(line)["task_id"] for line in (tmp_path / "sft.jsonl").read_text().splitlines()} == {
        "sum_list",
        "reverse_words",
    }
