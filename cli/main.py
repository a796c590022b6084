"""`sandloop`: the root command."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from cli import (
    evaluate_cmd,
    examples,
    export_cmd,
    model_cmd,
    report_cmd,
    rollouts_cmd,
    run_cmd,
    sandbox_cmd,
    serve_cmd,
    solve_cmd,
    tasks_cmd,
    train_cmd,
)

app = typer.Typer(
    name="sandloop",
    help="Solve coding problems with a reasoning model in Docker sandboxes; batch runs, pass@k, RL data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(asked: bool) -> None:
    if asked:
        try:
            print(f"sandloop {version('sandloop')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            print("sandloop (not installed)")
        raise typer.Exit()


@app.callback()
def root(
    show_version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit."),
    ] = False,
) -> None:
    """Solve coding problems with a reasoning model in Docker sandboxes; batch runs, pass@k, RL data."""


app.command(epilog=examples.SOLVE)(solve_cmd.solve)
app.command(epilog=examples.RUN)(run_cmd.run)
app.command(epilog=examples.EVALUATE)(evaluate_cmd.evaluate)
app.command(epilog=examples.REPORT)(report_cmd.report)
app.command(epilog=examples.ROLLOUTS)(rollouts_cmd.rollouts)
app.command(epilog=examples.SERVE)(serve_cmd.serve)
app.command(epilog=examples.EXPORT)(export_cmd.export)
app.add_typer(sandbox_cmd.app, name="sandbox", epilog=examples.SANDBOX)
app.add_typer(tasks_cmd.app, name="tasks")
app.add_typer(model_cmd.app, name="model")
app.add_typer(train_cmd.app, name="train")

if __name__ == "__main__":
    app()
