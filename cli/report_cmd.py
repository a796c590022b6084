"""`sandloop report RUN_DIR [--compare OTHER]`: report.md and a self-contained report.html in RUN_DIR."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.errors import fail

console = Console(highlight=False)


def report(
    run_dir: Annotated[Path, typer.Argument(help="A run dir of `sandloop run`.")],
    compare: Annotated[Path | None, typer.Option(help="Another run dir, shown side by side.")] = None,
) -> None:
    """Write RUN_DIR/report.md and a self-contained RUN_DIR/report.html.

    The model (by its real name), date and sampling at the top; pass@k, statuses, pass rate by task, tokens
    and time (plots inline in the HTML); each task's failing samples with their error (in the HTML, a
    drill-down per task with each sample's code). With --compare, both runs side by side and the tasks
    that differ.
    """
    from batch.errors import BatchError
    from batch.report import write_report

    try:
        written = write_report(run_dir, compare)
    except BatchError as error:
        raise fail(str(error)) from None
    for path in written:
        console.print(f"wrote {path}")


if __name__ == "__main__":
    typer.run(report)
