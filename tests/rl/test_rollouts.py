"""`sandloop rollouts`: trajectories with rewards, exported for TRL, verl and SFT, read back and re-graded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from agent import prompts
from agent.config import AgentConfig
from agent.restart_policy import Restart
from agent.scripted import ScriptedModel
from batch.config import RunConfig
from batch.run import run_batch
from batch.sample import SampleRunner
from batch.workers import LocalExecutor
from rl.rollouts import export, sft_row
from rl.trl_reward import TrlReward
from sandbox import SandboxPool
from tasks.splits import split_of
from tasks.suites import load_suite
from tests.support.cli_process import sandloop
from tools import TOOL_NAMES

pytestmark = pytest.mark.docker
ROOT = Path(__file__).parents[2]
SUITE = f"jsonl:{ROOT / 'docs' / 'examples' / 'tasks.jsonl'}"


def test_rollouts_export_and_read_back(pool: SandboxPool, tmp_path: Path) -> None:
    command = ["rollouts", SUITE, "--out", str(tmp_path), "--backend", "oracle"]
    command += ["-n", "2", "--workers", "2", "--heldout-percent", "34"]
    done = sandloop(*command)
    assert done.returncode == 0, done.stderr
    tasks = load_suite(SUITE)
    splits = {task.id: split_of(task.id, 34) for task in tasks}
    train = {task_id for task_id, split in splits.items() if split == "train"}
    assert 0 < len(train) < len(tasks)  # both splits have tasks: the held-out ones must stay out
    rows = [
        json.loads(line)
        for split in ("train", "heldout")
        for line in (tmp_path / "trl" / f"{split}.jsonl").read_text().splitlines()
    ]
    assert len(rows) == len(tasks)
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
    assert {row["data_source"] for row in verl} == {"jsonl/tasks"}  # a name, not the suite's path
    assert [row["extra_info"]["index"] for row in verl] == list(range(len(train)))
    assert {row["extra_info"]["split"] for row in verl} == {"train"}
    assert verl[0]["prompt"][0]["role"] == "system"
    rollouts = [json.loads(line) for line in (tmp_path / "rollouts.jsonl").read_text().splitlines()]
    assert {r["task_id"] for r in rollouts} == train  # the training split only
    assert len(rollouts) == 2 * len(train)
    assert all(r["reward"] == 1.0 and r["passed"] for r in rollouts)
    sft = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert {
        r["task_id"] for r in sft
    } == train  # the oracle's two samples per task are the same answer: kept once
    assert len(sft) == len(train)
    assert all(r["messages"][-1]["role"] == "assistant" for r in sft)
    again = sandloop(*command, "--include-heldout")
    assert "resuming: 6 samples already finished" in " ".join(again.stdout.split())  # rich wraps lines
    everything = [json.loads(line) for line in (tmp_path / "rollouts.jsonl").read_text().splitlines()]
    assert {(r["task_id"], r["split"]) for r in everything} == set(splits.items())


def test_sft_rows_end_on_the_assistant_and_name_the_tools() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "run_tests", "arguments": {"code": "x = 1"}}}
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "problem"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "content": "1 of 2 passed", "tool_call_id": "c1", "name": "run_tests"},
        {"role": "assistant", "content": "```python\nx = 2\n```"},
        {"role": "user", "content": "Public tests: all passed."},
    ]
    row = sft_row("t", "train", messages)
    assert row is not None
    assert row["messages"] == messages[:5]
    assert {tool["function"]["name"] for tool in row["tools"]} == set(TOOL_NAMES)
    plain = sft_row("t", "train", [messages[1], messages[4], messages[5]])
    assert plain is not None and "tools" not in plain and plain["messages"][-1]["role"] == "assistant"
    assert sft_row("t", "train", messages[:2]) is None


def test_prompt_export_needs_no_model(pool: SandboxPool, tmp_path: Path) -> None:
    done = sandloop("export", SUITE, "--out", str(tmp_path), "--heldout-percent", "34")
    assert done.returncode == 0, done.stderr
    tasks = {task.id: task for task in load_suite(SUITE)}
    for split in ("train", "heldout"):
        trl = [json.loads(line) for line in (tmp_path / "trl" / f"{split}.jsonl").read_text().splitlines()]
        verl = pq.read_table(tmp_path / "verl" / f"{split}.parquet").to_pylist()
        ids = [row["extra_info"]["task_id"] for row in verl]
        assert {split_of(task_id, 34) for task_id in ids} == {split}
        assert [row["extra_info"]["index"] for row in verl] == list(range(len(verl)))
        answers = [f"```python\n{tasks[task_id].reference_solution}```" for task_id in ids]
        scores = TrlReward(pool)(
            [r["prompt"] for r in trl], answers, verification_info=[r["verification_info"] for r in trl]
        )
        assert scores == [1.0] * len(trl)
    assert sandloop("export", "jsonl:/no/such/file.jsonl", "--out", str(tmp_path)).returncode != 0


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


def test_a_restarted_solve_exports_the_attempt_its_answer_came_from(
    pool: SandboxPool, tmp_path: Path
) -> None:
    """After a restart the model saw only the new attempt: an SFT example of the whole record would teach it to
    answer a conversation it never had."""
    task = next(t for t in load_suite(SUITE) if t.id == "sum_list")
    wrong, right = (
        "```python\ndef sum_list(numbers):\n    return 0\n```",
        "```python\ndef sum_list(numbers):\n    return sum(numbers)\n```",
    )
    agent = AgentConfig(max_steps=3, plan=False, restart=Restart.ON_REPEAT)
    config = RunConfig(suite=SUITE, backend="scripted", mode="agent", agent=agent)
    run_dir = tmp_path / "run"
    runner = SampleRunner(ScriptedModel([wrong, wrong, right]), pool, config, run_dir)
    run_batch([task], config, runner, run_dir, LocalExecutor(1))
    export([task], run_dir, tmp_path, heldout_percent=0)
    (example,) = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert [m["role"] for m in example["messages"]] == ["system", "user", "assistant"]
    assert example["messages"][-1]["content"] == right
    assert example["messages"][:2] == prompts.first_messages(task, instruction=prompts.WRITE)


def test_samples_whose_model_failed_are_not_exported(pool: SandboxPool, tmp_path: Path) -> None:
    tasks = load_suite(SUITE)
    right = "```python\ndef sum_list(numbers):\n    return sum(numbers)\n```"
    config = RunConfig(
        suite=SUITE, backend="scripted", mode="agent", agent=AgentConfig(max_steps=1, plan=False)
    )
    run_dir = tmp_path / "run"
    model = ScriptedModel([right])  # the other two tasks meet a model with nothing to say: model_error
    run_batch(tasks, config, SampleRunner(model, pool, config, run_dir), run_dir, LocalExecutor(1))
    summary = export(tasks, run_dir, tmp_path, heldout_percent=0)
    rows = [json.loads(line) for line in (tmp_path / "rollouts.jsonl").read_text().splitlines()]
    assert [(row["task_id"], row["reward"]) for row in rows] == [("sum_list", 1.0)]
    assert summary.trajectories == 1
