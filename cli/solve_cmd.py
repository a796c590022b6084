"""`sandloop solve`: one problem, shown live; exit code 0 only when solved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.errors import fail, read_text, sandbox_errors
from cli.options import (
    DEFAULT_MAX_STEPS,
    BackendOption,
    BaseUrlOption,
    MaxSecondsOption,
    MaxStepsOption,
    MaxTokensOption,
    MaxTotalTokensOption,
    MinPOption,
    ModelOption,
    NativeToolsOption,
    PlanOption,
    PresencePenaltyOption,
    PresetOption,
    RestartOption,
    SeedOption,
    SystemPromptOption,
    TemperatureOption,
    TopKOption,
    TopPOption,
    agent_config,
    out_dir,
)

DEFAULT_OUT = Path("runs/solve")


def solve(
    problem: Annotated[str | None, typer.Argument(help="The problem text.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the problem text from a file.")] = None,
    task: Annotated[
        str | None, typer.Option("--task", help="A suite task, e.g. humaneval#HumanEval/0.")
    ] = None,
    model: ModelOption = None,
    backend: BackendOption = "transformers",
    base_url: BaseUrlOption = None,
    preset: PresetOption = None,
    max_steps: MaxStepsOption = DEFAULT_MAX_STEPS,
    max_tokens: MaxTokensOption = None,
    max_total_tokens: MaxTotalTokensOption = None,
    max_seconds: MaxSecondsOption = None,
    temperature: TemperatureOption = None,
    top_p: TopPOption = None,
    top_k: TopKOption = None,
    min_p: MinPOption = None,
    presence_penalty: PresencePenaltyOption = None,
    plan: PlanOption = None,
    native_tools: NativeToolsOption = None,
    restart: RestartOption = None,
    system_prompt: SystemPromptOption = None,
    seed: SeedOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Where checkpoints and the trajectory go (default: runs/solve).")
    ] = None,
    tests: Annotated[
        Path | None,
        typer.Option(
            "--tests",
            help="Your tests for a text or --file problem: Python asserts (test_* functions are called), "
            'or a .jsonl file of {"input": ..., "output": ...} stdin/stdout cases.',
        ),
    ] = None,
    run_dir: Annotated[Path | None, typer.Option(hidden=True, help="Deprecated: --out.")] = None,
    fresh: Annotated[
        bool, typer.Option(help="Start over instead of resuming an earlier run of the same problem.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON object as the last line.")
    ] = False,
) -> None:
    """Solve one problem with the agent; graded on hidden tests when the task has them."""
    from pydantic import ValidationError

    from agent.graded_solve import solve_and_grade, solve_run_id
    from agent.models.config import ModelConfig, load_model
    from agent.models.embedded import default_model
    from agent.models.errors import ModelError
    from agent.models.presets import PresetOverrides
    from cli.live import LiveView, output_console
    from sandbox import PoolConfig, SandboxPool
    from tasks.adhoc import adhoc_task, user_tests
    from tasks.errors import TaskError
    from tasks.suites import load_task

    given = [x for x in (problem, file, task) if x is not None]
    if len(given) != 1:
        raise fail("give the problem as text, --file or --task (exactly one)")
    if tests is not None and task is not None:
        raise fail("--tests is for a text or --file problem: a --task has its own tests")
    try:
        if task is not None:
            spec = load_task(task)
        else:
            given_tests = user_tests(tests) if tests is not None else None
            text = problem if problem is not None else read_text(Path(str(file)), "problem")
            spec = adhoc_task(text, tests=given_tests)
    except TaskError as error:
        raise fail(str(error)) from None
    if not spec.prompt.strip():
        raise fail("the problem text is empty")
    overrides = PresetOverrides(
        temperature=temperature, top_p=top_p, top_k=top_k, min_p=min_p, presence_penalty=presence_penalty,
        max_tokens=max_tokens, max_seconds=max_seconds, plan=plan, system_prompt=system_prompt,
        native_tools=native_tools, restart=restart, seed=seed,
    )  # fmt: skip
    try:
        config = agent_config(model or default_model(), preset, overrides, max_steps, max_total_tokens)
    except ValueError as error:
        raise fail(str(error)) from None
    try:
        fields = {"backend": backend, "base_url": base_url, "preset": preset} | (
            {"model": model} if model else {}
        )
        chat_model = load_model(ModelConfig.model_validate(fields))
        chat_model.probe()  # a remote endpoint: fail now, in one line, not after the run started
    except ValidationError as error:
        first = error.errors()[0]
        raise fail(f"--{'.'.join(map(str, first['loc'])).replace('_', '-')}: {first['msg']}") from None
    except (ModelError, ValueError) as error:
        raise fail(str(error).splitlines()[0]) from None
    run_dir = out_dir(out, run_dir, DEFAULT_OUT)
    run_id = solve_run_id(spec, chat_model.name, config, fresh)
    console = output_console()
    view = LiveView(output_console(stderr=json_output), max_steps, spec.entry_point)
    chat_model.on_token = view.token  # the reply shows as it is generated
    with sandbox_errors(), SandboxPool(PoolConfig(size=1)) as pool:
        try:
            graded = solve_and_grade(
                spec, chat_model, pool, config, run_dir=run_dir, run_id=run_id, on_event=view
            )
        finally:
            view.stop()
    summary = graded.summary(spec)
    result, hidden, solved = graded.result, summary["hidden"], graded.solved
    if result.finished_before:
        view.console.print(
            f"already finished: this problem, model and settings ran to the end before in {run_dir};"
            " nothing was redone (--fresh starts over)"
        )
    if json_output:
        print(json.dumps(summary))
    else:
        verdict = "[bold green]solved[/]" if solved else f"[bold red]not solved[/] ({result.exit_status})"
        hidden_text = f"; hidden tests: {hidden['status']} ({hidden['pass_fraction']:.2f})" if hidden else ""
        console.print(
            f"{verdict}{hidden_text}; {result.steps} model calls, {result.tokens} tokens, {result.seconds:.1f} s"
        )
        console.print(f"trajectory: {result.trajectory_path}")
    raise typer.Exit(0 if solved else 1)
