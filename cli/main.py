"""`sandloop`: the root command."""

from __future__ import annotations

import typer

from cli import (
    evaluate_cmd,
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
app.command()(solve_cmd.solve)
app.command()(run_cmd.run)
app.command()(evaluate_cmd.evaluate)
app.command()(report_cmd.report)
app.command()(rollouts_cmd.rollouts)
app.command()(serve_cmd.serve)
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(tasks_cmd.app, name="tasks")
app.add_typer(train_cmd.app, name="train")

if __name__ == "__main__":
    app()
