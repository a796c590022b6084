"""`sandloop train sft|grpo`: cold-start SFT on passing trajectories, GRPO on a task suite rewarded by the
sandbox; progress shown live; a killed run continues with `--resume`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from agent.models.embedded import default_model
from cli import examples
from cli.errors import fail, sandbox_errors
from cli.options import (
    HELDOUT_PERCENT,
    MODEL_PANEL,
    SUITES_HELP,
    HeldoutPercentOption,
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
    from rl.training import LoraSettings
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
TrainSecondsOption = Annotated[
    float | None,
    typer.Option(
        "--max-seconds",
        help="Training wall time: stop at the step end nearest it (--steps stays the cap); OUT/final is saved.",
    ),
]

LoraRankOption = Annotated[
    int | None,
    typer.Option(
        "--lora-rank",
        min=1,
        help="Train LoRA adapters of this rank (peft) instead of every weight; OUT/final holds them merged "
        "(OUT/adapter as peft saved them). Adapters usually want a higher --learning-rate, around 1e-4.",
    ),
]


def lora_settings(rank: int | None) -> LoraSettings | None:
    from rl.training import LoraSettings

    return LoraSettings(rank=rank) if rank else None


def training_tasks(suite: str, heldout_percent: int, limit: int | None) -> tuple[list[TaskSpec], int]:
    """The train split of any suite `load_suite` knows (first `limit` of it), and how many held-out tasks
    were left out: a held-out task never reaches a trainer, as in `train sft`."""
    from tasks import TaskError, load_suite
    from tasks.splits import split_tasks

    try:
        splits = split_tasks(load_suite(suite), heldout_percent)
    except TaskError as error:
        raise fail(str(error)) from None
    if not splits["train"]:
        raise fail(
            f"{suite}: no training tasks ({len(splits['heldout'])} held out at --heldout-percent {heldout_percent})"
        )
    return splits["train"][:limit] if limit else splits["train"], len(splits["heldout"])


def model_dir(model: str | None) -> Path:
    from agent.models.embedded import default_model
    from agent.models.errors import ModelError
    from agent.models.local import local_model_dir

    try:
        return local_model_dir(model or default_model())
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
            help="HF model directory or .gguf file (default: the embedded Qwen2.5-Coder-0.5B).",
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
    heldout_percent: HeldoutPercentOption = HELDOUT_PERCENT,
    workers: Annotated[
        int,
        typer.Option("--workers", "--pool-size", min=1, help="Warm sandbox containers grading completions."),
    ] = 2,
    seed: Annotated[int, typer.Option(help="Seed of data order and sampling.")] = 0,
    sandbox_url: SandboxUrls = None,
    sandbox_token_env: SandboxTokenEnv = TOKEN_ENV,
    resume: Annotated[
        bool, typer.Option(help="Continue from the last checkpoint in OUT (optimizer state included).")
    ] = False,
    multi_turn: Annotated[
        bool,
        typer.Option(
            "--multi-turn",
            help="Rollouts are agent episodes: answer, public-test results, revision; the final answer is "
            "rewarded. --max-tokens is then per reply.",
        ),
    ] = False,
    max_turns: Annotated[int, typer.Option(min=1, help="Model replies per episode (--multi-turn).")] = 3,
    micro_batch: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Sequences per forward/backward pass (accumulated into one step; must divide prompts x -n). "
            "Default: all at once, or 2 with --multi-turn.",
        ),
    ] = None,
    max_seconds: TrainSecondsOption = None,
    lora_rank: LoraRankOption = None,
) -> None:
    """Run TRL's GRPOTrainer with the sandbox reward; the trained model lands in OUT/final.

    Sampling (temperature, top-p, top-k, min-p, tokens per completion) defaults to the model preset's."""
    from pydantic import ValidationError

    from agent.models.presets import PresetOverrides, resolve_preset
    from rl.agent_rollout import MultiTurnSettings
    from rl.grpo import GrpoSettings, grpo_config, run_grpo
    from sandbox import PoolConfig, open_sandbox

    suite = suite_option or suite
    remote = remote_sandbox(sandbox_url, sandbox_token_env)
    tasks, heldout = training_tasks(suite, heldout_percent, limit)
    overrides = PresetOverrides(
        temperature=temperature, top_p=top_p, top_k=top_k, min_p=min_p, presence_penalty=presence_penalty,
        max_tokens=max_tokens or max_completion_length, system_prompt=system_prompt,
    )  # fmt: skip
    try:
        resolved = resolve_preset(model or default_model(), preset).with_overrides(overrides)
        settings = GrpoSettings.from_preset(
            resolved,
            model_dir=model_dir(model),
            out=out,
            steps=steps,
            num_generations=num_generations,
            prompts_per_step=prompts_per_step,
            learning_rate=learning_rate,
            save_steps=save_steps,
            seed=seed,
            resume=resume,
            max_seconds=max_seconds,
            multi_turn=MultiTurnSettings(max_turns=max_turns) if multi_turn else None,
            micro_batch=micro_batch,
            lora=lora_settings(lora_rank),
        )
    except ValidationError as error:
        first = error.errors()[0]
        where, message = ".".join(map(str, first["loc"])), str(first["msg"]).removeprefix("Value error, ")
        raise fail(f"{where}: {message}" if where else message) from None
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
        f"GRPO: {len(tasks)} tasks of {suite}"
        + (f" ({heldout} held-out left out)" if heldout else "")
        + f", model {settings.model_dir} (preset {resolved.name}), {steps} "
        f"steps of {prompts_per_step} prompts x {num_generations} completions (<= {settings.max_completion_length} "
        f"tokens, temperature {settings.temperature:g})"
        + (f", multi-turn: up to {max_turns} replies per episode" if multi_turn else "")
        + (f", LoRA rank {lora_rank}" if lora_rank else "")
    )
    with training_errors(), sandbox_errors(), open_sandbox(PoolConfig(size=workers), remote) as pool:
        outcome = run_grpo(settings, tasks, pool, console)
    console.print(f"[green]saved:[/] {outcome.final_dir}")
    console.print(f"log: {outcome.log}" + (f"  curve: {outcome.curve}" if outcome.curve else ""))


@app.command()
def sft(
    data: Annotated[Path, typer.Option(help="The SFT export: sft.jsonl of `sandloop rollouts`.")],
    model: Annotated[
        str | None,
        typer.Option(help="HF model directory or .gguf file (default: the embedded Qwen2.5-Coder-0.5B)."),
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
    max_seconds: TrainSecondsOption = None,
    lora_rank: LoraRankOption = None,
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
            max_seconds=max_seconds,
            lora=lora_settings(lora_rank),
        )
    except ValidationError as error:
        raise fail(str(error.errors()[0]["msg"])) from None
    try:
        import trl  # noqa: F401
    except ImportError:
        raise fail("SFT needs TRL: pip install 'sandloop[rl]'") from None
    console.print(
        f"SFT: {data} on {settings.model_dir}, {steps} steps of {batch_size} conversations"
        + (f", LoRA rank {lora_rank}" if lora_rank else "")
    )
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
