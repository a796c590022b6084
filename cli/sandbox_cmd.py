"""`sandloop sandbox build | doctor | run | bench | schemas`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.errors import fail, read_text, sandbox_errors

app = typer.Typer(help="Build, check, use and measure the Docker sandbox.", no_args_is_help=True)
console = Console(highlight=False)


@app.command()
def build(
    force: Annotated[bool, typer.Option(help="Rebuild even when the image is current.")] = False,
    languages: Annotated[
        str,
        typer.Option(
            help="Comma-separated: python, cpp, c, java, go, rust, nodejs, bash, or all (python is in every image)."
        ),
    ] = "python",
) -> None:
    """Build the sandbox image for LANGUAGES (only when its recipe or the executor changed)."""
    from sandbox.engine import connect
    from sandbox.image import recipe
    from sandbox.image.build import build_image

    try:
        chosen = recipe.language_set(word.strip() for word in languages.split(",") if word.strip())
    except ValueError as error:
        raise fail(f"--languages: {error}") from None
    with sandbox_errors():
        tag = build_image(
            connect(), languages=chosen, force=force, log=lambda line: console.print(f"[dim]•[/] {line}")
        )
    console.print(f"[green]ready:[/] {tag}")


@app.command()
def doctor() -> None:
    """Say in plain words what is missing for the sandbox to run: engine, permissions, image."""
    from sandbox.doctor import diagnose

    checks = diagnose()
    for check in checks:
        mark = "[green]ok[/]  " if check.ok else "[red]MISSING[/]"
        console.print(f"{mark} {check.name}: {check.detail}")
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Python program to run.")],
    stdin: Annotated[Path | None, typer.Option(help="File fed to the program's stdin.")] = None,
    tests: Annotated[
        Path | None, typer.Option(help="Test code (asserts, or check(candidate)) to grade it.")
    ] = None,
    entry_point: Annotated[str | None, typer.Option(help="Function the tests' check() receives.")] = None,
    timeout: Annotated[float, typer.Option(help="Wall-clock limit in seconds.")] = 10.0,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Run FILE in a sandbox container (with --tests: grade it); exit code 0 only when it passed."""
    from sandbox import Limits, PoolConfig, RunJob, SandboxPool, TestJob
    from sandbox.models import Job

    source = read_text(file, "program")
    limits = Limits(timeout_s=timeout)
    job: Job
    if tests is not None:
        if stdin is not None:
            raise fail("--stdin and --tests do not go together: tests call the program's functions")
        job = TestJob(source=source, tests=read_text(tests, "tests"), entry_point=entry_point, limits=limits)
    else:
        if entry_point is not None:
            raise fail("--entry-point needs --tests")
        job = RunJob(source=source, stdin=read_text(stdin, "stdin") if stdin else "", limits=limits)
    with sandbox_errors(), SandboxPool(PoolConfig(size=1)) as pool:
        result = pool.run(job)
    if json_output:
        print(result.model_dump_json())
    else:
        from cli.render import job_result

        job_result(console, result)
    raise typer.Exit(0 if result.status == "passed" else 1)


@app.command()
def bench(
    limit: Annotated[int | None, typer.Option(help="Only the first N HumanEval problems.")] = None,
    skip_docker_baselines: Annotated[bool, typer.Option(help="Leave out docker run / docker exec.")] = False,
    phases: Annotated[
        bool, typer.Option(help="Also show where a warm check's time goes (mean ms per phase).")
    ] = False,
) -> None:
    """HumanEval's 164 canonical solutions and 164 broken ones: sandloop against its peers, side by side."""
    from bench.sandbox_humaneval import main

    raise typer.Exit(main(limit=limit, docker_baselines=not skip_docker_baselines, phases=phases))


@app.command()
def schemas(
    out: Annotated[Path, typer.Option(help="Folder for the JSON Schemas.")] = Path("docs/schemas"),
) -> None:
    """Write the JSON Schemas of the sandbox's job and result models."""
    from sandbox.schemas import write_schemas

    for path in write_schemas(out):
        console.print(f"wrote {path}")
