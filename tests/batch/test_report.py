"""The run report: the real model name, date and sampling at the top; a drill-down to each failing sample's code
and error; plots with whole-number counts, visible zero bars and one caption each."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pytest
from matplotlib.patches import Rectangle

from agent.config import AgentConfig
from agent.models.base import Sampling
from agent.models.embedded import MODEL_ENV, TINY_MODEL
from agent.models.serialized import shareable
from agent.scripted import ScriptedModel
from batch.config import RunConfig
from batch.plots import figures
from batch.report import write_report
from batch.run import run_batch
from batch.sample import SampleRunner
from batch.sample_records import SampleRecord
from batch.summary import summarize
from batch.summary_file import model_name, write_run_summary
from batch.workers import LocalExecutor
from sandbox import SandboxPool
from tasks.infra_retry import InfraRetry
from tests.support.batch_run import EXAMPLES, example_tasks

WRONG = "def is_even(n):\n    return n % 3 == 0  # wrong on purpose\n"


@pytest.mark.docker
def test_report_names_model_date_sampling_and_drills_down_to_failing_code(
    pool: SandboxPool, tmp_path: Path
) -> None:
    tasks = example_tasks()
    sampling = Sampling(temperature=0.3, top_p=0.9, top_k=20, max_tokens=256, seed=7)
    config = RunConfig(
        suite=EXAMPLES,
        backend="openai",
        model="scripted-coder-7b",
        mode="single-shot",
        samples=2,
        ids=[task.id for task in tasks],
        agent=AgentConfig(sampling=sampling),
    )
    replies = [f"```python\n{task.reference_solution}\n```" for task in tasks for _ in range(2)]
    replies[3] = f"Here is my answer.\n```python\n{WRONG}```\nDone."  # is_even, second sample
    sampler = SampleRunner(shareable(ScriptedModel(replies)), pool, config, tmp_path, InfraRetry(backoff_s=0))
    records = run_batch(tasks, config, sampler, tmp_path, LocalExecutor(1))
    written = write_run_summary(config, tmp_path, summarize(records, 2))
    (failing,) = [r for r in records if not r.passed]
    assert (failing.task_id, failing.sample, failing.code) == ("is_even", 1, WRONG.strip())
    assert failing.message

    markdown, page = write_report(tmp_path)
    text, md = page.read_text(), markdown.read_text()
    date = written.finished_at.replace("T", " ").replace("+00:00", " UTC")
    head = text[: text.index("<h2>pass@k</h2>")]  # all of it before the figures
    for cell in (
        "scripted-coder-7b",
        date,
        "temperature 0.3, top_p 0.9, top_k 20, max_tokens 256 per reply, seed 7",
        "one model call per sample",
    ):
        assert f"<td>{html.escape(cell)}</td>" in head and f"| {cell} |" in md
    assert f"<title>sandloop run report: scripted-coder-7b on {EXAMPLES}, {date[:10]}</title>" in text

    drill = text[text.index("<h2>failing samples</h2>") :]
    assert drill.count("<details><summary>") == 3  # the task, its failing sample, the sample's reply
    assert "<details><summary>is_even: 1/2 (50.0%) passed</summary>" in drill
    assert "<summary>sample 1: failed</summary>" in drill
    assert f"<p class='message'>{html.escape(failing.message)}</p>" in drill
    assert f"<pre><code>{html.escape(WRONG.strip())}</code></pre>" in drill
    assert html.escape("Here is my answer.") in drill
    assert f"| is_even | 1 | failed |  | {failing.message} |" in md
    assert "1 sample(s) of 1 task(s) did not pass." in md


def test_the_default_model_is_named_by_its_real_name() -> None:
    assert os.environ[MODEL_ENV] == TINY_MODEL  # the test suite's default (tests/conftest.py)
    assert model_name(RunConfig(suite="humaneval", backend="transformers")) == TINY_MODEL
    assert model_name(RunConfig(suite="humaneval", backend="openai", model="Qwen/QwQ-32B")) == "Qwen/QwQ-32B"


def record(task_id: str, sample: int, status: str, tokens: int) -> SampleRecord:
    passed = status == "passed"
    return SampleRecord.model_validate(
        {
            "task_id": task_id,
            "sample": sample,
            "status": status,
            "passed": passed,
            "pass_fraction": float(passed),
            "code": "",
            "tokens": tokens,
            "seconds": 0.5,
        }
    )


def test_plots_count_in_whole_numbers_show_zero_bars_and_have_no_titles() -> None:
    records = [
        record("a", 0, "passed", 100),
        record("a", 1, "passed", 120),
        record("b", 0, "failed", 90),  # never passed: a full failed bar, not a gap
        record("b", 1, "timeout", 300),
    ]
    summary = summarize(records)
    drawn = figures(summary)
    assert list(drawn) == ["pass rate by task", "tokens per task", "wall time per task", "samples by status"]
    for figure in drawn.values():
        figure.canvas.draw()
        (axes,) = figure.axes
        assert axes.get_title() == ""  # the report's caption is the only one

    (rates,) = drawn["pass rate by task"].axes
    bars = [patch for patch in rates.patches if isinstance(patch, Rectangle)]
    heights = [(round(bar.get_y(), 6), round(bar.get_height(), 6)) for bar in bars]
    assert heights == [(0, 1), (0, 0), (1, 0), (0, 1)]  # passed a, passed b, failed a, failed b

    (statuses,) = drawn["samples by status"].axes
    labels = [text.get_text() for text in statuses.texts]
    assert labels == [str(count) for count in summary.statuses.values()]
    assert labels.count("0") == len(summary.statuses) - 3  # every empty status still labelled
    for name in ("tokens per task", "samples by status"):
        (axes,) = drawn[name].axes
        ticks = [tick for tick in axes.get_yticks() if axes.get_ylim()[0] <= tick <= axes.get_ylim()[1]]
        assert ticks and all(float(tick).is_integer() for tick in ticks)
