"""A batch run: every sample of every selected task, resumable. Finished samples are in RUN_DIR/results.jsonl
(one fsynced line each), so a crash loses at most the samples in flight; agent samples in flight resume from
their LangGraph checkpoint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from batch.config import RunConfig, claim_run_dir
from batch.sample import SampleJob
from batch.sample_records import ResultsLog, SampleKey, SampleRecord
from batch.workers import Executor
from tasks.spec import TaskSpec

Sampler = Callable[[SampleJob], SampleRecord]
RecordSink = Callable[[SampleRecord], None]


def open_run(run_dir: Path, config: RunConfig) -> dict[SampleKey, SampleRecord]:
    """Claim the run dir for `config` (refused when it holds another config); the records already there."""
    claim_run_dir(run_dir, config)
    return ResultsLog(run_dir).load(repair=True)


def pending(tasks: list[TaskSpec], samples: int, finished: dict[SampleKey, SampleRecord]) -> list[SampleJob]:
    """The samples still to run, task by task: new ones and those without a verdict. One whose model failed
    asks the model again (an agent's solve resumes from before the failed call); one whose grading ended in
    `infra_error` has the same answer graded again."""
    jobs = []
    for task in tasks:
        for index in range(samples):
            previous = finished.get((task.id, index))
            if previous is None or not previous.has_verdict:
                again = None if previous is None or previous.exit_status == "model_error" else previous
                jobs.append(SampleJob(task=task, index=index, previous=again))
    return jobs


def run_batch(
    tasks: list[TaskSpec],
    config: RunConfig,
    sampler: Sampler,
    run_dir: Path,
    executor: Executor,
    on_record: RecordSink | None = None,
    finished: dict[SampleKey, SampleRecord] | None = None,
) -> list[SampleRecord]:
    """Run what is left and return every sample's latest record, in task and sample order.

    `finished`: what `open_run` returned, when the caller opened the run itself (to show progress so far).
    """
    done = open_run(run_dir, config) if finished is None else dict(finished)
    with ResultsLog(run_dir) as log:
        for record in executor.map_unordered(sampler, pending(tasks, config.samples, done)):
            log.append(record)  # durable before anyone hears of it
            done[record.key] = record
            if on_record is not None:
                on_record(record)
    return in_order(tasks, config.samples, done)


def in_order(tasks: list[TaskSpec], samples: int, done: dict[SampleKey, SampleRecord]) -> list[SampleRecord]:
    """The records of the tasks' first `samples` samples, in task and sample order."""
    return [done[key] for task in tasks for index in range(samples) if (key := (task.id, index)) in done]
