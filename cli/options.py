"""The options every command shares, declared once: the same name, meaning and help in solve, run, rollouts
and train. Model settings default to None: the model preset (agent.models.presets) fills what is not given.

Standard library and typer only at import: the commands' `--help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agent.models.backends import BACKENDS_HELP
from agent.restart_policy import Restart

if TYPE_CHECKING:
    from agent.config import AgentConfig
    from agent.models.presets import PresetOverrides

SUITES_HELP = (
    "humaneval, generated[:train|heldout|all], mbpp:PATH, stdio:PATH, jsonl:PATH or a PATH.jsonl "
    "(`sandloop tasks list` shows them)."
)
PRESETS_HELP = (
    "Model preset: qwq, deepseek-r1-distill, qwen3, qwen2.5-coder, smollm2 or generic "
    "(default: recognised from the model's name)."
)
MODEL_PANEL = "Model"
SAMPLING_PANEL = "Sampling and budget (default: the model preset's)"

SuiteArgument = Annotated[str, typer.Argument(help=SUITES_HELP, show_default=False)]
ModelOption = Annotated[
    str | None,
    typer.Option(
        help="HF dir, .gguf file, or served name (default: the embedded SmolLM2).",
        rich_help_panel=MODEL_PANEL,
    ),
]
BackendOption = Annotated[str, typer.Option(help=BACKENDS_HELP, rich_help_panel=MODEL_PANEL)]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(help="OpenAI-compatible endpoint (with --backend openai).", rich_help_panel=MODEL_PANEL),
]
PresetOption = Annotated[str | None, typer.Option(help=PRESETS_HELP, rich_help_panel=MODEL_PANEL)]

TemperatureOption = Annotated[
    float | None,
    typer.Option(min=0.0, max=2.0, help="Sampling temperature (0: greedy).", rich_help_panel=SAMPLING_PANEL),
]
TopPOption = Annotated[
    float | None,
    typer.Option(min=0.0, max=1.0, help="Nucleus sampling mass.", rich_help_panel=SAMPLING_PANEL),
]
TopKOption = Annotated[
    int | None, typer.Option(min=0, help="Top-k cut-off (0: none).", rich_help_panel=SAMPLING_PANEL)
]
MinPOption = Annotated[
    float | None,
    typer.Option(min=0.0, max=1.0, help="Min-p cut-off (0: none).", rich_help_panel=SAMPLING_PANEL),
]
PresencePenaltyOption = Annotated[
    float | None,
    typer.Option(
        min=-2.0, max=2.0, help="Penalty on tokens the reply already holds.", rich_help_panel=SAMPLING_PANEL
    ),
]
MaxTokensOption = Annotated[
    int | None, typer.Option(min=1, help="Most tokens per reply.", rich_help_panel=SAMPLING_PANEL)
]
MaxTotalTokensOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Most tokens over one whole solve/sample (default: steps × per reply).",
        rich_help_panel=SAMPLING_PANEL,
    ),
]
MaxSecondsOption = Annotated[
    float | None,
    typer.Option(
        min=1.0, help="Most wall time of one solve/sample, in seconds.", rich_help_panel=SAMPLING_PANEL
    ),
]
MaxStepsOption = Annotated[
    int, typer.Option(min=1, help="Most model calls of one solve/sample.", rich_help_panel=SAMPLING_PANEL)
]
PlanOption = Annotated[
    bool | None,
    typer.Option(
        "--plan/--no-plan", help="Ask for a plan before the first code.", rich_help_panel=SAMPLING_PANEL
    ),
]
NativeToolsOption = Annotated[
    bool | None,
    typer.Option(
        "--native-tools/--fenced-code",
        help="Offer the tools as native tool calls (a server with a tool-call parser); fenced code always works.",
        rich_help_panel=SAMPLING_PANEL,
    ),
]
RestartOption = Annotated[
    Restart | None,
    typer.Option(
        "--restart",
        help="When a failed test run starts the task afresh instead of asking for a fix: never, after a "
        "revision that repeats failed code, after a failed revision, or after every failure (default: the "
        "preset's).",
        rich_help_panel=SAMPLING_PANEL,
    ),
]
SystemPromptOption = Annotated[
    bool | None,
    typer.Option(
        "--system-prompt/--no-system-prompt",
        help="Instructions in a system message (else they open the user message).",
        rich_help_panel=SAMPLING_PANEL,
    ),
]
SeedOption = Annotated[int | None, typer.Option(help="Sampling seed.", rich_help_panel=SAMPLING_PANEL)]

SamplesOption = Annotated[
    int, typer.Option("-n", "--samples", min=1, help="Samples per task (pass@k: k ≤ n).")
]
WorkersOption = Annotated[int, typer.Option(min=1, help="Samples run at once.")]
LimitOption = Annotated[int | None, typer.Option(min=1, help="Only the first N tasks.")]
IdsOption = Annotated[str | None, typer.Option(help="Only these task ids, comma-separated.")]

DEFAULT_MAX_STEPS = 6
DEFAULT_WORKERS = 4

SHARED_MODEL_OPTIONS = ("--model", "--preset")
"""Options every generating command has (`train` runs transformers only: no --backend)."""
SHARED_SAMPLING_OPTIONS = (
    "--temperature",
    "--top-p",
    "--top-k",
    "--min-p",
    "--presence-penalty",
    "--max-tokens",
    "--out",
)
"""Sampling options every generating command has, same name and meaning; `--out` is everywhere too."""


def agent_config(
    model_name: str,
    preset: str | None,
    overrides: PresetOverrides,
    max_steps: int,
    max_total_tokens: int | None,
) -> AgentConfig:
    """The resolved preset with the options given: what a solve or a run records and runs with.
    ValueError (one line) for an unknown preset or a value the family refuses."""
    from agent.config import AgentConfig
    from agent.models.presets import resolve_preset

    resolved = resolve_preset(model_name, preset).with_overrides(overrides)
    return AgentConfig.from_preset(resolved, max_steps, max_total_tokens)


def out_dir(out: Path | None, deprecated: Path | None, default: Path) -> Path:
    """`--out`, else the deprecated spelling of the same option, else the command's default."""
    return out if out is not None else deprecated if deprecated is not None else default


HELDOUT_PERCENT = 20
"""`tasks.splits.HELDOUT_PERCENT`, written here because the tasks package is slow to import (tested equal)."""
HeldoutPercentOption = Annotated[
    int,
    typer.Option(
        min=0,
        max=100,
        help="Tasks held out, by a stable hash of the id; a task whose metadata names its split keeps it "
        "(the generated suite's held-out tasks never reach training).",
    ),
]
