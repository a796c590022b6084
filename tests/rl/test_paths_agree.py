"""Every path that grades or rewards a sample gives the same verdict and reward on the reward-hack corpus:
the grading function itself, `sandloop run` (batch runner), `evaluate`, `rollouts`, TRL, verl, the held-out
evaluation and the GRPO log. Real containers; each program is a task whose oracle answer it is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from agent.models.oracle import OracleModel
from batch.config import RunConfig
from batch.evaluate import Sample, as_records, grade_samples
from batch.run import run_batch
from batch.sample import SampleRunner
from batch.workers import LocalExecutor
from rl import verl_reward
from rl.config import RewardConfig
from rl.dataset import trl_row, verl_row
from rl.heldout import score_draws, summarize
from rl.rewards import reward
from rl.rollouts import export, reward_of
from rl.train_log import PASS_KEY, REWARD_KEY, StepLogCallback, read_log
from rl.trl_reward import TrlReward
from sandbox import PoolConfig, SandboxPool
from tasks.grading import grade
from tasks.spec import TaskSpec
from tasks.verdict import Verdict
from tests.support.hacks import CHEATS, HONEST
from tests.support.rl_samples import PARTIAL, WRONG, as_completion, square_task

pytestmark = pytest.mark.docker

CORPUS = {"honest": HONEST, "wrong": WRONG, "partial": PARTIAL, **CHEATS}


def corpus_task(number: int, name: str, code: str) -> TaskSpec:
    """The reward-hack task (`square` on five asserts) under its own id and statement, answered by `code`."""
    base = square_task()
    return base.model_copy(
        update={"id": f"hack-{number:02d}", "prompt": f"({name}) {base.prompt}", "reference_solution": code}
    )


TASKS = [corpus_task(number, name, code) for number, (name, code) in enumerate(CORPUS.items())]
COMPLETIONS = [as_completion(task.reference_solution or "") for task in TASKS]


def key(verdict: Verdict) -> tuple[Any, ...]:
    return (verdict.status, verdict.pass_fraction, verdict.test_count, verdict.crashed)


@pytest.fixture(scope="module")
def direct(pool: SandboxPool) -> list[Verdict]:
    """The grading function on each answer: what every other path must agree with."""
    verdicts = [grade(pool, task, task.reference_solution or "") for task in TASKS]
    assert [v.status for v in verdicts[:3]] == ["passed", "failed", "failed"]
    assert all(not v.passed for v in verdicts[3:])  # no cheat passes
    return verdicts


@pytest.fixture(scope="module")
def verl_pool() -> Iterator[None]:
    verl_reward.configure_pool(PoolConfig(size=2))
    yield
    verl_reward.close_pool()


def test_run_and_rollouts_agree(pool: SandboxPool, direct: list[Verdict], tmp_path: Path) -> None:
    config = RunConfig(suite="hacks", backend="oracle", mode="single-shot")
    run_dir = tmp_path / "run"
    records = run_batch(
        TASKS, config, SampleRunner(OracleModel(TASKS), pool, config, run_dir), run_dir, LocalExecutor(2)
    )
    assert [record.task_id for record in records] == [task.id for task in TASKS]
    assert [key(record.verdict) for record in records] == [key(v) for v in direct]
    expected = [reward(v, "ok", RewardConfig()) for v in direct]
    assert [reward_of(record) for record in records] == expected
    export(TASKS, run_dir, tmp_path / "out", heldout_percent=0)
    lines = (tmp_path / "out" / "rollouts.jsonl").read_text().splitlines()
    exported = {row["task_id"]: row["reward"] for row in map(json.loads, lines)}
    assert [exported[task.id] for task in TASKS] == expected


def test_evaluate_agrees(pool: SandboxPool, direct: list[Verdict]) -> None:
    samples = [Sample(task, task.reference_solution or "", {"task_id": task.id}) for task in TASKS]
    graded = {
        entry.index: entry
        for entry in grade_samples(pool, samples, list(range(len(samples))), LocalExecutor(2))
    }
    ordered = [graded[index] for index in range(len(samples))]
    assert [key(entry.verdict) for entry in ordered] == [key(v) for v in direct]
    assert [key(record.verdict) for record in as_records(samples, ordered)] == [key(v) for v in direct]


def test_trl_and_the_grpo_log_agree(pool: SandboxPool, direct: list[Verdict], tmp_path: Path) -> None:
    logged: dict[str, Any] = {}
    rows = [trl_row(task, task.prompt) for task in TASKS]
    rewards = TrlReward(pool)(
        prompts=[row["prompt"] for row in rows],
        completions=COMPLETIONS,
        verification_info=[row["verification_info"] for row in rows],
        log_extra=lambda name, values: logged.__setitem__(name, values),
        log_metric=lambda name, value: logged.__setitem__(name, value),
    )
    assert rewards == [reward(v, "ok", RewardConfig()) for v in direct]
    assert logged["sandbox_status"] == [v.status for v in direct]
    # GRPOTrainer logs the mean reward beside the reward's own metrics; the callback writes what it is given.
    callback = StepLogCallback(tmp_path / "log.jsonl")
    state = SimpleNamespace(global_step=1, max_steps=1)
    mean = sum(r or 0.0 for r in rewards) / len(rewards)
    callback.on_log(None, state, None, logs={REWARD_KEY: mean, PASS_KEY: logged[PASS_KEY]})
    [row] = read_log(tmp_path / "log.jsonl")
    assert row[PASS_KEY] == sum(v.passed for v in direct) / len(direct)


def test_verl_agrees(direct: list[Verdict], verl_pool: None) -> None:
    rows = [verl_row(task, [{"role": "user", "content": task.prompt}]) for task in TASKS]
    truths = [row["reward_model"]["ground_truth"] for row in rows]
    batch = verl_reward.compute_score_batch([row["data_source"] for row in rows], COMPLETIONS, truths)
    single = [
        verl_reward.compute_score(row["data_source"], completion, truth)
        for row, completion, truth in zip(rows, COMPLETIONS, truths, strict=True)
    ]
    expected = [reward(v, "ok", RewardConfig()) for v in direct]
    for results in (batch, single):
        assert [result["score"] for result in results] == expected
        assert [(result["status"], result["pass_fraction"]) for result in results] == [
            (v.status, v.pass_fraction) for v in direct
        ]


def test_the_held_out_evaluation_agrees(pool: SandboxPool, direct: list[Verdict]) -> None:
    figures = summarize(TASKS, score_draws(TASKS, COMPLETIONS, pool, 1))
    expected = [reward(v, "ok", RewardConfig()) or 0.0 for v in direct]
    assert figures.mean_reward == pytest.approx(sum(expected) / len(expected))
    assert figures.pass_at_1 == sum(v.passed for v in direct) / len(direct)
