"""The generated training suite: the same on every run, split by id, every reference passing its tests."""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Literal

import pytest

from sandbox import SandboxPool
from tasks import generated
from tasks.generated import (
    COUNT,
    TEMPLATES,
    generate_task,
    generated_suite,
    jsonl_text,
    shipped_path,
    split_of,
    suite_name,
    write_jsonl,
)
from tasks.grading import job_for
from tasks.suites import load_suite, load_task

ROOT = Path(__file__).resolve().parents[2]
DIGEST = (
    "import hashlib, tasks.generated as g; print(hashlib.sha256(g.jsonl_text('all').encode()).hexdigest())"
)


def asserts(code: str | None) -> list[str]:
    assert code is not None
    return [ast.unparse(node) for node in ast.parse(code).body if isinstance(node, ast.Assert)]


def test_generation_is_the_same_twice_in_one_process() -> None:
    assert generated_suite("all") == generated_suite("all")
    assert jsonl_text("train") == jsonl_text("train")


@pytest.mark.parametrize("hash_seed", ["1", "4242"])
def test_generation_is_the_same_in_a_fresh_process_whatever_its_hash_seed(hash_seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
    fresh = subprocess.run(
        [sys.executable, "-c", DIGEST], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    )
    assert fresh.stdout.strip() == hashlib.sha256(jsonl_text("all").encode()).hexdigest()


def test_the_suite_has_a_few_hundred_unique_function_tasks_in_every_family() -> None:
    tasks = generated_suite("all")
    assert len(tasks) == COUNT >= 200
    assert len({task.id for task in tasks}) == len(tasks)
    assert {task.kind for task in tasks} == {"function"}
    families = Counter(task.metadata["family"] for task in tasks)
    assert set(families) == {"arithmetic", "string", "list", "conditional"}
    assert set(Counter(task.metadata["template"] for task in tasks)) == {t.key for t in TEMPLATES}


def test_each_prompt_names_its_function_with_signature_and_tests_call_it() -> None:
    for task in generated_suite("all"):
        assert task.entry_point is not None
        assert f"`{task.entry_point}(" in task.prompt and "->" in task.prompt
        public, hidden = asserts(task.public_tests.code), asserts(task.hidden_tests.code)
        assert 1 <= len(public) <= 2
        assert len(hidden) >= 4
        assert hidden[: len(public)] == public  # the shown tests are among the grading ones
        assert all(f"{task.entry_point}(" in line for line in hidden)
        assert task.reference_solution is not None
        assert f"def {task.entry_point}(" in task.reference_solution


def test_the_split_is_by_id_disjoint_and_about_a_fifth_held_out() -> None:
    train, heldout, every = generated_suite("train"), generated_suite("heldout"), generated_suite("all")
    train_ids, heldout_ids = {t.id for t in train}, {t.id for t in heldout}
    assert not train_ids & heldout_ids
    assert train_ids | heldout_ids == {t.id for t in every}
    assert 0.1 <= len(heldout) / len(every) <= 0.3
    for task in every:
        assert task.metadata["split"] == split_of(task.id)
        assert task.suite == suite_name(split_of(task.id))
    held_families = {task.metadata["family"] for task in heldout}
    assert held_families == {task.metadata["family"] for task in train}


def test_a_task_and_its_split_stay_put_when_the_suite_grows(monkeypatch: pytest.MonkeyPatch) -> None:
    before = generated_suite("all")
    monkeypatch.setattr(generated, "COUNT", COUNT + 40)
    grown = generated_suite("all")
    assert grown[:COUNT] == before
    held_before = [t.id for t in before if t.metadata["split"] == "heldout"]
    assert [t.id for t in generated_suite("heldout")][: len(held_before)] == held_before
    assert all(generate_task(index) == task for index, task in enumerate(before))


@pytest.mark.parametrize("split", ["train", "heldout"])
def test_shipped_files_equal_a_fresh_generation(split: Literal["train", "heldout"]) -> None:
    path = shipped_path(split)
    assert path.read_text(encoding="utf-8") == jsonl_text(split)
    assert load_suite(f"jsonl:{path}") == generated_suite(split)


def test_the_shipped_suite_loads_by_its_name_and_each_task_by_suite_and_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # the suite names are relative to the repository root
    assert load_suite("jsonl:tasks/data/generated-train.jsonl") == generated_suite("train")
    for task in generated_suite("heldout")[:3] + generated_suite("train")[:3]:
        assert load_task(f"{task.suite}#{task.id}") == task


def test_write_jsonl_writes_what_load_suite_reads(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "sub" / "heldout.jsonl", "heldout")
    assert load_suite(f"jsonl:{path}") == generated_suite("heldout")


@pytest.mark.docker
def test_every_reference_passes_its_hidden_and_public_tests_in_the_sandbox(pool: SandboxPool) -> None:
    tasks = generated_suite("all")
    jobs = [
        job_for(task, task.reference_solution or "", which)
        for task in tasks
        for which in ("hidden", "public")
    ]
    results = pool.run_many(jobs)
    failed = [
        (job.source, result.message)
        for job, result in zip(jobs, results, strict=True)
        if result.status != "passed"
    ]
    assert not failed, failed[:3]
    assert all(result.pass_fraction == 1.0 for result in results)


@pytest.mark.docker
def test_hidden_tests_reject_a_function_that_returns_nothing(pool: SandboxPool) -> None:
    tasks = generated_suite("all")
    jobs = [job_for(task, f"def {task.entry_point}(*args):\n    return None\n") for task in tasks]
    results = pool.run_many(jobs)
    assert [r.status for r in results].count("passed") == 0
    assert all(result.status == "failed" and result.pass_fraction == 0.0 for result in results)
