"""The live view of a solve: each step as it happens (plan, thinking folded, code, run output, verdicts)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.syntax import Syntax
from rich.text import Text

from agent.reasoning import answer_code_block
from cli.render import status_text


class LiveView:
    def __init__(self, console: Console, max_steps: int) -> None:
        self.console = console
        self.max_steps = max_steps
        self.steps = 0

    def __call__(self, event: dict[str, Any]) -> None:
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
        code = answer_code_block(event["text"]) if event["node"] != "plan" else None
        if code is not None:
            body: Syntax | Text = Syntax(code, "python", line_numbers=False, word_wrap=True)
        elif event["tool_calls"]:
            body = Text("\n".join(f"{c['name']}({', '.join(c['arguments'])})" for c in event["tool_calls"]))
        else:
            body = Text(event["text"].strip()[:2000] or "(empty reply)")
        self.console.print(Panel(body, title=title, title_align="left", border_style="cyan"))

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
            )
        )
