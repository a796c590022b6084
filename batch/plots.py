"""The report's plots as base64 PNG, so report.html stands alone. matplotlib's object API (no pyplot): no
global state, no display needed.

Each plot is captioned once, by the report (its figcaption), not by a title of its own; count axes have
integer ticks; a bar for zero is still drawn (a failed share, a labelled 0), never left as a gap.
"""

from __future__ import annotations

import base64
import io

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from batch.summary import Summary

COLORS = {"passed": "#2e7d32", "failed": "#c62828", "infra_error": "#8e24aa"}


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _counts_axis(axes: Axes, label: str) -> None:
    """A y axis of counts: whole numbers only, from 0."""
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0)
    axes.set_ylabel(label)


def pass_rate_by_task(summary: Summary) -> Figure:
    """Each task's share of passed samples over its failed share: a task that never passed is a red bar."""
    tasks = [task for task in summary.per_task if task.n]
    figure = Figure(figsize=(max(6.0, min(0.12 * len(tasks), 24.0)), 3.2))
    axes = figure.subplots()
    positions = range(len(tasks))
    passed = [task.passed / task.n for task in tasks]
    axes.bar(positions, passed, color=COLORS["passed"], width=0.9, label="passed")
    failed = [1 - share for share in passed]
    axes.bar(positions, failed, bottom=passed, color=COLORS["failed"], width=0.9, label="failed")
    axes.set_ylim(0, 1.0)
    axes.set_ylabel("share of samples")
    axes.set_xlabel(f"task ({len(tasks)})")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)  # beside the bars, not on them
    if len(tasks) <= 30:
        axes.set_xticks(
            list(positions), [task.task_id for task in tasks], rotation=60, ha="right", fontsize=7
        )
    else:
        axes.set_xticks([])
    return figure


def distribution(values: list[float], label: str) -> Figure:
    figure = Figure(figsize=(5.0, 3.0))
    axes = figure.subplots()
    axes.hist(values, bins=min(30, max(5, len(values) // 3)), color="#1565c0")
    axes.set_xlabel(label)
    _counts_axis(axes, "tasks")
    return figure


def status_counts(summary: Summary) -> Figure:
    figure = Figure(figsize=(6.0, 3.0))
    axes = figure.subplots()
    names = list(summary.statuses)
    counts = [summary.statuses[n] for n in names]
    bars = axes.bar(names, counts, color=[COLORS.get(n, "#ef6c00") for n in names])
    axes.bar_label(bars, labels=[str(count) for count in counts], fontsize=8)  # a 0 is shown, not a gap
    _counts_axis(axes, "samples")
    axes.set_ylim(top=max(1, *counts) * 1.15)  # room for the labels
    axes.tick_params(axis="x", labelrotation=30)
    return figure


def all_plots(summary: Summary) -> dict[str, str]:
    """Caption → base64 PNG."""
    return {caption: _png(figure) for caption, figure in figures(summary).items()}


def figures(summary: Summary) -> dict[str, Figure]:
    """Caption → figure."""
    return {
        "pass rate by task": pass_rate_by_task(summary),
        "tokens per task": distribution([float(t.tokens) for t in summary.per_task], "tokens"),
        "wall time per task": distribution([t.seconds for t in summary.per_task], "seconds"),
        "samples by status": status_counts(summary),
    }
