"""Boundary models: bad jobs are refused with the field named; the JSON Schemas in docs/ are current."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from sandbox.models import Job, RunJob
from sandbox.schemas import render, schemas

SCHEMA_DIR = Path(__file__).parents[2] / "docs" / "schemas"


@pytest.mark.parametrize("name", ["/etc/passwd", "../escape.py", "a/../../b", "main.py", ""])
def test_files_must_stay_inside_the_work_dir(name: str) -> None:
    with pytest.raises(ValidationError, match="files"):
        RunJob(source="pass", files={name: "x"})


def test_unknown_fields_and_kinds_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        RunJob(source="pass", stdn="typo")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="kind"):
        TypeAdapter(Job).validate_python({"kind": "shell", "source": "ls"})


def test_limits_are_bounded() -> None:
    with pytest.raises(ValidationError, match="timeout_s"):
        RunJob(source="pass", limits={"timeout_s": 0})


def test_json_schemas_in_docs_are_current() -> None:
    for name, document in schemas().items():
        path = SCHEMA_DIR / f"{name}.schema.json"
        assert path.exists(), f"{path} is missing: run `sandloop sandbox schemas`"
        assert path.read_text() == render(document), f"{path} is stale: run `sandloop sandbox schemas`"
