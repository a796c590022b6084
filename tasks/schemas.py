"""The JSON Schema of a task file's lines, kept in docs/schemas/ (a test keeps it current):
`python -m tasks.schemas` writes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sandbox.schemas import render
from tasks.jsonl import TaskLine

SCHEMA_DIR = Path("docs/schemas")
TASK_LINE_SCHEMA = "task_line.schema.json"


def task_line_schema() -> dict[str, Any]:
    """One line of a `jsonl:PATH` task file."""
    document = TaskLine.model_json_schema()
    document["title"] = "sandloop task file line"
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return document


def write_task_schema(folder: Path = SCHEMA_DIR) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TASK_LINE_SCHEMA
    path.write_text(render(task_line_schema()), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"wrote {write_task_schema()}")
