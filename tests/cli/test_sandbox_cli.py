"""`sandloop sandbox ...` as a user runs it: a real process, a real container."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli_process import ROOT, sandloop


@pytest.mark.docker
def test_run_json_prints_the_result_model(tmp_path: Path) -> None:
    program = tmp_path / "echo.py"
    program.write_text("import sys\nprint(sys.stdin.read().upper())\n")
    stdin = tmp_path / "in.txt"
    stdin.write_text("shout")
    done = sandloop("sandbox", "run", str(program), "--stdin", str(stdin), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == "passed"
    assert result["stdout"] == "SHOUT\n"


@pytest.mark.docker
def test_run_with_tests_grades_and_sets_the_exit_code() -> None:
    examples = ROOT / "docs" / "examples"
    args = ["sandbox", "run", str(examples / "two_sum.py"), "--tests", str(examples / "two_sum_tests.py")]
    done = sandloop(*args, "--entry-point", "two_sum")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed" in done.stdout
    graded = sandloop(*args, "--entry-point", "two_sum", "--json", "--timeout", "5")
    assert json.loads(graded.stdout)["pass_fraction"] == 1.0


@pytest.mark.docker
def test_a_failing_program_exits_1(tmp_path: Path) -> None:
    program = tmp_path / "boom.py"
    program.write_text("raise RuntimeError('boom')\n")
    done = sandloop("sandbox", "run", str(program), "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["message"] == "RuntimeError: boom"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sandbox", "run", "missing.py"], "error: program missing.py: no such file"),
        (
            ["sandbox", "run", "docs/examples/two_sum.py", "--entry-point", "f"],
            "error: --entry-point needs --tests",
        ),
    ],
)
def test_bad_input_is_one_clear_line(args: list[str], message: str) -> None:
    done = sandloop(*args)
    assert done.returncode == 2
    assert done.stderr.strip() == message


@pytest.mark.docker
def test_doctor_reports_a_working_sandbox() -> None:
    done = sandloop("sandbox", "doctor")
    assert done.returncode == 0, done.stdout
    assert "ok   trial run: Python 3.11" in done.stdout
