"""One-line errors for the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

stderr = Console(stderr=True, highlight=False)
ENGINE_LOST_EXIT = 75
"""Exit code when the Docker engine went away during a command (EX_TEMPFAIL): run it again once it is back."""


def fail(message: str, code: int = 2) -> typer.Exit:
    stderr.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


def read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail(f"{what} {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"{what} {path}: cannot be read ({error})") from None


@contextmanager
def sandbox_errors() -> Iterator[None]:
    from sandbox.errors import EngineLost, SandboxError

    try:
        yield
    except EngineLost as error:
        raise fail(f"{error}; run the same command again once it is back", ENGINE_LOST_EXIT) from None
    except SandboxError as error:
        raise fail(str(error)) from None
