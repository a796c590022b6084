"""The live view of a solve: the reply streams into a live panel on a terminal; piped output is never wrapped.
A scripted model drives the real agent loop and sandbox."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from agent.config import AgentConfig
from agent.scripted import ScriptedModel
from agent.solve import solve
from cli.live import PIPED_WIDTH, LiveView, output_console
from sandbox import SandboxPool
from tests.support.toy_tasks import make_add_task

RIGHT = "<think>plain sum</think>Here:\n```python\ndef add(a, b):\n    return a + b\n```\n```python\nprint(add(1, 2))\n```"


def solve_with_view(console: Console, pool: SandboxPool, tmp_path: Path) -> LiveView:
    task = make_add_task()
    view = LiveView(console, max_steps=2, entry_point=task.entry_point)
    model = ScriptedModel([RIGHT])
    model.on_token = view.token
    config = AgentConfig.model_validate({"plan": False, "max_steps": 2})
    try:
        assert solve(task, model, pool, config, tmp_path, "live", on_event=view).exit_status == "solved"
    finally:
        view.stop()
    return view


@pytest.mark.docker
def test_on_a_terminal_the_reply_streams_then_its_step_replaces_it(pool: SandboxPool, tmp_path: Path) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    view = solve_with_view(console, pool, tmp_path)
    shown = screen.getvalue()
    assert "generating · step 1" in shown  # the live panel, drawn while the reply was generated
    assert "plain sum" in shown  # the streamed text, thinking included (shown, never run)
    assert "write · step 1" in shown  # the step's own panel after it
    assert "review: passed → solved" in shown
    assert view.streamed == ""  # reset once the step's event arrived


@pytest.mark.docker
def test_piped_the_view_draws_no_live_panel_and_wraps_nothing(pool: SandboxPool, tmp_path: Path) -> None:
    console = output_console()  # pytest captures stdout: not a terminal
    assert console.width == PIPED_WIDTH
    screen = io.StringIO()
    piped = Console(file=screen, width=PIPED_WIDTH, soft_wrap=True, highlight=False)
    solve_with_view(piped, pool, tmp_path)
    shown = screen.getvalue()
    assert "generating" not in shown
    assert "def add(a, b):" in shown and "print(add(1, 2))" not in shown  # the answer block, not the example
    assert max(len(line) for line in shown.splitlines()) < 200  # panels fit their content


def test_piped_long_lines_stay_whole() -> None:
    screen = io.StringIO()
    piped = Console(file=screen, width=PIPED_WIDTH, soft_wrap=True, highlight=False)
    view = LiveView(piped, max_steps=1)
    long_line = "x" * 300
    view({"type": "tool", "name": "run_tests", "content": long_line, "tests_passed": False})
    piped.print(f"trajectory: /{'deep/' * 40}run.json")
    lines = screen.getvalue().splitlines()
    assert any(long_line in line for line in lines)
    assert f"trajectory: /{'deep/' * 40}run.json" in lines
