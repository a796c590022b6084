"""`sandloop run`: every task of a suite, n samples each, single-shot or through the agent; graded on the
hidden tests, resumable, summarized as pass@k.

`--backend oracle` (left out of the help on purpose) answers every task with its reference solution: it
measures the infrastructure (graph, checkpoints, sandbox, results files) and is never a model's result.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from agent.models.backends import ORACLE, check_backend
from cli.errors import fail, sandbox_errors
from cli.options import (
    DEFAULT_MAX_STEPS,
    DEFAULT_WORKERS,
    BackendOption,
    BaseUrlOption,
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
    agent_config,
)
from cli.sandbox_options import TOKEN_ENV, SandboxTokenEnv, SandboxUrls, remote_sandbox

if TYPE_CHECKING:
    from agent.models.presets import PresetOverrides
    from batch.config import RunConfig
    from batch.execute import PreparedRun
    from batch.sample_records import SampleRecord
    from batch.summary import Summary
    from sandbox.remote import RemoteConfig
    from tasks.spec import TaskSpec

console = Console(highlight=False)


class Mode(StrEnum):
    agent = "agent"
    single_shot = "single-shot"


class ExecutorChoice(StrEnum):
    local = "local"
    ray = "ray"


class RunProgress:
    """Bars for tasks and samples done, with the pass rate and tokens so far and the time left."""

    def __init__(
        self, out: Console, tasks: list[TaskSpec], samples: int, finished: list[SampleRecord]
    ) -> None:
        self.samples = samples
        self.left = {task.id: samples for task in tasks}
        self.counted = self.passed = self.tokens = 0
        self.progress = Progress(
            TextColumn("{task.description:>7}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=out,
        )
        self.task_bar = self.progress.add_task("tasks", total=len(tasks), info="")
        self.sample_bar: TaskID = self.progress.add_task("samples", total=len(tasks) * samples, info="")
        for record in finished:
            self._count(record)
        self.progress.update(self.task_bar, completed=sum(not left for left in self.left.values()))
        self.progress.update(self.sample_bar, completed=len(finished), info=self._info())

    def _count(self, record: SampleRecord) -> None:
        self.left[record.task_id] -= 1
        self.tokens += record.tokens
        if record.has_verdict:  # pending samples (infra or model errors) are not in the pass rate
            self.counted += 1
            self.passed += record.passed

    def _info(self) -> str:
        rate = f"{100 * self.passed / self.counted:.1f}%" if self.counted else "-"
        return f"pass {rate} · {self.tokens:,} tokens"

    def __call__(self, record: SampleRecord) -> None:
        self._count(record)
        if not self.left[record.task_id]:
            self.progress.advance(self.task_bar)
        self.progress.update(self.sample_bar, advance=1, info=self._info())

    def __enter__(self) -> RunProgress:
        self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.progress.stop()


def run(
    suite: SuiteArgument,
    model: ModelOption = None,
    backend: BackendOption = "transformers",
    base_url: BaseUrlOption = None,
    preset: PresetOption = None,
    mode: Annotated[Mode, typer.Option(help="The agent's loop, or one model call per sample.")] = Mode.agent,
    samples: SamplesOption = 1,
    limit: LimitOption = None,
    ids: IdsOption = None,
    shard: Annotated[str | None, typer.Option(help="Only shard i/n of the tasks (i from 0).")] = None,
    workers: WorkersOption = DEFAULT_WORKERS,
    out: Annotated[
        Path | None, typer.Option(help="Run dir (default: runs/<suite>-<mode>-<config hash>).")
    ] = None,
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
    executor: Annotated[
        ExecutorChoice,
        typer.Option(help="local: threads here; ray: Ray tasks, each worker with its own pool and model."),
    ] = ExecutorChoice.local,
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address (--executor ray; default: start a local Ray).")
    ] = None,
    json_line: Annotated[
        bool, typer.Option("--json", help="Print the summary (as in RUN_DIR/summary.json) as the last line.")
    ] = False,
    sandbox_url: SandboxUrls = None,
    sandbox_token_env: SandboxTokenEnv = TOKEN_ENV,
) -> None:
    """Run a suite's tasks, n samples each, graded on the hidden tests; print pass@k.

    Finished samples go to RUN_DIR/results.jsonl as they finish: the same command again resumes, and with a
    larger -n or --limit extends the run (only the missing samples run). The figures go to RUN_DIR/summary.json.
    Exit code 1 when samples are left without a verdict (infra or model errors: pending, run again on resume).
    """
    from agent.models.presets import PresetOverrides
    from batch.summary_file import write_run_summary

    overrides = PresetOverrides(
        temperature=temperature, top_p=top_p, top_k=top_k, min_p=min_p, presence_penalty=presence_penalty,
        max_tokens=max_tokens, max_seconds=max_seconds, plan=plan, system_prompt=system_prompt,
        native_tools=native_tools, restart=restart,
    )  # fmt: skip
    config = run_config(
        suite, backend, model, base_url, mode, samples, limit, ids, shard, preset, overrides, max_steps,
        max_total_tokens,
    )  # fmt: skip
    remote = remote_sandbox(sandbox_url, sandbox_token_env)
    prepared, records = run_suite(config, out, workers, executor, address, remote)
    summary = report(config, records, prepared.run_dir)
    document = write_run_summary(config, prepared.run_dir, summary)
    if json_line:
        print(document.model_dump_json(), flush=True)
    if summary.pending:
        raise typer.Exit(1)


def run_config(
    suite: str,
    backend: str,
    model: str | None,
    base_url: str | None,
    mode: Mode,
    samples: int,
    limit: int | None,
    ids: str | None,
    shard: str | None,
    preset: str | None,
    overrides: PresetOverrides,
    max_steps: int,
    max_total_tokens: int | None,
) -> RunConfig:
    """The options as a run config, the model preset resolved (one-line errors for bad ones)."""
    from agent.models.embedded import default_model
    from batch.config import RunConfig
    from batch.selection import parse_ids

    try:
        check_backend(backend, oracle=True)
        # the default model is written into the run's config by name, so a later default cannot resume it
        model = model or (None if backend == ORACLE else default_model())
        model_name = model or ORACLE
        return RunConfig(
            suite=suite,
            backend=backend,
            model=model,
            base_url=base_url,
            mode=mode.value,
            samples=samples,
            limit=limit,
            ids=parse_ids(ids) if ids is not None else None,
            shard=shard,
            agent=agent_config(model_name, preset, overrides, max_steps, max_total_tokens),
        )
    except ValueError as error:  # BatchError is one
        raise fail(str(error)) from None


def run_suite(
    config: RunConfig,
    out: Path | None,
    workers: int,
    executor: ExecutorChoice,
    address: str | None,
    remote: RemoteConfig | None = None,
) -> tuple[PreparedRun, list[SampleRecord]]:
    """Claim the run dir, say what runs, run what is left under progress bars; exit 130 on an interrupt."""
    from batch.errors import BatchError
    from batch.execute import execute_run, prepare_run
    from batch.sample_records import ResultsLog
    from tasks import TaskError

    try:
        prepared = prepare_run(config, out)
    except (TaskError, BatchError) as error:
        raise fail(str(error)) from None
    records = prepared.records()
    console.print(
        f"[bold]{config.suite}[/]: {len(prepared.tasks)} tasks × {config.samples} samples, {config.mode}, "
        f"{config.backend}{': ' + config.model if config.model else ''}; run dir {prepared.run_dir}"
        + (f" (resuming: {len(records)} samples already finished)" if records else "")
    )
    if not prepared.has_pending():
        return prepared, records

    def watch(counted: list[SampleRecord]) -> RunProgress:
        return RunProgress(console, prepared.tasks, config.samples, counted)

    try:
        with sandbox_errors():
            return prepared, execute_run(prepared, workers, executor.value, address, watch, remote)
    except BatchError as error:
        raise fail(str(error)) from None
    except KeyboardInterrupt:
        selected = {task.id for task in prepared.tasks}
        saved = sum(task_id in selected for task_id, _ in ResultsLog(prepared.run_dir).load())
        console.print(f"[yellow]interrupted[/]: {saved} samples are saved; run the same command to resume")
        raise typer.Exit(130) from None


def report(config: RunConfig, records: list[SampleRecord], run_dir: Path) -> Summary:
    """Print the pass@k table and what is left to do."""
    from batch.summary import summarize
    from batch.tables import summary_table

    summary = summarize(records, config.samples)
    console.print(summary_table(summary, title=f"{config.suite}: {config.mode}, n={config.samples}"))
    console.print(f"results: {run_dir / 'results.jsonl'}")
    if summary.model_errors:
        console.print(
            f"[yellow]{summary.model_errors} samples are pending (model_error: the model backend failed; see "
            "their message or trajectory) and are not in n: run the same command again to run them again[/]"
        )
    if summary.infra_errors:
        console.print(
            f"[magenta]{summary.infra_errors} samples have no verdict (infra_error) and are not in n: "
            "run the same command again to grade them again[/]"
        )
    return summary


if __name__ == "__main__":
    typer.run(run)
