"""The task file format users write: its JSON Schema in docs/schemas/ is the one the pydantic model generates;
`suite` may be left out of every row (the file's suite name supplies it); old files with it still load."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from sandbox.schemas import render
from tasks import TaskError, load_suite, load_task
from tasks.schemas import TASK_LINE_SCHEMA, task_line_schema

ROOT = Path(__file__).parents[2]
COMMITTED = ROOT / "docs" / "schemas" / TASK_LINE_SCHEMA
EXAMPLES = ROOT / "docs" / "examples" / "tasks.jsonl"


def test_the_committed_schema_is_the_generated_one() -> None:
    assert COMMITTED.exists(), f"{COMMITTED} is missing: run `python -m tasks.schemas`"
    assert COMMITTED.read_text() == render(task_line_schema()), (
        f"{COMMITTED} is stale: `python -m tasks.schemas`"
    )
    document = task_line_schema()
    assert "suite" not in document["required"]
    assert {"id", "prompt", "kind", "public_tests", "hidden_tests", "time_limit_s"} <= set(
        document["required"]
    )
    assert document["properties"]["suite"]["description"].startswith("Optional: where the task came from.")


def test_the_example_file_follows_the_schema_without_a_suite_field() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    rows = [json.loads(line) for line in EXAMPLES.read_text().splitlines()]
    assert rows and all("suite" not in row for row in rows)
    for row in rows:
        jsonschema.validate(row, task_line_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(rows[0] | {"sute": "typo"}, task_line_schema())


def test_a_row_without_suite_belongs_to_the_suite_it_is_loaded_as(tmp_path: Path) -> None:
    suite = f"jsonl:{EXAMPLES}"
    tasks = load_suite(suite)
    assert [task.suite for task in tasks] == [suite] * 3
    assert load_task(f"{suite}#is_even") == tasks[1]  # SUITE#ID names it again

    old = tmp_path / "old.jsonl"  # written before suite was optional: every row names one, kept as written
    old.write_text(
        "".join(task.model_copy(update={"suite": "examples"}).model_dump_json() + "\n" for task in tasks)
    )
    assert [task.suite for task in load_suite(f"jsonl:{old}")] == ["examples"] * 3

    packed = tmp_path / "tasks.jsonl.gz"
    packed.write_bytes(gzip.compress(EXAMPLES.read_bytes()))
    assert [task.id for task in load_suite(f"jsonl:{packed}")] == [task.id for task in tasks]


def test_a_bad_row_is_one_error_naming_file_line_and_field(tmp_path: Path) -> None:
    rows = EXAMPLES.read_text().splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(rows[0] + "\n" + json.dumps(json.loads(rows[1]) | {"suite": ""}) + "\n")
    with pytest.raises(
        TaskError, match=rf"^{bad}:2: field 'suite': String should have at least 1 character$"
    ):
        load_suite(f"jsonl:{bad}")
