"""`sandloop rollouts`: K agent trajectories per task with sandbox rewards, exported for TRL, verl and SFT."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.options import (
    DEFAULT_MAX_STEPS,
    DEFAULT_WORKERS,
    HELDOUT_PERCENT,
    BackendOption,
    BaseUrlOption,
    HeldoutPercentOption,
    IdsOption,
    LimitOption,
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
    SamplesOption,
    SuiteArgument,
    SystemPromptOption,
    TemperatureOption,
    TopKOption,
    TopPOption,
    WorkersOption,
)
from cli.sandbox_options import TOKEN_ENV, SandboxTokenEnv, SandboxUrls, remote_sandbox

console = Console(highlight=False)


def rollouts(
    suite: SuiteArgument,
    out: Annotated[
        Path, typer.Option(help="Output dir: run/ (resumable), trl/, verl/, sft.jsonl, rollouts.jsonl.")
    ],
    include_heldout: Annotated[
        bool, typer.Option(help="Also put held-out tasks' trajectories in rollouts.jsonl and sft.jsonl.")
    ] = False,
    model: ModelOption = None,
    backend: BackendOption = "transformers",
    base_url: BaseUrlOption = None,
    preset: PresetOption = None,
    samples: SamplesOption = 4,
    limit: LimitOption = None,
    ids: IdsOption = None,
    workers: WorkersOption = DEFAULT_WORKERS,
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
    heldout_percent: HeldoutPercentOption = HELDOUT_PERCENT,
    sandbox_url: SandboxUrls = None,
    sandbox_token_env: SandboxTokenEnv = TOKEN_ENV,
) -> None:
    """Collect trajectories (resumable, like `sandloop run`), then export the training data."""
    from agent.models.presets import PresetOverrides
    from cli.run_cmd import ExecutorChoice, Mode, report, run_config, run_suite
    from rl.prompt_export import export_prompts
    from rl.rollouts import RUN_DIR, export

    overrides = PresetOverrides(
        temperature=temperature, top_p=top_p, top_k=top_k, min_p=min_p, presence_penalty=presence_penalty,
        max_tokens=max_tokens, max_seconds=max_seconds, plan=plan, system_prompt=system_prompt,
        native_tools=native_tools, restart=restart,
    )  # fmt: skip
    config = run_config(
        suite, backend, model, base_url, Mode.agent, samples, limit, ids, None, preset, overrides, max_steps,
        max_total_tokens,
    )  # fmt: skip
    # Samples left without a verdict (infra errors) are not exported; the same command grades them again.
    remote = remote_sandbox(sandbox_url, sandbox_token_env)
    prepared, records = run_suite(config, out / RUN_DIR, workers, ExecutorChoice.local, None, remote)
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
