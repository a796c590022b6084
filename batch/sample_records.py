"""RUN_DIR/results.jsonl: one line per finished sample, appended and fsynced as each one finishes."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from batch.durable_log import DurableJsonl
from batch.errors import BatchError
from sandbox.models import Status
from tasks.verdict import CRASHES, Verdict

RESULTS_FILE = "results.jsonl"
SampleKey = tuple[str, int]


class SampleRecord(BaseModel):
    """One finished sample: its answer, the hidden tests' verdict on it and what it cost."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    task_id: str
    """The task's id in its suite."""
    sample: int = Field(ge=0)
    """Which of the task's samples (0 to n-1)."""
    status: Status
    """The sandbox's verdict on the hidden tests; `infra_error` samples are left out of pass@k (pending)."""
    passed: bool
    """Did every hidden test pass."""
    pass_fraction: float
    """Hidden tests passed over all hidden tests."""
    code: str
    """The graded answer (empty when the model gave none)."""
    tokens: int = 0
    """Generated tokens, over every model call of the sample."""
    seconds: float = 0.0
    """Wall time of the sample: model, agent loop and grading."""
    exit_status: str | None = None
    """How the agent's loop ended (solved, budget_exhausted, ...); `model_error` in any mode when the model
    failed (the sample is pending: run again on resume, not in pass@k); None for a single-shot answer."""
    trajectory: str | None = None
    """The agent's trajectory JSON, relative to the run dir."""
    reply: str | None = None
    """Single-shot: the model's whole reply, as it came (the code is its answer block)."""
    message: str | None = None
    """Why it did not pass, in one line (the grader's or the model's error)."""
    attempts: int = 1
    """Grading attempts: more than one when infra errors were retried."""
    test_count: int | None = None
    """Hidden tests the verdict counts; None in records written before it was kept."""
    crashed: bool = False
    """The run, or one of its hidden tests, ended by a limit or a crash."""

    @classmethod
    def of(cls, task_id: str, sample: int, verdict: Verdict, **fields: object) -> SampleRecord:
        """The record of a graded sample: the verdict's fields, then the sample's own (code, tokens, ...)."""
        return cls.model_validate(
            {
                "task_id": task_id,
                "sample": sample,
                "status": verdict.status,
                "passed": verdict.passed,
                "pass_fraction": verdict.pass_fraction,
                "message": verdict.message,
                "attempts": verdict.attempts,
                "test_count": verdict.test_count,
                "crashed": verdict.crashed,
            }
            | fields
        )

    @property
    def verdict(self) -> Verdict:
        """The hidden tests' verdict as recorded (what the reward reads)."""
        return Verdict(
            status=self.status,
            pass_fraction=self.pass_fraction,
            test_count=self.test_count,
            crashed=self.crashed or self.status in CRASHES,
            message=self.message,
            attempts=self.attempts,
        )

    @property
    def key(self) -> SampleKey:
        return (self.task_id, self.sample)

    @property
    def has_verdict(self) -> bool:
        """The answer was judged: neither the sandbox (`infra_error`) nor the model (`model_error`) failed the
        sample. Samples without one are pending: run again on resume, left out of pass@k until then."""
        return self.status != "infra_error" and self.exit_status != "model_error"


class ResultsLog(DurableJsonl):
    """The results file of one run dir; `append` is thread-safe and durable once it returns."""

    def __init__(self, run_dir: Path) -> None:
        super().__init__(run_dir / RESULTS_FILE)

    def load(self, repair: bool = False) -> dict[SampleKey, SampleRecord]:
        """The latest record of every sample. A last line without its newline was torn by a crash mid-write:
        it is skipped, and with `repair` cut off so that appending starts on a fresh line."""
        records: dict[SampleKey, SampleRecord] = {}
        for number, line in self.lines(repair):
            try:
                record = SampleRecord.model_validate_json(line)
            except ValidationError as error:
                first = error.errors()[0]
                field = ".".join(str(part) for part in first["loc"])
                raise BatchError(
                    f"{self.path}:{number}: not a sample record: {field + ': ' if field else ''}{first['msg']}"
                ) from None
            records[record.key] = record  # a sample run again (an infra error retried) replaces its line
        return records

    def append(self, record: SampleRecord) -> None:
        self.append_json(record.model_dump(mode="json"))


def read_records(run_dir: Path) -> list[SampleRecord]:
    """The latest record of every sample of a run dir, in file order."""
    return list(ResultsLog(run_dir).load().values())
