"""`sandloop run`: every task of a suite, n samples each, single-shot or through the agent; graded on the
hidden tests, resumable, summarized as pass@k.

`--backend oracle` (left out of the help on purpose) answers every task with its reference solution: it
measures the infrastructure (graph, checkpoints, sandbox, results files) and is never a model's result.
"""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
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

from cli.errors import fail, sandbox_errors

if TYPE_CHECKING:
    from agent.models.base import ChatModel
    from batch.config import RunConfig
    from batch.sample_records import SampleKey, SampleRecord
    from tasks.spec import TaskSpec

console = Console(highlight=False)
BACKENDS = ("transformers", "openai", "vllm")
ORACLE = "oracle"  # agent.models.factory.ORACLE; not imported here so `--help` stays fast


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
        if record.status != "infra_error":
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


def default_run_dir(config: RunConfig) -> Path:
    """runs/<suite>-<mode>-<config hash>: the same command resumes its own run, another config gets another dir."""
    digest = hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:8]
    suite = re.sub(r"[^A-Za-z0-9._-]+", "-", config.suite).strip("-.")[-40:] or "suite"
    return Path("runs") / f"{suite}-{config.mode}-{digest}"


def build_model(backend: str, model: str | None, base_url: str | None, tasks: list[TaskSpec]) -> ChatModel:
    from agent.models.factory import build_model as build

    try:
        return build(backend, model, base_url, tasks)
    except (RuntimeError, ValueError, OSError, ImportError) as error:  # ModelError is a RuntimeError
        raise fail(str(error).strip().splitlines()[0]) from None


def run(
    suite: Annotated[str, typer.Argument(help="humaneval, mbpp:PATH, stdio:PATH or jsonl:PATH.")],
    model: Annotated[
        str | None, typer.Option(help="HF dir, .gguf file, or served name (default: the backend's).")
    ] = None,
    backend: Annotated[str, typer.Option(help="transformers | openai | vllm.")] = "transformers",
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible endpoint (--backend openai).")
    ] = None,
    mode: Annotated[Mode, typer.Option(help="The agent's loop, or one model call per sample.")] = Mode.agent,
    samples: Annotated[
        int, typer.Option("-n", "--samples", min=1, help="Samples per task (pass@k, k ≤ n).")
    ] = 1,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N tasks.")] = None,
    ids: Annotated[str | None, typer.Option(help="Only these task ids, comma-separated.")] = None,
    shard: Annotated[str | None, typer.Option(help="Only shard i/n of the tasks (i from 0).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Samples run at once.")] = 4,
    out: Annotated[
        Path | None, typer.Option(help="Run dir (default: runs/<suite>-<mode>-<config hash>).")
    ] = None,
    max_steps: Annotated[int, typer.Option(min=1, help="Most model calls of an agent sample.")] = 6,
    max_tokens: Annotated[int, typer.Option(min=1, help="Most tokens per reply.")] = 512,
    plan: Annotated[bool, typer.Option(help="Agent: ask for a plan before the first code.")] = True,
    temperature: Annotated[float, typer.Option(min=0.0, max=2.0, help="Sampling temperature.")] = 0.6,
    executor: Annotated[
        ExecutorChoice,
        typer.Option(help="local: threads here; ray: Ray tasks, each worker with its own pool and model."),
    ] = ExecutorChoice.local,
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address (--executor ray; default: start a local Ray).")
    ] = None,
) -> None:
    """Run a suite's tasks, n samples each, graded on the hidden tests; print pass@k.

    Finished samples go to RUN_DIR/results.jsonl as they finish: the same command again resumes.
    Exit code 1 when samples are left without a verdict (infra errors).
    """
    from agent.config import AgentConfig
    from agent.models.base import Sampling
    from batch.config import RunConfig
    from batch.errors import BatchError
    from batch.run import in_order, open_run, pending
    from batch.selection import parse_ids, select
    from batch.summary import summarize
    from batch.tables import summary_table
    from tasks import TaskError, load_suite

    if backend not in (*BACKENDS, ORACLE):
        raise fail(f"--backend {backend!r}: expected {', '.join(BACKENDS[:-1])} or {BACKENDS[-1]}")
    try:
        id_list = parse_ids(ids) if ids is not None else None
        config = RunConfig(
            suite=suite,
            backend=backend,
            model=model,
            base_url=base_url,
            mode=mode.value,
            samples=samples,
            limit=limit,
            ids=id_list,
            shard=shard,
            agent=AgentConfig(
                max_steps=max_steps,
                max_tokens=max_steps * max_tokens,
                plan=plan,
                sampling=Sampling(temperature=temperature, max_tokens=max_tokens),
            ),
        )
        everything = load_suite(suite)
        tasks = select(everything, limit, id_list, shard)
        if not tasks:
            raise BatchError(f"no tasks selected from {suite}")
        run_dir = out or default_run_dir(config)
        finished = open_run(run_dir, config)  # before the model loads: a refused resume fails fast
    except (TaskError, BatchError) as error:
        raise fail(str(error)) from None
    records = in_order(tasks, samples, finished)
    console.print(
        f"[bold]{suite}[/]: {len(tasks)} tasks × {samples} samples, {mode.value}, {backend}"
        f"{': ' + model if model else ''}; run dir {run_dir}"
        + (f" (resuming: {len(records)} samples already finished)" if records else "")
    )
    if pending(tasks, samples, finished):
        if executor == ExecutorChoice.ray:
            records = _run_on_ray(config, tasks, everything, run_dir, finished, workers, address)
        else:
            records = _run(config, tasks, everything, run_dir, finished, workers)
    summary = summarize(records, samples)
    console.print(summary_table(summary, title=f"{suite}: {mode.value}, n={samples}"))
    console.print(f"results: {run_dir / 'results.jsonl'}")
    model_errors = summary.exit_statuses.get("model_error", 0)
    if model_errors:
        console.print(
            f"[yellow]{model_errors} samples ended in model_error (the model backend failed; see their "
            "message or trajectory): they count as failures[/]"
        )
    if summary.infra_errors:
        console.print(
            f"[magenta]{summary.infra_errors} samples have no verdict (infra_error) and are not in n: "
            "run the same command again to grade them again[/]"
        )
        raise typer.Exit(1)


def _run(
    config: RunConfig,
    tasks: list[TaskSpec],
    everything: list[TaskSpec],
    run_dir: Path,
    finished: dict[SampleKey, SampleRecord],
    workers: int,
) -> list[SampleRecord]:
    """Load the model, start the pool, run what is left under progress bars; exit 130 on an interrupt."""
    from agent.models.serialized import shareable
    from batch.run import in_order, run_batch
    from batch.sample import SampleRunner
    from batch.sample_records import ResultsLog
    from batch.workers import LocalExecutor
    from sandbox import PoolConfig, SandboxPool
    from tasks.spec import languages_needed

    pool_config = PoolConfig(
        size=min(workers, PoolConfig().size),
        memory_mb=max(task.memory_mb for task in tasks),
        languages=languages_needed(tasks),
    )
    pool = SandboxPool(pool_config)
    try:
        # The containers come up while the model loads (in-process weights take a while).
        with ThreadPoolExecutor(1, thread_name_prefix="sandloop-pool-start") as starter:
            starting = starter.submit(pool.start)
            chat_model = shareable(build_model(config.backend, config.model, config.base_url, everything))
            if config.mode == "agent":
                import agent.solve  # noqa: F401  LangGraph takes seconds to import: now, not in the first sample
        with sandbox_errors():
            starting.result()
            # Infra-error samples are run again: the bars count them when they are done this time.
            counted = [r for r in in_order(tasks, config.samples, finished) if r.status != "infra_error"]
            sampler = SampleRunner(chat_model, pool, config, run_dir)
            with RunProgress(console, tasks, config.samples, counted) as view:
                return run_batch(tasks, config, sampler, run_dir, LocalExecutor(workers), view, finished)
    except KeyboardInterrupt:
        selected = {task.id for task in tasks}
        saved = sum(task_id in selected for task_id, _ in ResultsLog(run_dir).load())
        console.print(f"[yellow]interrupted[/]: {saved} samples are saved; run the same command to resume")
        raise typer.Exit(130) from None
    finally:
        pool.close()


def _run_on_ray(
    config: RunConfig,
    tasks: list[TaskSpec],
    everything: list[TaskSpec],
    run_dir: Path,
    finished: dict[SampleKey, SampleRecord],
    workers: int,
    address: str | None,
) -> list[SampleRecord]:
    """Samples as Ray tasks: each Ray worker builds its own model and sandbox pool where it runs."""
    from batch.ray_workers import PortableSampler, RayExecutor
    from batch.run import in_order, run_batch

    try:
        executor = RayExecutor(workers, address)
    except (ImportError, ConnectionError, RuntimeError) as error:
        raise fail(
            f"Ray is not available ({str(error).strip().splitlines()[0]}): pip install 'sandloop[ray]'"
        ) from None
    sampler = PortableSampler(config=config, run_dir=run_dir.resolve(), tasks=everything)
    counted = [r for r in in_order(tasks, config.samples, finished) if r.status != "infra_error"]
    with RunProgress(console, tasks, config.samples, counted) as view:
        return run_batch(tasks, config, sampler, run_dir, executor, view, finished)


if __name__ == "__main__":
    typer.run(run)
