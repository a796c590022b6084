"""JSON Schemas of the sandbox's boundary models, kept in docs/schemas/ (a test keeps them current)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from sandbox.models import Job, JobResult, TestVerdict


def schemas() -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {"job": TypeAdapter(Job).json_schema()}
    model: type[BaseModel]
    for name, model in (("job_result", JobResult), ("test_verdict", TestVerdict)):
        documents[name] = model.model_json_schema()
    return documents


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in schemas().items():
        path = folder / f"{name}.schema.json"
        path.write_text(render(document))
        written.append(path)
    return written
