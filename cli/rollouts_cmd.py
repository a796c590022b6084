"""`sandloop rollouts`: K agent trajectories per task with sandbox rewards, exported for TRL, verl and SFT."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from agent.models.backends import BACKENDS_HELP

console = Console(highlight=False)


def rollouts(
    suite: Annotated[str, typer.Argument(help="humaneval, mbpp:PATH, stdio:PATH or jsonl:PATH.")],
    out: Annotated[
        Path, typer.Option(help="Output dir: run/ (resumable), trl/, verl/, sft.jsonl, rollouts.jsonl.")
    ],
    include_heldout: Annotated[
        bool, typer.Option(help="Also put held-out tasks' trajectories in rollouts.jsonl and sft.jsonl.")
    ] = False,
    model: Annotated[str | None, typer.Option(help="HF dir, .gguf file, or served name.")] = None,
    backend: Annotated[str, typer.Option(help=BACKENDS_HELP)] = "transformers",
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint.")] = None,
    samples: Annotated[int, typer.Option("-n", "--samples", min=1, help="Trajectories per task.")] = 4,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N tasks.")] = None,
    ids: Annotated[str | None, typer.Option(help="Only these task ids, comma-separated.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Samples run at once.")] = 4,
    max_steps: Annotated[int, typer.Option(min=1, help="Most model calls per trajectory.")] = 6,
    max_tokens: Annotated[int, typer.Option(min=1, help="Most tokens per reply.")] = 512,
    max_total_tokens: Annotated[
        int | None, typer.Option(min=1, help="Most tokens over one trajectory (default: steps × per reply).")
    ] = None,
    temperature: Annotated[float, typer.Option(min=0.0, max=2.0, help="Sampling temperature.")] = 0.6,
    heldout_percent: Annotated[
        int, typer.Option(min=0, max=100, help="Tasks held out, by a stable hash of the id.")
    ] = 20,
) -> None:
    """Collect trajectories (resumable, like `sandloop run`), then export the training data."""
    from cli.run_cmd import ExecutorChoice, Mode, report, run_config, run_suite
    from rl.prompt_export import export_prompts
    from rl.rollouts import RUN_DIR, export

    config = run_config(
        suite, backend, model, base_url, Mode.agent, samples, limit, ids, None, max_steps, max_tokens,
        max_total_tokens, True, temperature,
    )  # fmt: skip
    # Samples left without a verdict (infra errors) are not exported; the same command grades them again.
    prepared, records = run_suite(config, out / RUN_DIR, workers, ExecutorChoice.local, None)
    report(config, records, prepared.run_dir)
    prompts = export_prompts(prepared.tasks, out, heldout_percent)
    summary = export(prepared.tasks, prepared.run_dir, out, heldout_percent, include_heldout)
    table = Table(title=f"rollouts: {suite}")
    table.add_column("")
    table.add_column("", justify="right")
    table.add_row("trajectories (graded, exported)", str(summary.trajectories))
    table.add_row("mean reward", f"{summary.mean_reward:.3f}")
    table.add_row("SFT examples (passed, de-duplicated)", str(summary.sft_examples))
    table.add_row("tasks train / held out", f"{prompts.tasks['train']} / {prompts.tasks['heldout']}")
    console.print(table)
    if not include_heldout:
        console.print("rollouts.jsonl and sft.jsonl: training split only (--include-heldout adds the rest)")
    for path in [*prompts.files, *summary.files]:
        console.print(f"wrote {path}")
