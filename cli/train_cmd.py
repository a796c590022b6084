"""`sandloop train grpo`: GRPO with TRL on a task suite, rewarded by the sandbox; progress shown live."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.errors import fail, sandbox_errors
from cli.sandbox_options import TOKEN_ENV, SandboxTokenEnv, SandboxUrls, remote_sandbox

if TYPE_CHECKING:
    from tasks.generated import Split
    from tasks.spec import TaskSpec

app = typer.Typer(help="Fine-tune a model with RL on the sandbox reward.", no_args_is_help=True)
console = Console(highlight=False)


@app.callback()
def train() -> None:
    """Fine-tune a model with RL on the sandbox reward."""
    # A callback keeps this a command group with one command (`train grpo`), as it is once mounted.


GENERATED = "generated"
GENERATED_SPLITS: dict[str, Split] = {"train": "train", "heldout": "heldout", "all": "all"}


def load_tasks(suite: str, limit: int | None) -> list[TaskSpec]:
    """`generated[:train|heldout|all]` (tasks.generated), or any suite `load_suite` knows."""
    from tasks import TaskError, load_suite
    from tasks.generated import generated_suite

    kind, _, split = suite.partition(":")
    try:
        if kind == GENERATED:
            if split and split not in GENERATED_SPLITS:
                raise TaskError(
                    f"unknown split {split!r} of the generated suite: expected train, heldout or all"
                )
            tasks = generated_suite(GENERATED_SPLITS[split or "train"])
        else:
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


@app.command()
def grpo(
    suite: Annotated[
        str,
        typer.Option(help="generated[:train|heldout|all], humaneval, mbpp:PATH, stdio:PATH or jsonl:PATH."),
    ] = GENERATED,
    model: Annotated[
        str | None, typer.Option(help="HF model directory or .gguf file (default: the embedded SmolLM2).")
    ] = None,
    steps: Annotated[int, typer.Option(min=1, help="Optimizer steps.")] = 40,
    num_generations: Annotated[int, typer.Option(min=2, help="Completions per prompt (the GRPO group).")] = 4,
    prompts_per_step: Annotated[int, typer.Option(min=1, help="Prompts per optimizer step.")] = 2,
    max_completion_length: Annotated[int, typer.Option(min=8, help="Most tokens per completion.")] = 64,
    learning_rate: Annotated[float, typer.Option(min=0.0, help="AdamW learning rate.")] = 1e-5,
    temperature: Annotated[float, typer.Option(min=0.01, help="Sampling temperature of the rollouts.")] = 0.7,
    save_steps: Annotated[int, typer.Option(min=1, help="Save a checkpoint every N steps.")] = 50,
    out: Annotated[Path, typer.Option(help="Checkpoints, final model, log.jsonl, reward_curve.png.")] = Path(
        "runs/grpo"
    ),
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N tasks of the suite.")] = None,
    pool_size: Annotated[int, typer.Option(min=1, help="Warm sandbox containers grading completions.")] = 2,
    seed: Annotated[int, typer.Option(help="Seed of data order and sampling.")] = 0,
    sandbox_url: SandboxUrls = None,
    sandbox_token_env: SandboxTokenEnv = TOKEN_ENV,
) -> None:
    """Run TRL's GRPOTrainer with the sandbox reward; the trained model lands in OUT/final."""
    from pydantic import ValidationError

    from rl.grpo import GrpoSettings, run_grpo
    from sandbox import PoolConfig, open_sandbox

    remote = remote_sandbox(sandbox_url, sandbox_token_env)
    tasks = load_tasks(suite, limit)
    try:
        settings = GrpoSettings(
            model_dir=model_dir(model),
            out=out,
            steps=steps,
            num_generations=num_generations,
            prompts_per_step=prompts_per_step,
            max_completion_length=max_completion_length,
            learning_rate=learning_rate,
            temperature=temperature,
            save_steps=save_steps,
            seed=seed,
        )
    except ValidationError as error:
        raise fail(str(error.errors()[0]["msg"])) from None
    try:
        import trl  # noqa: F401
    except ImportError:
        raise fail("GRPO needs TRL: pip install 'sandloop[rl]'") from None
    console.print(
        f"GRPO: {len(tasks)} tasks of {suite}, model {settings.model_dir}, {steps} steps of "
        f"{prompts_per_step} prompts x {num_generations} completions (<= {max_completion_length} tokens)"
    )
    with sandbox_errors(), open_sandbox(PoolConfig(size=pool_size), remote) as pool:
        outcome = run_grpo(settings, tasks, pool, console)
    console.print(f"[green]saved:[/] {outcome.final_dir}")
    console.print(f"log: {outcome.log}" + (f"  curve: {outcome.curve}" if outcome.curve else ""))
