"""`sandloop tasks list | check`: the task suites, and their reference solutions graded in the sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli import examples
from cli.errors import fail, sandbox_errors
from cli.options import SUITES_HELP, LimitOption, SuiteArgument

if TYPE_CHECKING:
    from tasks.grading import Which
    from tasks.spec import TaskSpec

app = typer.Typer(
    help="Load task suites; check their reference solutions in the sandbox.", no_args_is_help=True
)
console = Console(highlight=False)


def _load(suite: str, limit: int | None) -> list[TaskSpec]:
    from tasks import TaskError, load_suite

    try:
        tasks = load_suite(suite)
    except TaskError as error:
        raise fail(str(error)) from None
    return tasks[:limit] if limit else tasks


@app.command("list", epilog=examples.TASKS_LIST)
def list_tasks(
    suite: Annotated[str | None, typer.Argument(help=SUITES_HELP, show_default=False)] = None,
    limit: LimitOption = None,
) -> None:
    """Print the suite's task ids and kinds; with no suite, the suites there are."""
    if suite is None:
        from tasks.suites import BUNDLED_SUITES

        suites = Table("suite", "what it reads", box=None, header_style="bold")
        for name, what in BUNDLED_SUITES.items():
            suites.add_row(Text(name), what)
        console.print(suites)
        return
    table = Table("id", "kind", box=None, header_style="bold")
    for task in _load(suite, limit):
        table.add_row(Text(task.id), task.kind)  # Text: ids and messages are data, never markup
    console.print(table)


@app.command(epilog=examples.TASKS_CHECK)
def check(suite: SuiteArgument, limit: LimitOption = None) -> None:
    """Grade every reference solution on its task's hidden and public tests; exit code 1 if one fails."""
    from cli.render import status_text
    from sandbox import SandboxPool
    from tasks.grading import grade_many
    from tasks.pools import pool_config_for

    loaded = _load(suite, limit)
    references = [(task, task.reference_solution) for task in loaded if task.reference_solution is not None]
    if len(references) < len(loaded):
        console.print(
            f"[yellow]{len(loaded) - len(references)} task(s) have no reference solution: not checked[/]"
        )
    if not references:
        return
    tasks = [task for task, _ in references]
    levels: tuple[Which, Which] = ("hidden", "public")
    console.print(f"grading {len(tasks)} reference solutions on their hidden and public tests ...")
    # A reference in another language than the task's answers (a CodeContests C++ one) is graded as such.
    as_written = [
        (task.model_copy(update={"language": task.reference_language or task.language}), reference)
        for task, reference in references
    ]
    with sandbox_errors(), SandboxPool(pool_config_for(tasks, references=True)) as pool:
        graded = {which: grade_many(pool, as_written, which) for which in levels}
    failures = Table("task", "tests", "status", "message", box=None, header_style="bold")
    failed_tasks = set()
    for number, task in enumerate(tasks):
        for which in levels:
            result = graded[which][number]
            if not result.passed:
                failed_tasks.add(task.id)
                failures.add_row(Text(task.id), which, status_text(result.status), Text(result.message or ""))
    passed = len(tasks) - len(failed_tasks)
    style = "green" if not failed_tasks else "red"
    console.print(f"[{style}]{passed}/{len(tasks)}[/] reference solutions pass their hidden and public tests")
    if failed_tasks:
        console.print(failures)
        raise typer.Exit(1)
