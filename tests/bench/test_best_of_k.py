"""Best-of-k at a token budget: the budget split, the pick on the public tests, and the bench's wiring through
the batch runner and the real sandbox (oracle model: the logic, not the model, is under test)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from agent.models.oracle import OracleModel
from agent.restart_policy import Restart
from batch.sample_records import SampleRecord
from bench.agent_vs_single import ARMS, Arm, Bench, chunk_ends, progress, run_seed
from bench.best_of_k import best_of_k, reply_budget
from sandbox import SandboxPool
from tasks.generated import generated_suite


def reply(index: int, *, passed: bool, tokens: int) -> SampleRecord:
    return SampleRecord(
        task_id="t",
        sample=index,
        status="passed" if passed else "failed",
        passed=passed,
        pass_fraction=1.0 if passed else 0.0,
        code=f"answer {index}",
        tokens=tokens,
        seconds=1.0,
    )


def test_reply_budget_splits_within_the_budget() -> None:
    assert reply_budget(256, 4) == 64
    assert reply_budget(100, 3) * 3 <= 100
    assert reply_budget(7, 1) == 7
    with pytest.raises(ValueError, match="at least one part"):
        reply_budget(256, 0)
    with pytest.raises(ValueError, match="cannot give each of 4 replies one token"):
        reply_budget(3, 4)


def test_first_reply_passing_public_is_the_answer_graded_on_hidden() -> None:
    replies = [
        reply(0, passed=False, tokens=30),
        reply(1, passed=False, tokens=20),  # passes public, fails hidden: still the answer
        reply(2, passed=True, tokens=10),
    ]
    chosen = best_of_k(replies, [False, True, True], sample=5)
    assert chosen.code == "answer 1"
    assert not chosen.passed
    assert chosen.sample == 5
    assert chosen.tokens == 50  # a sequential best-of-k stops after the reply it keeps
    assert chosen.seconds == 2.0


def test_no_reply_passing_public_keeps_the_first_and_spends_every_reply() -> None:
    replies = [reply(0, passed=True, tokens=30), reply(1, passed=False, tokens=20)]
    chosen = best_of_k(replies, [False, False], sample=0)
    assert chosen.code == "answer 0"
    assert chosen.passed
    assert chosen.tokens == 50


def test_best_of_k_needs_one_public_verdict_per_reply() -> None:
    with pytest.raises(ValueError, match="2 replies and 1 verdicts"):
        best_of_k([reply(0, passed=True, tokens=1), reply(1, passed=True, tokens=1)], [True], sample=0)
    with pytest.raises(ValueError, match="0 replies"):
        best_of_k([], [], sample=0)


def test_chunks_cover_every_task_once_in_order() -> None:
    assert chunk_ends(66, 6) == [6, 12, 18, 24, 30, 36, 42, 48, 54, 60, 66]
    assert chunk_ends(8, 6) == [6, 8]
    assert chunk_ends(3, 6) == [3]
    assert chunk_ends(0, 6) == []
    with pytest.raises(ValueError, match="--chunk must be at least 1"):
        chunk_ends(10, 0)


@pytest.mark.docker
def test_public_tests_tell_a_right_answer_from_a_wrong_one(pool: SandboxPool, tmp_path: Path) -> None:
    task = generated_suite("heldout")[0]
    bench = Bench([task], OracleModel([task]), pool, tmp_path, workers=1)
    right = reply(0, passed=True, tokens=1).model_copy(
        update={"task_id": task.id, "code": task.reference_solution}
    )
    wrong = right.model_copy(update={"code": f"def {task.entry_point}(*args):\n    return None\n"})
    assert bench.public_passed([right, wrong]) == [True, False]


@pytest.mark.docker
@pytest.mark.slow
def test_every_arm_runs_through_the_batch_runner(pool: SandboxPool, tmp_path: Path) -> None:
    tasks = generated_suite("heldout")[:2]
    bench = Bench(tasks, OracleModel(tasks), pool, tmp_path, workers=2)
    arms = {name: Arm() for name in ARMS}
    args = argparse.Namespace(
        suite="generated:heldout",
        backend="oracle",
        model="oracle",
        budget=64,
        steps=2,
        k=2,
        plan=False,
        restart=Restart.ON_REPEAT,
        limit=None,
    )
    run_seed(bench, arms, 0, 1, args)  # a first round over one task, then the run extended to both
    run_seed(bench, arms, 0, 2, args)
    for name in ARMS:
        records = arms[name].records
        assert sorted(r.task_id for r in records) == sorted(t.id for t in tasks), name
        assert arms[name].summary().pass_at_k[0].value == 1.0, name  # the oracle's answers pass
        assert arms[name].seed_pass1() == [1.0], name  # one seed: its own pass@1 is the arm's
    # best-of-k stopped at its first reply (it passed the public tests): one reply's tokens, not k
    single_tokens = {r.task_id: r.tokens for r in arms["single-shot"].records}
    assert all(r.tokens <= single_tokens[r.task_id] for r in arms["best-of-k"].records)
    assert (tmp_path / "b64-k2-reply-s1" / "results.jsonl").is_file()  # the second reply's run, seed 1
    assert (tmp_path / "b64-steps2-plan0-restart1-agent-s0" / "trajectories").is_dir()
    line = progress(arms, 2, 1, 3.0)
    assert line.startswith("first 2 tasks x 1 samples (3 s): agent pass@1 1.000")
    assert "best-of-k pass@1 1.000" in line


def test_run_dir_names_keep_suites_and_models_apart() -> None:
    from bench.agent_vs_single import parse, slug

    args = parse(["--suite", "humaneval", "--backend", "transformers"])
    assert args.workers == 2 and args.model.startswith("embedded:")
    assert slug("generated:heldout") == "generated-heldout"
    assert slug("embedded:Qwen2.5-Coder-0.5B-Instruct") == "embedded-Qwen2.5-Coder-0.5B-Instruct"
    assert slug("Qwen/QwQ-32B") == "QwQ-32B"
