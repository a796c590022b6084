"""summary.json: what a run or an evaluation came to, written beside its results and printed by `--json`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agent.models.backends import ORACLE
from agent.models.embedded import default_model
from batch.config import RunConfig
from batch.durable_log import write_whole
from batch.sample_records import RESULTS_FILE
from batch.summary import Summary

SUMMARY_FILE = "summary.json"
ORACLE_NAME = "oracle (reference solutions)"


class SummaryFile(BaseModel):
    """summary.json, and the last stdout line of `run --json` / `evaluate --json`."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    command: Literal["run", "evaluate"]
    """The command that graded the samples."""
    suite: str
    """The suite as named on the command line."""
    model: str | None
    """The model that wrote the samples, by its real name (the backend's default resolved); None: unknown
    (samples made elsewhere)."""
    config: RunConfig | None
    """The run's config (None for an evaluation)."""
    results: str
    """The per-sample results file."""
    finished_at: str
    """When the summary was written (ISO 8601, UTC)."""
    summary: Summary
    """pass@k, statuses, tokens and time."""


def model_name(config: RunConfig) -> str:
    """The real name of a run's model: as given, or the backend's default (the embedded model)."""
    if config.backend == ORACLE:
        return ORACLE_NAME
    return config.model or default_model()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_summary_file(path: Path, document: SummaryFile) -> SummaryFile:
    write_whole(path, document.model_dump_json(indent=1) + "\n")
    return document


def write_run_summary(config: RunConfig, run_dir: Path, summary: Summary) -> SummaryFile:
    """RUN_DIR/summary.json of a run that finished (or has nothing left to run)."""
    document = SummaryFile(
        command="run",
        suite=config.suite,
        model=model_name(config),
        config=config,
        results=str(run_dir / RESULTS_FILE),
        finished_at=now(),
        summary=summary,
    )
    return write_summary_file(run_dir / SUMMARY_FILE, document)


def read_summary_file(path: Path) -> SummaryFile | None:
    """The summary written there, if any still readable (the report falls back to the results without it)."""
    try:
        return SummaryFile.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
