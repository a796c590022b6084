"""The live view of a solve: the reply as the model generates it, then each step (plan, thinking folded, code,
run output, verdicts).

On a terminal the text being generated shows in a live panel (its last lines) that the step's panel replaces.
Piped, nothing is redrawn and nothing is wrapped: lines keep their length, panels fit their content.
"""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.panel import Panel
from rich.syntax import Syntax
from rich.text import Text

from agent.reasoning import answer_code_block
from cli.render import status_text

PIPED_WIDTH = 100_000
"""Console width when output is not a terminal: wide enough that rich never wraps a line."""
LIVE_LINES = 12
"""Lines of the text being generated shown in the live panel."""


def output_console(*, stderr: bool = False) -> Console:
    """The console of a command's output: the terminal's width, or no wrapping at all when piped."""
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(highlight=False, stderr=stderr)
    return Console(highlight=False, stderr=stderr, width=PIPED_WIDTH, soft_wrap=True)


class LiveView:
    def __init__(self, console: Console, max_steps: int, entry_point: str | None = None) -> None:
        self.console = console
        self.max_steps = max_steps
        self.entry_point = entry_point
        self.steps = 0
        self.streamed = ""
        """The text of the reply being generated (reset when its step's event arrives)."""
        self._live: Live | None = None
        self._expand = console.is_terminal  # piped: panels fit their content (the console is very wide)

    def token(self, piece: str) -> None:
        """A model backend's token sink: the reply so far, in a live panel on a terminal."""
        self.streamed += piece
        if not self.console.is_terminal:
            return
        if self._live is None:
            self._live = Live(console=self.console, transient=True, refresh_per_second=8)
            self._live.start()
        tail = "\n".join(self.streamed.splitlines()[-LIVE_LINES:])
        title = f"generating · step {self.steps + 1} · {len(self.streamed)} chars"
        self._live.update(Panel(Text(tail), title=title, title_align="left", border_style="dim"))

    def stop(self) -> None:
        """Clear the live panel (the step's own panel follows, or the run ended)."""
        if self._live is not None:
            self._live.stop()
            self._live = None
        self.streamed = ""

    def __call__(self, event: dict[str, Any]) -> None:
        self.stop()
        kind = event["type"]
        if kind == "model":
            self._model(event)
        elif kind == "tool":
            self._tool(event)
        elif kind == "review":
            left = self.max_steps - self.steps
            decision = event["decision"]
            self.console.print(
                Text.assemble(
                    "review: ",
                    status_text("passed" if event["tests_passed"] else "failed"),
                    f" → {decision}  ({left} model calls left)",
                )
            )
        elif kind == "model_error":
            self.console.print(f"[bold red]model error:[/] {event['error']}")

    def _model(self, event: dict[str, Any]) -> None:
        self.steps += 1
        title = f"{event['node']} · step {self.steps} · {event['completion_tokens']} tokens · {event['latency_s']:.1f} s"
        if event.get("reasoning"):
            first = event["reasoning"].strip().splitlines()[0][:100] if event["reasoning"].strip() else ""
            self.console.print(f"[dim]thinking ({len(event['reasoning'])} chars, folded): {first}…[/]")
        if event.get("thinking_cut"):
            self.console.print("[yellow]the reply was cut inside its thinking[/]")
        code = answer_code_block(event["text"], self.entry_point) if event["node"] != "plan" else None
        if code is not None:
            body: Syntax | Text = Syntax(code, "python", line_numbers=False, word_wrap=self._expand)
        elif event["tool_calls"]:
            body = Text("\n".join(f"{c['name']}({', '.join(c['arguments'])})" for c in event["tool_calls"]))
        else:
            body = Text(event["text"].strip()[:2000] or "(empty reply)")
        panel = Panel(body, title=title, title_align="left", border_style="cyan", expand=self._expand)
        self.console.print(panel)

    def _tool(self, event: dict[str, Any]) -> None:
        style = (
            "green"
            if event.get("tests_passed")
            else ("red" if event.get("tests_passed") is False else "blue")
        )
        self.console.print(
            Panel(
                Text(event["content"][:3000]),
                title=f"{event['name']}",
                title_align="left",
                border_style=style,
                expand=self._expand,
            )
        )
