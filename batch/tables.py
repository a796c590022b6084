"""The summary of a run as a Rich table, for the terminal."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from batch.summary import Summary


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def summary_table(summary: Summary, title: str = "summary", cost: bool = True) -> Table:
    """pass@k, samples by status (infra errors apart), and with `cost` tokens and time per task."""
    table = Table(title=title, show_header=True, header_style="bold", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("tasks", str(summary.tasks))
    table.add_row("samples with a verdict (n)", str(summary.counted))
    table.add_row("passed", f"{summary.passed} ({percent(summary.pass_rate)})")
    for entry in summary.pass_at_k:
        note = "" if entry.tasks == summary.tasks else f" over {entry.tasks} tasks"
        table.add_row(f"pass@{entry.k}", f"{entry.value:.4f}{note}")
    table.add_section()
    for status, count in summary.statuses.items():
        if status != "infra_error":
            table.add_row(Text(f"status {status}"), str(count))
    infra = Text("infra_error (not in n)", style="bold magenta" if summary.infra_errors else "")
    table.add_row(infra, str(summary.infra_errors))
    model = Text("model_error (not in n)", style="bold magenta" if summary.model_errors else "")
    table.add_row(model, str(summary.model_errors))
    if summary.exit_statuses:
        table.add_section()
        for exit_status, count in sorted(summary.exit_statuses.items()):
            table.add_row(Text(f"exit {exit_status}"), str(count))
    if cost:
        table.add_section()
        table.add_row("tokens", f"{summary.tokens:,}")
        table.add_row("tokens per task", f"{summary.per_task_mean('tokens'):,.0f}")
        table.add_row("seconds per task", f"{summary.per_task_mean('seconds'):.2f}")
    return table
