"""sandloop's own task format: JSON Lines, one TaskSpec per line, validated by pydantic.

Each line is one object with the fields of `tasks.spec.TaskSpec` (its JSON Schema:
`TaskSpec.model_json_schema()`); unknown fields are errors:

    id              string, unique in the file
    suite           string: where the task came from (kept as written)
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

`task.model_dump_json()` writes one such line.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from tasks.datafile import read_jsonl, unique_tasks, validation_error
from tasks.spec import TaskSpec


def load_jsonl(path: Path) -> list[TaskSpec]:
    loaded = []
    for record in read_jsonl(path):
        try:
            loaded.append((record, TaskSpec.model_validate(record.data)))
        except ValidationError as error:
            raise validation_error(record.where, error) from None
    return unique_tasks(path, loaded)
