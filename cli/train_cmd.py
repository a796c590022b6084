"""`sandloop train grpo`: GRPO with TRL on a task suite, rewarded by the sandbox; progress shown live."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from agent.models.embedded import EMBEDDED_MODEL
from cli import examples
from cli.errors import fail, sandbox_errors
from cli.options import (
    MODEL_PANEL,
    SUITES_HELP,
    LimitOption,
    MaxTokensOption,
    MinPOption,
    PresencePenaltyOption,
    PresetOption,
    SystemPromptOption,
    TemperatureOption,
    TopKOption,
    TopPOption,
)
from cli.sandbox_options import TOKEN_ENV, SandboxTokenEnv, SandboxUrls, remote_sandbox

if TYPE_CHECKING:
    from tasks.spec import TaskSpec

app = typer.Typer(help="Fine-tune a model with RL on the sandbox reward.", no_args_is_help=True)
console = Console(highlight=False)


@app.callback()
def train() -> None:
    """Fine-tune a model with RL on the sandbox reward."""
    # A callback keeps this a command group with one command (`train grpo`), as it is once mounted.


GENERATED = "generated"


def load_tasks(suite: str, limit: int | None) -> list[TaskSpec]:
    """Any suite `load_suite` knows (`generated` is its train split)."""
    from tasks import TaskError, load_suite

    try:
        tasks = load_suite(suite)
    except TaskError as error:
        raise fail(str(error)) from None
    return tasks[:limit] if limit else tasks


def model_dir(model: str | None) -> Path:
    from agent.models.embedded import EMBEDDED_MODEL
    from agent.models.errors import ModelError
    from agent.models.local import local_model_dir

    try:
        return local_model_dir(model or EMBEDDED_MODEL)
    except ModelError as error:
        raise fail(str(error)) from None


@app.command(epilog=examples.GRPO)
def grpo(
    suite: Annotated[str, typer.Argument(help=SUITES_HELP)] = GENERATED,
    suite_option: Annotated[
        str | None, typer.Option("--suite", hidden=True, help="Deprecated: SUITE.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="HF model directory or .gguf file (default: the embedded SmolLM2).",
            rich_help_panel=MODEL_PANEL,
        ),
    ] = None,
    preset: PresetOption = None,
    steps: Annotated[int, typer.Option(min=1, help="Optimizer steps.")] = 40,
    num_generations: Annotated[
        int, typer.Option("-n", "--num-generations", min=2, help="Completions per prompt (the GRPO group).")
    ] = 4,
    prompts_per_step: Annotated[int, typer.Option(min=1, help="Prompts per optimizer step.")] = 2,
    max_tokens: MaxTokensOption = None,
    max_completion_length: Annotated[
        int | None, typer.Option(min=8, hidden=True, help="Deprecated: --max-tokens.")
    ] = None,
    temperature: TemperatureOption = None,
    top_p: TopPOption = None,
    top_k: TopKOption = None,
    min_p: MinPOption = None,
    presence_penalty: PresencePenaltyOption = None,
    system_prompt: SystemPromptOption = None,
    learning_rate: Annotated[float, typer.Option(min=0.0, help="AdamW learning rate.")] = 1e-5,
    save_steps: Annotated[int, typer.Option(min=1, help="Save a checkpoint every N steps.")] = 50,
    out: Annotated[Path, typer.Option(help="Checkpoints, final model, log.jsonl, reward_curve.png.")] = Path(
        "runs/grpo"
    ),
    limit: LimitOption = None,
    workers: Annotated[
        int,
        typer.Option("--workers", "--pool-size", min=1, help="Warm sandbox containers grading completions."),
    ] = 2,
    seed: Annotated[int, typer.Option(help="Seed of data order and sampling.")] = 0,
    sandbox_url: SandboxUrls = None,
    sandbox_token_env: SandboxTokenEnv = TOKEN_ENV,
) -> None:
    """Run TRL's GRPOTrainer with the sandbox reward; the trained model lands in OUT/final.

    Sampling (temperature, top-p, top-k, min-p, tokens per completion) defaults to the model preset's."""
    from pydantic import ValidationError

    from agent.models.presets import PresetOverrides, resolve_preset
    from rl.grpo import GrpoSettings, grpo_config, run_grpo
    from sandbox import PoolConfig, open_sandbox

    suite = suite_option or suite
    remote = remote_sandbox(sandbox_url, sandbox_token_env)
    tasks = load_tasks(suite, limit)
    overrides = PresetOverrides(
        temperature=temperature, top_p=top_p, top_k=top_k, min_p=min_p, presence_penalty=presence_penalty,
        max_tokens=max_tokens or max_completion_length, system_prompt=system_prompt,
    )  # fmt: skip
    try:
        resolved = resolve_preset(model or EMBEDDED_MODEL, preset).with_overrides(overrides)
        sampling = resolved.sampling
        settings = GrpoSettings(
            model_dir=model_dir(model),
            out=out,
            steps=steps,
            num_generations=num_generations,
            prompts_per_step=prompts_per_step,
            max_completion_length=sampling.max_tokens,
            learning_rate=learning_rate,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            top_k=sampling.top_k,
            min_p=sampling.min_p,
            presence_penalty=sampling.presence_penalty,
            system_prompt=resolved.system_prompt,
            preset=resolved.name,
            save_steps=save_steps,
            seed=seed,
        )
    except ValidationError as error:
        first = error.errors()[0]
        raise fail(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    except ValueError as error:
        raise fail(str(error)) from None
    try:
        import trl  # noqa: F401
    except ImportError:
        raise fail("GRPO needs TRL: pip install 'sandloop[rl]'") from None
    try:
        grpo_config(settings)  # refuses what the trainer cannot do, before any container starts
    except ValueError as error:
        raise fail(str(error).splitlines()[0]) from None
    console.print(
        f"GRPO: {len(tasks)} tasks of {suite}, model {settings.model_dir} (preset {resolved.name}), {steps} "
        f"steps of {prompts_per_step} prompts x {num_generations} completions (<= {settings.max_completion_length} "
        f"tokens, temperature {settings.temperature:g})"
    )
    with sandbox_errors(), open_sandbox(PoolConfig(size=workers), remote) as pool:
        outcome = run_grpo(settings, tasks, pool, console)
    console.print(f"[green]saved:[/] {outcome.final_dir}")
    console.print(f"log: {outcome.log}" + (f"  curve: {outcome.curve}" if outcome.curve else ""))
