"""A run's figures from its sample records: pass@k, statuses, tokens and time. Samples without a verdict
(`infra_error`, `model_error`: pending, run again on resume) are left out of n and counted apart."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable
from typing import get_args

from pydantic import BaseModel, ConfigDict, Field

from batch.sample_records import SampleRecord
from sandbox.models import Status
from tasks.passk import mean_pass_at_k

STATUSES: tuple[str, ...] = get_args(Status)


class TaskFigures(BaseModel):
    """One task's samples."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    task_id: str
    """The task's id."""
    n: int
    """Samples with a verdict (pending ones left out)."""
    passed: int
    """Samples that passed the hidden tests."""
    infra_errors: int
    """Samples left without a verdict by infrastructure failures."""
    tokens: int
    """Generated tokens over its samples."""
    seconds: float
    """Wall time over its samples."""

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.n if self.n else None


class PassAtK(BaseModel):
    """The mean pass@k over the tasks with at least k samples."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    k: int
    """Samples drawn."""
    value: float
    """Mean unbiased pass@k."""
    tasks: int
    """Tasks it is the mean over."""


class Summary(BaseModel):
    """What a run (or a graded samples file) came to."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    tasks: int
    """Tasks with at least one finished sample."""
    samples: int
    """Finished samples, infra errors included."""
    counted: int
    """Samples with a verdict: the n of pass@k, summed over tasks."""
    passed: int
    """Samples that passed."""
    infra_errors: int
    """Samples with no verdict after their retries: outside pass@k, reported apart."""
    model_errors: int = 0
    """Samples whose model failed (no answer to judge): pending, outside pass@k, run again on resume."""
    pass_at_k: list[PassAtK]
    """pass@k for k = 1 .. the samples per task."""
    statuses: dict[str, int]
    """Samples by sandbox status, every status listed."""
    exit_statuses: dict[str, int] = Field(default_factory=dict)
    """Samples by how the model's part ended (agent exit status, model_error)."""
    tokens: int
    """Generated tokens over all samples."""
    seconds: float
    """Sample wall time summed over all samples (workers overlap: more than the run's own wall time)."""
    per_task: list[TaskFigures]
    """Figures of each task, in the order first seen."""

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.counted if self.counted else None

    @property
    def pending(self) -> int:
        """Samples without a verdict yet (infra or model errors): run again when the same run resumes."""
        return self.samples - self.counted

    def per_task_mean(self, field: str) -> float:
        values = [float(getattr(task, field)) for task in self.per_task]
        return statistics.fmean(values) if values else 0.0


def natural_order(task_id: str) -> tuple[tuple[int, int | str], ...]:
    """HumanEval/2 before HumanEval/10: a summary lists tasks in one order, whatever order samples finished in."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", task_id) if part
    )


def summarize(records: Iterable[SampleRecord], max_k: int | None = None) -> Summary:
    """Figures of `records` (one per sample); pass@k for k up to `max_k` (default: the most samples a task has)."""
    records = list(records)
    by_task: dict[str, list[SampleRecord]] = {}
    for record in records:
        by_task.setdefault(record.task_id, []).append(record)
    per_task = [
        TaskFigures(
            task_id=task_id,
            n=sum(r.has_verdict for r in group),
            passed=sum(r.passed for r in group if r.has_verdict),
            infra_errors=sum(r.status == "infra_error" for r in group),
            tokens=sum(r.tokens for r in group),
            seconds=round(sum(r.seconds for r in group), 4),
        )
        for task_id, group in sorted(by_task.items(), key=lambda item: natural_order(item[0]))
    ]
    counts = {task.task_id: (task.n, task.passed) for task in per_task}
    top = max_k if max_k is not None else max((task.n for task in per_task), default=0)
    pass_at_k = []
    for k in range(1, top + 1):
        value = mean_pass_at_k(counts, k)
        if value is not None:
            pass_at_k.append(PassAtK(k=k, value=value, tasks=sum(n >= k for n, _ in counts.values())))
    statuses: Counter[str] = Counter(r.status for r in records)
    return Summary(
        tasks=len(per_task),
        samples=len(records),
        counted=sum(task.n for task in per_task),
        passed=sum(task.passed for task in per_task),
        infra_errors=statuses["infra_error"],
        model_errors=sum(r.exit_status == "model_error" for r in records),
        pass_at_k=pass_at_k,
        statuses={status: statuses[status] for status in STATUSES},
        exit_statuses=dict(Counter(r.exit_status for r in records if r.exit_status)),
        tokens=sum(r.tokens for r in records),
        seconds=round(sum(r.seconds for r in records), 4),
        per_task=per_task,
    )
