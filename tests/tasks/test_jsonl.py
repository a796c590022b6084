"""sandloop's own JSONL: TaskSpecs one per line, as written, and graded like any other task."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox import SandboxPool
from tasks import TaskSpec, grade, job_for, load_suite, load_task

DATA = Path(__file__).parent / "data"
SUITE = f"jsonl:{DATA / 'tasks.jsonl'}"


def test_each_line_is_one_task_as_written() -> None:
    lines = (DATA / "tasks.jsonl").read_text().splitlines()
    assert load_suite(SUITE) == [TaskSpec.model_validate(json.loads(line)) for line in lines]
    clamp = load_task(f"{SUITE}#clamp")
    assert clamp.suite == json.loads(lines[0])["suite"]  # the suite the task was written with
    assert clamp.memory_mb == 256 and clamp.metadata == {"author": "sandloop"}


def test_tasks_of_other_suites_survive_a_round_trip(tmp_path: Path) -> None:
    written = load_suite("humaneval")[:3] + load_suite(f"stdio:{DATA / 'contest.jsonl'}")
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(task.model_dump_json() + "\n" for task in written))
    assert load_suite(f"jsonl:{path}") == written


@pytest.mark.docker
def test_references_pass_and_wrong_answers_fail(pool: SandboxPool) -> None:
    tasks = load_suite(SUITE)
    jobs = [
        job_for(task, task.reference_solution or "", which)
        for task in tasks
        for which in ("hidden", "public")
    ]
    assert [result.status for result in pool.run_many(jobs)] == ["passed"] * len(jobs)
    clamp = grade(pool, load_task(f"{SUITE}#clamp"), "def clamp(x, low, high):\n    return min(x, high)\n")
    assert clamp.status == "failed" and 0 < clamp.pass_fraction < 1
    words = grade(pool, load_task(f"{SUITE}#reverse-words"), "print(input()[::-1])\n")
    assert words.status == "failed"
