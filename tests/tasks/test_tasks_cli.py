"""`sandloop tasks list | check` as a user runs them: a real process, real containers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.suites import SUITE_FORMS
from tests.support.cli_process import sandloop

DATA = Path(__file__).parent / "data"


@pytest.mark.docker
def test_check_humaneval_passes() -> None:
    done = sandloop("tasks", "check", "humaneval", "--limit", "5")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5/5 reference solutions pass" in done.stdout


@pytest.mark.docker
def test_check_lists_the_tasks_whose_reference_fails(tmp_path: Path) -> None:
    records = [json.loads(line) for line in (DATA / "mbpp.jsonl").read_text().splitlines()]
    records[1]["code"] = "def similar_elements(a, b):\n    return ()\n"
    path = tmp_path / "mbpp.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    done = sandloop("tasks", "check", f"mbpp:{path}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{len(records) - 1}/{len(records)} reference solutions pass" in done.stdout
    rows = [line.split() for line in done.stdout.splitlines()]
    failing = [row[:3] for row in rows if row[1:2] in (["hidden"], ["public"])]
    task_id = str(records[1]["task_id"])
    assert failing == [[task_id, "hidden", "failed"], [task_id, "public", "failed"]]


def test_list_prints_ids_and_kinds() -> None:
    done = sandloop("tasks", "list", f"stdio:{DATA / 'contest.jsonl'}", "--limit", "3")
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()[1:]]
    ids = [
        str(json.loads(line)["problem_id"]) for line in (DATA / "contest.jsonl").read_text().splitlines()[:3]
    ]
    assert [row[0] for row in rows] == ids
    assert [row[1] for row in rows] == ["stdio", "function", "function"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["tasks", "check", "nosuch"],
            f"error: unknown suite 'nosuch': expected {SUITE_FORMS}",
        ),
        (["tasks", "list", "mbpp:/nonexistent/mbpp.jsonl"], "error: /nonexistent/mbpp.jsonl: no such file"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_code_2(args: list[str], message: str) -> None:
    done = sandloop(*args)
    assert done.returncode == 2
    assert done.stderr.strip() == message
    assert done.stdout == ""
