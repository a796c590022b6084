"""The report's plots as base64 PNG, so report.html stands alone. matplotlib's object API (no pyplot): no
global state, no display needed."""

from __future__ import annotations

import base64
import io

from matplotlib.figure import Figure

from batch.summary import Summary

COLORS = {"passed": "#2e7d32", "failed": "#c62828", "infra_error": "#8e24aa"}


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def pass_rate_by_task(summary: Summary) -> str:
    tasks = [task for task in summary.per_task if task.n]
    figure = Figure(figsize=(max(6.0, min(0.12 * len(tasks), 24.0)), 3.2))
    axes = figure.subplots()
    axes.bar(range(len(tasks)), [task.passed / task.n for task in tasks], color=COLORS["passed"], width=0.9)
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("pass rate")
    axes.set_xlabel(f"task ({len(tasks)})")
    if len(tasks) <= 30:
        axes.set_xticks(
            range(len(tasks)), [task.task_id for task in tasks], rotation=60, ha="right", fontsize=7
        )
    else:
        axes.set_xticks([])
    axes.set_title("pass rate by task")
    return _png(figure)


def distribution(values: list[float], label: str, title: str) -> str:
    figure = Figure(figsize=(5.0, 3.0))
    axes = figure.subplots()
    axes.hist(values, bins=min(30, max(5, len(values) // 3)), color="#1565c0")
    axes.set_xlabel(label)
    axes.set_ylabel("tasks")
    axes.set_title(title)
    return _png(figure)


def status_counts(summary: Summary) -> str:
    figure = Figure(figsize=(6.0, 3.0))
    axes = figure.subplots()
    names = list(summary.statuses)
    axes.bar(names, [summary.statuses[n] for n in names], color=[COLORS.get(n, "#ef6c00") for n in names])
    axes.set_ylabel("samples")
    axes.set_title("samples by status")
    axes.tick_params(axis="x", labelrotation=30)
    return _png(figure)


def all_plots(summary: Summary) -> dict[str, str]:
    """Title → base64 PNG."""
    return {
        "pass rate by task": pass_rate_by_task(summary),
        "tokens per task": distribution(
            [float(t.tokens) for t in summary.per_task], "tokens", "tokens per task"
        ),
        "seconds per task": distribution(
            [t.seconds for t in summary.per_task], "seconds", "wall time per task"
        ),
        "samples by status": status_counts(summary),
    }
