"""`sandloop export`: prompt datasets from a suite without a model (TRL rows, verl parquet), split by
`tasks.splits.task_split`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.errors import fail
from cli.options import HELDOUT_PERCENT, HeldoutPercentOption, SuiteArgument

console = Console(highlight=False)


def export(
    suite: SuiteArgument,
    out: Annotated[Path, typer.Option(help="Output dir: trl/<split>.jsonl, verl/<split>.parquet.")],
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N tasks.")] = None,
    ids: Annotated[str | None, typer.Option(help="Only these task ids, comma-separated.")] = None,
    heldout_percent: HeldoutPercentOption = HELDOUT_PERCENT,
) -> None:
    """Write the suite's prompts with their verification info: train and held-out files for TRL and verl."""
    from batch.errors import BatchError
    from batch.selection import parse_ids, select
    from rl.prompt_export import export_prompts
    from tasks import TaskError, load_suite

    try:
        tasks = select(load_suite(suite), limit, parse_ids(ids) if ids else None, None)
    except (TaskError, BatchError) as error:
        raise fail(str(error)) from None
    written = export_prompts(tasks, out, heldout_percent)
    console.print(f"tasks: {written.tasks['train']} train, {written.tasks['heldout']} held out")
    for path in written.files:
        console.print(f"wrote {path}")
