"""Batch runs over a task suite: n samples per task, single-shot or through the agent, graded on the hidden
tests; resumable results (RUN_DIR/results.jsonl), pass@k summaries, reports, and grading of samples made
elsewhere (`sandloop run | report | evaluate`)."""

from batch.config import RunConfig
from batch.errors import BatchError
from batch.run import open_run, pending, run_batch
from batch.sample import SampleJob, SampleRunner
from batch.sample_records import ResultsLog, SampleRecord, read_records
from batch.summary import Summary, summarize
from batch.workers import Executor, LocalExecutor, make_executor

__all__ = [
    "BatchError",
    "Executor",
    "LocalExecutor",
    "ResultsLog",
    "RunConfig",
    "SampleJob",
    "SampleRecord",
    "SampleRunner",
    "Summary",
    "make_executor",
    "open_run",
    "pending",
    "read_records",
    "run_batch",
    "summarize",
]
