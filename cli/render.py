"""Rich views of sandbox results."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from sandbox.models import JobResult

STATUS_STYLE = {"passed": "bold green", "failed": "bold red", "infra_error": "bold magenta"}


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, "bold yellow"))


def job_result(console: Console, result: JobResult) -> None:
    title = Text.assemble("sandbox: ", status_text(result.status), f"  {result.duration_s * 1000:.0f} ms")
    parts: list[Table | Text] = []
    if result.message:
        parts.append(Text(result.message, style="yellow"))
    if result.tests:
        table = Table(show_header=True, header_style="bold", expand=True, box=None)
        table.add_column("test")
        table.add_column("verdict", width=12)
        table.add_column("detail")
        for verdict in result.tests:
            table.add_row(verdict.name, status_text(verdict.status), verdict.detail or "")
        table.caption = f"pass fraction {result.pass_fraction:.2f}"
        parts.append(table)
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if text.strip():
            parts.append(Text(f"── {name} ──", style="dim"))
            parts.append(Text(text.rstrip("\n")))
    console.print(Panel(Group(*parts), title=title, title_align="left"))
