"""`python -m bench.trajectory_counts RUN_DIR...`: where an agent run's tokens and revisions went, counted from
its saved trajectories (the run dirs of `sandloop run --mode agent` or bench.agent_vs_single).

Counted per run dir: samples and their exit statuses; model calls and generated tokens by node (plan, write,
revise); revisions (a fix asked for, the conversation in view) and restarts (the task afresh, `Restart`) apart, and
of each those that repeated code which had already failed (the sandbox did not run it again: `tools.repeats`);
solved samples by the call that wrote the passing code (first answer, revision, restart); replies cut at their
token limit. The last line is one JSON object of every run dir's counts.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console
from rich.table import Table

from batch.sample import TRAJECTORIES

NODES = ("plan", "write", "revise")
console = Console(highlight=False, width=200)


class Counts(BaseModel):
    """One run dir's trajectories, counted."""

    model_config = ConfigDict(extra="forbid")

    samples: int = 0
    exit_status: dict[str, int] = Field(default_factory=dict)
    calls: dict[str, int] = Field(default_factory=dict)
    tokens: dict[str, int] = Field(default_factory=dict)
    revisions: int = 0
    """Calls asking for a fix of failing code (the conversation in view)."""
    repeated: int = 0
    """Revisions whose code had already failed the public tests."""
    new_code: int = 0
    """Revisions whose code was run (it had not failed before)."""
    restarts: int = 0
    """Calls that opened the task afresh after a failure (`Restart`)."""
    restart_repeated: int = 0
    """Restarts whose code had already failed (a fresh sample drew the same answer)."""
    solved_by: dict[str, int] = Field(default_factory=dict)
    """Solved samples by the call that wrote the passing code: first (the first answer), revision, restart."""
    cut: int = 0
    """Replies that ended at their token limit."""

    @property
    def solved_after_revision(self) -> int:
        return self.solved_by.get("revision", 0)

    def add(self, trajectory: dict[str, Any]) -> None:
        self.samples += 1
        status = str(trajectory.get("exit_status"))
        self.exit_status[status] = self.exit_status.get(status, 0) + 1
        events = trajectory["events"]
        last_kind = "first"
        for number, event in enumerate(events):
            if event["type"] != "model":
                continue
            node = event["node"]
            self.calls[node] = self.calls.get(node, 0) + 1
            self.tokens[node] = self.tokens.get(node, 0) + event["completion_tokens"]
            self.cut += event.get("finish_reason") == "length"
            if not event.get("actions"):
                continue
            kind = "restart" if event.get("restart") else "revision" if node == "revise" else "first"
            last_kind = kind
            run = next((e for e in events[number + 1 :] if e["type"] == "tool"), None)
            repeated = run is not None and bool(run.get("repeated"))
            if kind == "revision":
                self.revisions += 1
                self.repeated += repeated
                self.new_code += run is not None and not repeated
            elif kind == "restart":
                self.restarts += 1
                self.restart_repeated += repeated
        if status == "solved":
            self.solved_by[last_kind] = self.solved_by.get(last_kind, 0) + 1


def count_run(run_dir: Path) -> Counts:
    counts = Counts()
    for path in sorted((run_dir / TRAJECTORIES).glob("*.json")):
        counts.add(json.loads(path.read_text(encoding="utf-8")))
    return counts


def table(results: dict[str, Counts]) -> Table:
    headers = (
        "run",
        "samples",
        "exit status",
        *(f"{n} calls/tokens" for n in NODES),
        "revisions",
        "restarts",
    )
    view = Table(*headers, box=None, header_style="bold")
    for name, c in results.items():
        view.add_row(
            name,
            str(c.samples),
            " ".join(f"{k} {v}" for k, v in sorted(c.exit_status.items())),
            *(f"{c.calls.get(n, 0)}/{c.tokens.get(n, 0)}" for n in NODES),
            f"{c.revisions}: {c.repeated} repeated, {c.new_code} new, {c.solved_after_revision} solved; {c.cut} cut",
            f"{c.restarts}: {c.restart_repeated} repeated, {c.solved_by.get('restart', 0)} solved",
        )
    return view


def main(run_dirs: list[Path]) -> dict[str, Any]:
    results = {str(path): count_run(path) for path in run_dirs}
    console.print(table(results))
    return {name: counts.model_dump() for name, counts in results.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("run_dirs", nargs="+", type=Path, help="agent run dirs (with trajectories/)")
    print(json.dumps(main(parser.parse_args().run_dirs)))
