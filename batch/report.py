"""RUN_DIR/report.md and a self-contained RUN_DIR/report.html (plots inline): one run, or two side by side.

The report is built once as titled tables, then rendered to both formats, so they always agree. At the top: the
real model name, the date and the sampling config; at the end, each task's failing samples (in the HTML, a
<details> per task with each sample's code, message and reply).
"""

from __future__ import annotations

import html
import re
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from batch.config import RunConfig, differences, read_config
from batch.errors import BatchError
from batch.sample_records import RESULTS_FILE, SampleRecord, read_records
from batch.summary import Summary, TaskFigures, summarize
from batch.summary_file import SUMMARY_FILE, model_name, read_summary_file
from batch.tables import percent


@dataclass(frozen=True)
class FailingTask:
    """One task's samples that did not pass, for the drill-down."""

    task_id: str
    rate: str
    """`passed/n (pct)` of the task."""
    samples: list[SampleRecord]


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""
    images: dict[str, str] = field(default_factory=dict)
    """Caption → base64 PNG (HTML only)."""
    failing: list[FailingTask] = field(default_factory=list)
    """The drill-down: in the HTML it replaces the rows (a <details> per task, with each sample's code)."""


@dataclass(frozen=True)
class LoadedRun:
    run_dir: Path
    config: RunConfig
    summary: Summary
    records: list[SampleRecord]
    """The selected samples' latest records, by task (natural order) and sample."""
    date: str
    """When the run last finished (its summary.json) or its results last changed, the later (UTC)."""


def load_run(run_dir: Path) -> LoadedRun:
    config = read_config(run_dir)
    results = run_dir / RESULTS_FILE
    if config is None or not results.exists():
        raise BatchError(f"{run_dir}: not a run dir (no config.json and results.jsonl; see `sandloop run`)")
    records = sorted(
        (r for r in read_records(run_dir) if r.sample < config.samples),
        key=lambda r: (natural_key(r.task_id), r.sample),
    )
    written = read_summary_file(run_dir / SUMMARY_FILE)
    changed = datetime.fromtimestamp(results.stat().st_mtime, UTC).isoformat(timespec="seconds")
    # both ISO 8601 in UTC, so they compare as text; results changed after the summary (an interrupted
    # extension) date the run by their change
    date = max(written.finished_at, changed) if written is not None else changed
    return LoadedRun(run_dir, config, summarize(records, config.samples), records, date)


def natural_key(text: str) -> list[tuple[int, int | str]]:
    """`HumanEval/2` before `HumanEval/10`: digit runs compare as numbers."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part]


def _rate(task: TaskFigures | None) -> str:
    if task is None:
        return "not run"
    return f"{task.passed}/{task.n} ({percent(task.pass_rate)})"


def _stats(values: list[float], digits: int) -> list[str]:
    if not values:
        return ["-"] * 4
    numbers = [sum(values), statistics.fmean(values), statistics.median(values), max(values)]
    return [f"{number:,.{digits}f}" for number in numbers]


def sampling_text(config: RunConfig) -> str:
    sampling = config.agent.sampling
    seed = "none" if sampling.seed is None else str(sampling.seed)
    return (
        f"temperature {sampling.temperature:g}, top_p {sampling.top_p:g}, top_k {sampling.top_k}, "
        f"max_tokens {sampling.max_tokens} per reply, seed {seed}"
    )


def budget_text(config: RunConfig) -> str:
    if config.mode == "single-shot":
        return "one model call per sample"
    agent = config.agent
    return (
        f"{agent.max_steps} model calls, {agent.max_total_tokens:,} tokens, {agent.max_seconds:g} s per sample; "
        f"plan {'on' if agent.plan else 'off'}"
    )


def failing_section(run: LoadedRun) -> Section:
    """Every sample that did not pass, by task: status and message (the HTML adds its code and reply)."""
    figures = {task.task_id: task for task in run.summary.per_task}
    by_task: dict[str, list[SampleRecord]] = {}
    for record in run.records:
        if not record.passed:
            by_task.setdefault(record.task_id, []).append(record)
    failing = [FailingTask(task_id, _rate(figures[task_id]), group) for task_id, group in by_task.items()]
    rows = [
        [task.task_id, str(r.sample), r.status, r.exit_status or "", r.message or ""]
        for task in failing
        for r in task.samples
    ]
    note = (
        f"{len(rows)} sample(s) of {len(failing)} task(s) did not pass." if rows else "Every sample passed."
    )
    return Section(
        "failing samples",
        ["task", "sample", "status", "exit status", "message"],
        rows,
        note=note,
        failing=failing,
    )


def run_sections(run: LoadedRun) -> list[Section]:
    summary, config = run.summary, run.config
    selection = (
        f"first {config.limit}"
        if config.limit
        else f"ids {', '.join(config.ids)}"
        if config.ids
        else f"shard {config.shard}"
        if config.shard
        else "all"
    )
    overview = [
        ["model", model_name(config)],
        ["backend", config.backend],
        ["date", run.date.replace("T", " ").replace("+00:00", " UTC")],
        ["run dir", str(run.run_dir)],
        ["suite", config.suite],
        ["tasks", f"{summary.tasks} ({selection})"],
        ["mode", config.mode],
        ["sampling", sampling_text(config)],
        ["budget", budget_text(config)],
        ["samples per task", str(config.samples)],
        ["samples with a verdict (n)", str(summary.counted)],
        ["passed", f"{summary.passed} ({percent(summary.pass_rate)})"],
        ["infra errors (not in n)", str(summary.infra_errors)],
        ["model errors (not in n)", str(summary.model_errors)],
    ]
    sections = [
        Section("run", ["field", "value"], overview),
        Section(
            "pass@k",
            ["k", "pass@k", "tasks"],
            [[str(e.k), f"{e.value:.4f}", str(e.tasks)] for e in summary.pass_at_k],
            note="Unbiased estimator of Chen et al. 2021, averaged over tasks; infra errors are not samples.",
        ),
        Section("statuses", ["status", "samples"], [[s, str(c)] for s, c in summary.statuses.items()]),
    ]
    if summary.exit_statuses:
        rows = [[s, str(c)] for s, c in sorted(summary.exit_statuses.items())]
        sections.append(Section("exit statuses", ["exit status", "samples"], rows))
    sections.append(
        Section(
            "cost",
            ["", "total", "mean per task", "median per task", "max per task"],
            [
                ["tokens", *_stats([float(t.tokens) for t in summary.per_task], 0)],
                ["seconds", *_stats([t.seconds for t in summary.per_task], 2)],
            ],
            note="Seconds are each sample's own wall time; concurrent samples overlap.",
        )
    )
    sections.append(
        Section(
            "tasks",
            ["task", "passed / n", "infra errors", "tokens", "seconds"],
            [
                [t.task_id, _rate(t), str(t.infra_errors), f"{t.tokens:,}", f"{t.seconds:.2f}"]
                for t in summary.per_task
            ],
        )
    )
    sections.append(failing_section(run))
    return sections


def compare_sections(run: LoadedRun, other: LoadedRun) -> list[Section]:
    a, b = run.summary, other.summary
    names = ["", str(run.run_dir), str(other.run_dir)]
    changed = differences(run.config, other.config)
    config = Section("configs", ["differing field (this → other)"], [[c] for c in changed] or [["none"]])
    ks = sorted({e.k for e in a.pass_at_k} | {e.k for e in b.pass_at_k})
    mine, theirs = {e.k: e.value for e in a.pass_at_k}, {e.k: e.value for e in b.pass_at_k}
    passk = Section(
        "pass@k side by side",
        [*names, "difference"],
        [
            [
                f"pass@{k}",
                f"{mine[k]:.4f}" if k in mine else "-",
                f"{theirs[k]:.4f}" if k in theirs else "-",
                f"{theirs[k] - mine[k]:+.4f}" if k in mine and k in theirs else "-",
            ]
            for k in ks
        ],
    )
    statuses = Section(
        "statuses side by side", names, [[s, str(a.statuses[s]), str(b.statuses[s])] for s in a.statuses]
    )
    left, right = {t.task_id: t for t in a.per_task}, {t.task_id: t for t in b.per_task}
    differ = [
        [task_id, _rate(left.get(task_id)), _rate(right.get(task_id))]
        for task_id in dict.fromkeys([*left, *right])
        if (left[task_id].pass_rate if task_id in left else "absent")
        != (right[task_id].pass_rate if task_id in right else "absent")
    ]
    tasks = Section(
        "tasks that differ", ["task", names[1], names[2]], differ, note=f"{len(differ)} task(s) differ."
    )
    return [config, passk, statuses, tasks]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(title: str, sections: list[Section]) -> str:
    lines = [f"# {title}", ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        if section.note:
            lines += [section.note, ""]
        if section.rows:
            lines.append("| " + " | ".join(_md_cell(h) for h in section.headers) + " |")
            lines.append("|" + "---|" * len(section.headers))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in section.rows]
            lines.append("")
    return "\n".join(lines)


STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f3f3f3}"
    "figure{display:inline-block;margin:0 1em 1em 0}img{max-width:100%}"
    "details{margin:0.3em 0}summary{cursor:pointer}details details{margin-left:1.5em}"
    "pre{background:#f6f6f6;padding:0.5em;overflow-x:auto;max-height:30em}.message{color:#b71c1c}"
)


def render_failing(tasks: list[FailingTask]) -> list[str]:
    """A <details> per task, one nested per failing sample: its message, its code and (single-shot) reply."""
    escape = html.escape
    parts = []
    for task in tasks:
        parts.append(f"<details><summary>{escape(task.task_id)}: {escape(task.rate)} passed</summary>")
        for record in task.samples:
            label = record.status + (f", {record.exit_status}" if record.exit_status else "")
            parts.append(f"<details><summary>sample {record.sample}: {escape(label)}</summary>")
            if record.message:
                parts.append(f"<p class='message'>{escape(record.message)}</p>")
            parts.append(f"<pre><code>{escape(record.code) or '(no code)'}</code></pre>")
            if record.reply is not None and record.reply != record.code:
                parts.append("<details><summary>the model's reply</summary>")
                parts.append(f"<pre>{escape(record.reply)}</pre></details>")
            if record.trajectory:
                parts.append(f"<p>trajectory: {escape(record.trajectory)}</p>")
            parts.append("</details>")
        parts.append("</details>")
    return parts


def render_html(title: str, sections: list[Section]) -> str:
    escape = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"]
    parts.append(f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>")
    for section in sections:
        parts.append(f"<h2>{escape(section.title)}</h2>")
        if section.note:
            parts.append(f"<p>{escape(section.note)}</p>")
        for caption, png in section.images.items():
            parts.append(
                f"<figure><img alt='{escape(caption)}' src='data:image/png;base64,{png}'>"
                f"<figcaption>{escape(caption)}</figcaption></figure>"
            )
        if section.failing:
            parts += render_failing(section.failing)
        elif section.rows:
            parts.append("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in section.headers) + "</tr>")
            for row in section.rows:
                parts.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(run_dir: Path, compare: Path | None = None) -> tuple[Path, Path]:
    """Write report.md and report.html into `run_dir`; with `compare`, that run side by side."""
    from batch.plots import all_plots  # matplotlib is slow to import: only reports need it

    run = load_run(run_dir)
    sections = run_sections(run)
    plots = Section("plots", [], [], images=all_plots(run.summary))
    if compare is not None:
        sections += [Section(f"compared with {compare}", [], []), *compare_sections(run, load_run(compare))]
    title = f"sandloop run report: {model_name(run.config)} on {run.config.suite}, {run.date[:10]}"
    markdown, page = run_dir / "report.md", run_dir / "report.html"
    markdown.write_text(render_markdown(title, sections), encoding="utf-8")
    page.write_text(render_html(title, [*sections[:3], plots, *sections[3:]]), encoding="utf-8")
    return markdown, page
