"""bench.trajectory_counts on trajectory files as the agent writes them: calls and tokens by node, and what each
revision's test run was (a repeat answered from an earlier result, or new code)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.trajectory_counts import count_run


def model(node: str, tokens: int, actions: list[str], finish: str = "stop") -> dict[str, object]:
    return {
        "type": "model",
        "node": node,
        "completion_tokens": tokens,
        "actions": actions,
        "finish_reason": finish,
    }


def tool(repeated: bool) -> dict[str, object]:
    return {"type": "tool", "name": "run_tests", "tests_passed": False, "repeated": repeated}


def test_revisions_are_told_apart_by_their_test_run(tmp_path: Path) -> None:
    trajectories = tmp_path / "trajectories"
    trajectories.mkdir()
    repeated = [
        model("write", 40, ["run_tests"]),
        tool(False),
        model("revise", 40, ["run_tests"]),
        tool(True),
    ]
    fixed = [model("plan", 200, [], "length"), model("write", 30, ["run_tests"]), tool(False)]
    fixed += [model("revise", 50, ["run_tests"]), tool(False)]
    for name, events, status in (("a", repeated, "budget_exhausted"), ("b", fixed, "solved")):
        (trajectories / f"{name}.json").write_text(json.dumps({"events": events, "exit_status": status}))
    counts = count_run(tmp_path)
    assert counts.samples == 2
    assert counts.exit_status == {"budget_exhausted": 1, "solved": 1}
    assert counts.calls == {"write": 2, "revise": 2, "plan": 1}
    assert counts.tokens == {"write": 70, "revise": 90, "plan": 200}
    assert (counts.revisions, counts.repeated, counts.new_code) == (2, 1, 1)
    assert (counts.solved_after_revision, counts.cut) == (1, 1)


def test_restarts_are_counted_apart_from_revisions(tmp_path: Path) -> None:
    trajectories = tmp_path / "trajectories"
    trajectories.mkdir()
    restart = {**model("revise", 60, ["run_tests"]), "restart": True}
    events = [model("write", 40, ["run_tests"]), tool(False), restart, tool(True), restart, tool(False)]
    (trajectories / "a.json").write_text(json.dumps({"events": events, "exit_status": "solved"}))
    first = [model("write", 30, ["run_tests"]), tool(False)]
    (trajectories / "b.json").write_text(json.dumps({"events": first, "exit_status": "solved"}))
    counts = count_run(tmp_path)
    assert (counts.revisions, counts.restarts, counts.restart_repeated) == (0, 2, 1)
    assert counts.solved_by == {"restart": 1, "first": 1}
