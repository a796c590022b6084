"""`sandloop train sft|grpo`: cold-start SFT on passing trajectories, GRPO on a task suite rewarded by the
sandbox; progress shown live; a killed run continues with `--resume`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.errors import fail, sandbox_errors

if TYPE_CHECKING:
    from tasks.generated import Split
    from tasks.spec import TaskSpec

app = typer.Typer(
    help="Fine-tune a model: SFT on passing trajectories, GRPO on the sandbox reward.", no_args_is_help=True
)
console = Console(highlight=False)


@app.callback()
def train() -> None:
    """Fine-tune a model: SFT on passing trajectories, GRPO on the sandbox reward."""
    # A callback keeps this a command group (`train sft`, `train grpo`), as it is once mounted.


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
    resume: Annotated[
        bool, typer.Option(help="Continue from the last checkpoint in OUT (optimizer state included).")
    ] = False,
) -> None:
    """Run TRL's GRPOTrainer with the sandbox reward; the trained model lands in OUT/final."""
    from pydantic import ValidationError

    from rl.grpo import GrpoSettings, run_grpo
    from sandbox import PoolConfig, SandboxPool

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
            resume=resume,
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
    with training_errors(), sandbox_errors(), SandboxPool(PoolConfig(size=pool_size)) as pool:
        outcome = run_grpo(settings, tasks, pool, console)
    console.print(f"[green]saved:[/] {outcome.final_dir}")
    console.print(f"log: {outcome.log}" + (f"  curve: {outcome.curve}" if outcome.curve else ""))


@app.command()
def sft(
    data: Annotated[Path, typer.Option(help="The SFT export: sft.jsonl of `sandloop rollouts`.")],
    model: Annotated[
        str | None, typer.Option(help="HF model directory or .gguf file (default: the embedded SmolLM2).")
    ] = None,
    steps: Annotated[int, typer.Option(min=1, help="Optimizer steps.")] = 40,
    batch_size: Annotated[int, typer.Option(min=1, help="Conversations per optimizer step.")] = 4,
    max_length: Annotated[int, typer.Option(min=16, help="Most tokens per conversation.")] = 1024,
    learning_rate: Annotated[float, typer.Option(min=0.0, help="AdamW learning rate.")] = 2e-5,
    save_steps: Annotated[int, typer.Option(min=1, help="Save a checkpoint every N steps.")] = 50,
    out: Annotated[Path, typer.Option(help="Checkpoints, final model, log.jsonl, loss_curve.png.")] = Path(
        "runs/sft"
    ),
    seed: Annotated[int, typer.Option(help="Seed of data order.")] = 0,
    resume: Annotated[
        bool, typer.Option(help="Continue from the last checkpoint in OUT (optimizer state included).")
    ] = False,
) -> None:
    """Run TRL's SFTTrainer on passing trajectories (training split only); the model lands in OUT/final.

    Example: sandloop rollouts generated -n 4 --out runs/roll && sandloop train sft --data runs/roll/sft.jsonl
    """
    from pydantic import ValidationError

    from rl.sft import SftSettings, run_sft

    try:
        settings = SftSettings(
            data=data,
            model_dir=model_dir(model),
            out=out,
            steps=steps,
            batch_size=batch_size,
            max_length=max_length,
            learning_rate=learning_rate,
            save_steps=save_steps,
            seed=seed,
            resume=resume,
        )
    except ValidationError as error:
        raise fail(str(error.errors()[0]["msg"])) from None
    try:
        import trl  # noqa: F401
    except ImportError:
        raise fail("SFT needs TRL: pip install 'sandloop[rl]'") from None
    console.print(f"SFT: {data} on {settings.model_dir}, {steps} steps of {batch_size} conversations")
    with training_errors():
        outcome = run_sft(settings, console)
    console.print(
        f"{outcome.examples} training conversations"
        + (f" ({outcome.skipped_heldout} held-out left out)" if outcome.skipped_heldout else "")
    )
    console.print(f"[green]saved:[/] {outcome.final_dir}")
    console.print(f"log: {outcome.log}" + (f"  curve: {outcome.curve}" if outcome.curve else ""))


@contextmanager
def training_errors() -> Iterator[None]:
    """A run that cannot start as asked (stale checkpoints, bad data line) ends in one line."""
    from rl.training import TrainingError

    try:
        yield
    except TrainingError as error:
        raise fail(str(error)) from None
