"""Grading samples made elsewhere, in human-eval's sample format (`{"task_id": ..., "completion": ...}` per
line; `.jsonl` or `.jsonl.gz`), on a suite's hidden tests; results go beside the samples as
`<SAMPLES>_results.jsonl` (human-eval's `result` and `passed` fields, and sandloop's status and message), the
summary as `<SAMPLES>_summary.json`.

One process at a time per samples file (a lock beside it). Each verdict is appended and fsynced to
`<SAMPLES>_results.jsonl.progress` as it comes, so an interrupted evaluate loses only the samples in flight and
the same command resumes; the results file is written whole at the end (a unique temporary, then renamed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from batch.durable_log import DurableJsonl, write_whole
from batch.run_lock import hold_lock
from batch.sample_records import SampleRecord
from batch.summary import Summary
from batch.summary_file import SummaryFile, now, write_summary_file
from batch.workers import Executor
from sandbox import Sandbox
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

    def digest(self) -> str:
        """What identifies the sample's grading: its suite and its input record."""
        identity = json.dumps([self.task.suite, self.fields], sort_keys=True)
        return hashlib.sha256(identity.encode()).hexdigest()[:16]


class GradedSample(BaseModel):
    """One line of the progress file: a graded sample of the samples file."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    index: int = Field(ge=0)
    """The sample's place among the file's samples (0-based)."""
    digest: str
    """`Sample.digest` of the sample graded: a changed samples file does not reuse another sample's verdict."""
    verdict: Verdict
    """The hidden tests' verdict."""
    seconds: float = 0.0
    """Grading time of the accepted run."""
    line: dict[str, Any]
    """The results-file line: the input record with the verdict's fields."""


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


def summary_path(samples: Path) -> Path:
    """`samples.jsonl` → `samples.jsonl_summary.json`, beside the results."""
    return samples.with_name(f"{samples.name}_summary.json")


def human_eval_result(verdict: Verdict) -> str:
    """human-eval's `result` field: `passed`, `timed out` or `failed: <why>`."""
    if verdict.passed:
        return "passed"
    if verdict.status == "timeout":
        return "timed out"
    return f"failed: {verdict.message or verdict.status}"


def graded_line(sample: Sample, verdict: Verdict) -> dict[str, Any]:
    """The input record with human-eval's `result` and `passed`, and sandloop's status, message and tests."""
    tests = verdict.result.tests if verdict.result is not None else []
    return sample.fields | {
        "result": human_eval_result(verdict),
        "passed": verdict.passed,
        "status": verdict.status,
        "message": verdict.message,
        "pass_fraction": verdict.pass_fraction,
        "tests": [test.model_dump(mode="json") for test in tests],
    }


class EvaluationLog(DurableJsonl):
    """The progress file of one samples file, held (locked) by this process; `append` is durable once it
    returns and thread-safe."""

    def __init__(self, samples_file: Path) -> None:
        results = results_path(samples_file)
        hold_lock(results.with_name(f".{results.name}.lock"), samples_file)
        super().__init__(results.with_name(f"{results.name}.progress"))

    def load(self, samples: list[Sample]) -> dict[int, GradedSample]:
        """The graded samples that still match the file, by index; a torn last line (a crash mid-write) is cut
        off, any other bad line is ignored with the rest of what it would have said (it is graded again)."""
        graded: dict[int, GradedSample] = {}
        for _, line in self.lines(repair=True):
            try:
                entry = GradedSample.model_validate_json(line)
            except ValidationError:
                continue
            if entry.index < len(samples) and entry.digest == samples[entry.index].digest():
                graded[entry.index] = entry  # a sample graded again (an infra error) replaces its line
        return graded

    def append(self, entry: GradedSample) -> None:
        self.append_json(entry.model_dump(mode="json"))


def pending(samples: list[Sample], graded: dict[int, GradedSample]) -> list[int]:
    """Indices still to grade; one whose grading ended in `infra_error` is graded again."""
    return [
        index
        for index in range(len(samples))
        if index not in graded or graded[index].verdict.status == "infra_error"
    ]


def grade_samples(
    pool: Sandbox,
    samples: list[Sample],
    indices: list[int],
    executor: Executor,
    retry: InfraRetry | None = None,
) -> Iterator[GradedSample]:
    """Each of `samples[indices]` graded, as it is graded."""

    def one(index: int) -> GradedSample:
        sample = samples[index]
        verdict = grade(pool, sample.task, sample.completion, "hidden", retry)
        seconds = verdict.result.duration_s if verdict.result is not None else 0.0
        return GradedSample(
            index=index,
            digest=sample.digest(),
            verdict=verdict,
            seconds=seconds,
            line=graded_line(sample, verdict),
        )

    return executor.map_unordered(one, indices)


def grade_pending(
    pool: Sandbox,
    samples: list[Sample],
    log: EvaluationLog,
    graded: dict[int, GradedSample],
    executor: Executor,
    on_graded: Callable[[GradedSample], None] | None = None,
) -> None:
    """Grade what is left, each verdict saved in `log` and put in `graded` before anyone hears of it."""
    for entry in grade_samples(pool, samples, pending(samples, graded), executor):
        log.append(entry)
        graded[entry.index] = entry
        if on_graded is not None:
            on_graded(entry)


def write_results(path: Path, graded: list[GradedSample]) -> None:
    """All lines in input order, written whole (`write_whole`). A line graded before `result` and `message`
    were kept gets them from its verdict."""
    lines = []
    for entry in graded:
        outcome = {"result": human_eval_result(entry.verdict), "message": entry.verdict.message}
        lines.append(json.dumps(outcome | entry.line) + "\n")
    write_whole(path, "".join(lines))


def write_summary(samples_file: Path, suite: str, summary: Summary) -> SummaryFile:
    """`<SAMPLES>_summary.json` of a finished evaluation."""
    document = SummaryFile(
        command="evaluate",
        suite=suite,
        model=None,
        config=None,
        results=str(results_path(samples_file)),
        finished_at=now(),
        summary=summary,
    )
    return write_summary_file(summary_path(samples_file), document)


def as_records(samples: list[Sample], graded: list[GradedSample]) -> list[SampleRecord]:
    """The verdicts as sample records (the i-th sample of a task is sample i), for the run summary."""
    seen: dict[str, int] = {}
    records = []
    for sample, entry in zip(samples, graded, strict=True):
        index = seen[sample.task.id] = seen.get(sample.task.id, -1) + 1
        records.append(
            SampleRecord.of(
                sample.task.id, index, entry.verdict, code=sample.completion, seconds=entry.seconds
            )
        )
    return records
