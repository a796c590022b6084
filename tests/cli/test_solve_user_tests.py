"""`sandloop solve --tests FILE` as a user runs it (a fresh process, output piped): bad files are one line;
with the embedded model, the user's tests grade the answer, piped lines are never wrapped at 80 columns, and
running the same solve again says it already finished."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli_process import sandloop


def test_tests_with_a_suite_task_is_refused() -> None:
    done = sandloop("solve", "--task", "humaneval#HumanEval/0", "--tests", "t.py")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: --tests is for a text or --file problem: a --task has its own tests"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("t.py", "print(1)\n", "t.py: no assert in the tests (a test must check something)"),
        ("c.jsonl", '{"input": "1"}\n', "c.jsonl:1: field 'output': missing"),
    ],
)
def test_a_bad_tests_file_is_one_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    done = sandloop("solve", "double a number", "--tests", str(path))
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {path.parent}/{message}"


@pytest.mark.slow
@pytest.mark.docker
def test_the_users_tests_grade_piped_output_is_unwrapped_and_a_rerun_says_finished(tmp_path: Path) -> None:
    tests = tmp_path / "tests.py"
    tests.write_text("def test_double():\n    assert double(2) == 4\n    assert double(-1) == -2\n")
    out = tmp_path / ("a-run-directory-with-a-long-name-" + "x" * 60)
    args = ["solve", "Write a Python function double(x) that returns 2 * x.", "--tests", str(tests)]
    args += ["--max-steps", "1", "--max-tokens", "48", "--no-plan", "--run-dir", str(out)]
    first = sandloop(*args)
    assert first.returncode in (0, 1), first.stderr
    trajectory_lines = [line for line in first.stdout.splitlines() if line.startswith("trajectory: ")]
    assert len(trajectory_lines) == 1  # one line, however long: piped output is not wrapped
    trajectory = Path(trajectory_lines[0].removeprefix("trajectory: "))
    assert len(trajectory_lines[0]) > 80 and trajectory.is_file()
    assert "hidden tests: " in first.stdout  # the user's tests graded the final answer
    assert "already finished" not in first.stdout
    recorded = json.loads(trajectory.read_text())
    assert recorded["hidden"] is not None

    again = sandloop(*args, "--json")
    assert again.returncode == first.returncode
    assert "already finished" in again.stderr and "--fresh starts over" in again.stderr
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert summary["finished_before"] is True
    assert summary["steps"] == recorded["steps"]
