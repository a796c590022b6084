"""Batch runs over a task suite: n samples per task, single-shot or through the agent, graded on the hidden
tests; resumable results (RUN_DIR/results.jsonl), pass@k summaries, reports, and grading of samples made
elsewhere (`sandloop run | report | evaluate`)."""

from agent.batch.config import RunConfig
from agent.batch.errors import BatchError
from agent.batch.executor import Executor, LocalExecutor, make_executor
from agent.batch.oracle import OracleModel
from agent.batch.records import ResultsLog, SampleRecord, read_records
from agent.batch.runner import open_run, pending, run_batch
from agent.batch.sample import SampleJob, SampleRunner
from agent.batch.summary import Summary, summarize

__all__ = [
    "BatchError",
    "Executor",
    "LocalExecutor",
    "OracleModel",
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
