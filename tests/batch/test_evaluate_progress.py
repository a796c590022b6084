"""`sandloop evaluate` keeps its progress: a real process interrupted by SIGINT saves what it graded, the same
command grades only the rest; a second evaluate on the same samples file is refused at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from batch.evaluate import results_path
from tests.support.batch_run import EXAMPLES, ROOT, example_tasks, sandloop, wait_for_containers_of
from tests.support.lock_holder import lock_held_elsewhere

pytestmark = pytest.mark.docker

SAMPLES = 24
SLOW = "\nimport time\ntime.sleep(0.4)\n"  # each sample takes a while, so the interrupt lands mid-run


def write_slow_samples(path: Path) -> None:
    tasks = example_tasks()
    lines = []
    for number in range(SAMPLES):
        task = tasks[number % len(tasks)]
        lines.append({"task_id": task.id, "completion": (task.reference_solution or "") + SLOW, "n": number})
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def progress_lines(samples: Path) -> list[dict[str, Any]]:
    path = results_path(samples).with_name(f"{results_path(samples).name}.progress")
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def test_an_interrupted_evaluate_saves_its_verdicts_and_resumes_without_regrading(tmp_path: Path) -> None:
    samples = tmp_path / "samples.jsonl"
    write_slow_samples(samples)
    argv = [sys.executable, "-m", "cli.main", "evaluate", EXAMPLES, str(samples), "--workers", "1"]
    env = {**os.environ, "COLUMNS": "200"}
    with subprocess.Popen(
        argv, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        deadline = time.monotonic() + 120
        while len(progress_lines(samples)) < 3:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "evaluate graded nothing"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    wait_for_containers_of(process.pid)
    assert process.returncode == 130, stdout + stderr
    saved = progress_lines(samples)
    assert 3 <= len(saved) < SAMPLES
    assert f"interrupted: {len(saved)} of {SAMPLES} samples are graded and saved" in stdout
    assert "Traceback" not in stderr
    assert not results_path(samples).exists()

    done = sandloop("evaluate", EXAMPLES, str(samples), "--workers", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"resuming: {len(saved)} of {SAMPLES} samples already graded" in done.stdout
    after = progress_lines(samples)
    assert after[: len(saved)] == saved  # what was saved is kept, not graded again
    assert sorted(entry["index"] for entry in after) == list(range(SAMPLES))  # each sample graded once
    results = [json.loads(line) for line in results_path(samples).read_text().splitlines()]
    assert [result["n"] for result in results] == list(range(SAMPLES))  # input order
    assert all(result["passed"] for result in results)

    again = sandloop("evaluate", EXAMPLES, str(samples))  # nothing left: no grading, the same results
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"resuming: {SAMPLES} of {SAMPLES} samples already graded" in again.stdout
    assert len(progress_lines(samples)) == SAMPLES
    assert [json.loads(line) for line in results_path(samples).read_text().splitlines()] == results
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_second_evaluate_on_the_same_samples_fails_at_once_naming_the_holder(tmp_path: Path) -> None:
    samples = tmp_path / "samples.jsonl"
    write_slow_samples(samples)
    results = results_path(samples)
    with lock_held_elsewhere(results.with_name(f".{results.name}.lock")) as holder:
        refused = sandloop("evaluate", EXAMPLES, str(samples))
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1
    assert f"{samples} is in use by another sandloop process (pid {holder.pid})" in refused.stderr
    assert not results.exists() and progress_lines(samples) == []
