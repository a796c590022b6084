"""`sandloop solve` as a user runs it: bad input is one line; the embedded model solves live, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.models.embedded import DEFAULT_MODEL
from tests.support.cli_process import ROOT, sandloop


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["solve"], "error: give the problem as text, --file or --task (exactly one)"),
        (["solve", "   "], "error: the problem text is empty"),
        (["solve", "--task", "humaneval#HumanEval/999"], "error: no task 'HumanEval/999' in suite humaneval"),
        (["solve", "--file", "nowhere.md"], "error: problem nowhere.md: no such file"),
        (
            ["solve", "x", "--model", "/no/such/model.gguf"],
            "error: no GGUF model file at /no/such/model.gguf",
        ),
    ],
)
def test_bad_input_is_one_clear_line(args: list[str], message: str) -> None:
    done = sandloop(*args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == message


@pytest.mark.docker
def test_an_unreachable_endpoint_is_one_clear_line() -> None:
    done = sandloop(
        "solve",
        "add two numbers",
        "--backend",
        "openai",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--model",
        "m",
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith(
        "error: no OpenAI-compatible server answers at http://127.0.0.1:9/v1"
    )


@pytest.mark.slow
@pytest.mark.docker
def test_the_default_model_solves_live_and_resumes(tmp_path: Path) -> None:
    # the real default (Qwen2.5-Coder-0.5B-Instruct), greedy: it solves this task, hidden tests included
    args = ["solve", "--task", f"jsonl:{ROOT}/docs/examples/tasks.jsonl#is_even", "--max-steps", "2"]
    args += ["--model", DEFAULT_MODEL, "--temperature", "0", "--max-tokens", "256", "--no-plan"]
    args += ["--out", str(tmp_path), "--json"]
    done = sandloop(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["solved"] and summary["exit_status"] == "solved"
    assert summary["task"].endswith("#is_even")
    assert summary["exit_status"] in {"solved", "budget_exhausted", "format_errors", "gave_up"}
    assert summary["hidden"] is not None  # the task has hidden tests: graded once, after the loop
    assert (done.returncode == 0) == summary["solved"]
    assert summary["solved"] == (
        summary["exit_status"] == "solved" and summary["hidden"]["status"] == "passed"
    )
    trajectory = json.loads(Path(summary["trajectory"]).read_text())
    assert trajectory["model"] == DEFAULT_MODEL
    assert 1 <= trajectory["steps"] <= 2
    again = sandloop(*args)  # the same command again: the finished run is not redone
    assert json.loads(again.stdout.strip().splitlines()[-1])["resumed"] is True
