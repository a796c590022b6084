"""sandloop's own task format: JSON Lines, one task per line, validated by pydantic (`TaskLine`).

Each line is one object with the fields of `tasks.spec.TaskSpec`, `suite` optional; unknown fields are errors.
The README's "Task files" section describes it for users, `docs/schemas/task_line.schema.json` is its JSON
Schema (`python -m tasks.schemas` writes it; a test keeps it current):

    id              string, unique in the file
    suite           string, optional: a row without one belongs to the suite the file is loaded as
                    (`jsonl:PATH`); a row with one keeps it (files written by `model_dump_json`)
    prompt          string: the problem statement shown to the model
    kind            "function" | "stdio"
    language        "python" (default) | "cpp" | "c" | "java" | "go" | "rust" | "nodejs" | "bash" (stdio only)
    entry_point     string or null (default null): the top-level name the tests call
    starter_code    string (default ""): code the answer continues or completes
    public_tests    {"code": string or null, "cases": [{"input": string, "output": string}, ...],
                     "setup": string (default ""; function tests: run in the program's namespace first)}
    hidden_tests    the same shape: test code for a function task, cases for a stdio task
    reference_solution  string or null (default null)
    reference_language  a language as above, or null (default: the task's language)
    time_limit_s    number > 0: the whole test code of a function task, each case of a stdio task
    memory_mb       integer (default 512)
    metadata        object (default {})

The file may be gzipped (`.jsonl.gz`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict, Field, ValidationError

from tasks.datafile import read_jsonl, unique_tasks, validation_error
from tasks.spec import TaskSpec


class TaskLine(TaskSpec):
    """One line of a task file: a task of the suite the file is loaded as (`sandloop run jsonl:PATH`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    suite: str | None = Field(None, min_length=1)  # type: ignore[assignment]  # optional here only
    """Optional: where the task came from. Left out, the task belongs to the suite the file is loaded as
    (`jsonl:PATH`, so `jsonl:PATH#ID` names it); given, it is kept as written."""

    def task(self, suite: str) -> TaskSpec:
        """The task, of `suite` unless the line names its own."""
        return TaskSpec.model_validate(self.model_dump() | {"suite": self.suite or suite})


def load_jsonl(path: Path, suite: str) -> list[TaskSpec]:
    """The tasks of a task file loaded as `suite` (`jsonl:PATH`)."""
    loaded = []
    for record in read_jsonl(path):
        try:
            loaded.append((record, TaskLine.model_validate(record.data).task(suite)))
        except ValidationError as error:
            raise validation_error(record.where, error) from None
    return unique_tasks(path, loaded)
