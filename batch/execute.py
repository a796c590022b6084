"""The library entry point of a batch run, behind `sandloop run` and `sandloop rollouts`: the run's
identity (its config and default dir), the selected tasks, and the run itself on local threads or Ray."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from agent.models.base import ChatModel
from batch.config import GROWABLE, RunConfig
from batch.errors import BatchError
from batch.run import RecordSink, in_order, open_run, pending, run_batch
from batch.sample_records import SampleKey, SampleRecord
from batch.selection import select
from tasks.spec import TaskSpec
from tasks.suites import load_suite

if TYPE_CHECKING:
    from sandbox.remote import RemoteConfig

ExecutorName = Literal["local", "ray"]
Watch = Callable[[list[SampleRecord]], AbstractContextManager[RecordSink]]
"""Given the samples already counted, a context (progress bars) that hears of each new record."""


def default_run_dir(config: RunConfig) -> Path:
    """runs/<suite>-<mode>-<config hash>: the same config resumes its own run, another gets another dir; the
    hash leaves out -n and --limit, so raising them extends the run."""
    identity = config.model_dump_json(exclude=set(GROWABLE))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:8]
    suite = re.sub(r"[^A-Za-z0-9._-]+", "-", config.suite).strip("-.")[-40:] or "suite"
    return Path("runs") / f"{suite}-{config.mode}-{digest}"


@dataclass(frozen=True)
class PreparedRun:
    """A run whose dir is claimed for its config: what is selected, what is already finished."""

    config: RunConfig
    tasks: list[TaskSpec]
    """The selected tasks, in order."""
    everything: list[TaskSpec]
    """The whole suite (the oracle model looks answers up in it)."""
    run_dir: Path
    finished: dict[SampleKey, SampleRecord]

    def records(self) -> list[SampleRecord]:
        """The selected samples finished so far, in task and sample order."""
        return in_order(self.tasks, self.config.samples, self.finished)

    def has_pending(self) -> bool:
        return bool(pending(self.tasks, self.config.samples, self.finished))


def prepare_run(config: RunConfig, run_dir: Path | None = None) -> PreparedRun:
    """Load and select the tasks, then claim the run dir (default: `default_run_dir`) before any model loads,
    so a refused resume fails fast. Raises TaskError or BatchError."""
    everything = load_suite(config.suite)
    tasks = select(everything, config.limit, config.ids, config.shard)
    if not tasks:
        raise BatchError(f"no tasks selected from {config.suite}")
    directory = run_dir or default_run_dir(config)
    return PreparedRun(config, tasks, everything, directory, open_run(directory, config))


def _counted(prepared: PreparedRun) -> list[SampleRecord]:
    # Samples without a verdict are run again: a watcher counts them when they are done this time.
    return [record for record in prepared.records() if record.has_verdict]


def execute_run(
    prepared: PreparedRun,
    workers: int,
    executor: ExecutorName = "local",
    address: str | None = None,
    watch: Watch | None = None,
    remote: RemoteConfig | None = None,
) -> list[SampleRecord]:
    """Run every pending sample; every selected sample's latest record, in task and sample order. With
    `remote`, jobs run on those `sandloop serve` processes instead of a local pool.

    Model and Ray set-up failures are BatchErrors with a one-line message; sandbox errors and
    KeyboardInterrupt pass through (finished samples are saved either way)."""
    if executor == "ray":
        return _execute_on_ray(prepared, workers, address, watch, remote)
    return _execute_locally(prepared, workers, watch, remote)


def _watching(prepared: PreparedRun, watch: Watch | None) -> AbstractContextManager[RecordSink | None]:
    return watch(_counted(prepared)) if watch is not None else nullcontext(None)


def _execute_locally(
    prepared: PreparedRun, workers: int, watch: Watch | None, remote: RemoteConfig | None
) -> list[SampleRecord]:
    from agent.models.serialized import shareable
    from batch.sample import SampleRunner
    from batch.workers import LocalExecutor
    from sandbox import open_sandbox
    from tasks.pools import pool_config_for, worker_pool_size

    config = prepared.config
    pool = open_sandbox(pool_config_for(prepared.tasks, worker_pool_size(workers)), remote)
    built: ChatModel | None = None
    model: ChatModel | None = None
    try:
        # The containers come up while the model loads (in-process weights take a while).
        with ThreadPoolExecutor(1, thread_name_prefix="sandloop-pool-start") as starter:
            starting = starter.submit(pool.start)
            built = _build_model(config, prepared.everything)
            model = shareable(built)
            if config.mode == "agent":
                import agent.solve  # noqa: F401  LangGraph takes seconds to import: now, not in the first sample
        starting.result()
        sampler = SampleRunner(model, pool, config, prepared.run_dir)
        with _watching(prepared, watch) as sink:
            return run_batch(
                prepared.tasks,
                config,
                sampler,
                prepared.run_dir,
                LocalExecutor(workers),
                sink,
                prepared.finished,
            )
    finally:
        close_models([model, built])
        pool.close()


def close_models(models: list[ChatModel | None]) -> None:
    """Stop the micro-batcher's thread, then the in-process engine (each once): left running, they kept
    `sandloop run --backend vllm` alive after its summary was printed."""
    closed: list[ChatModel] = []
    for each in models:
        close = getattr(each, "close", None)
        if each is not None and callable(close) and not any(each is done for done in closed):
            close()
            closed.append(each)


def _execute_on_ray(
    prepared: PreparedRun, workers: int, address: str | None, watch: Watch | None, remote: RemoteConfig | None
) -> list[SampleRecord]:
    """Samples as Ray tasks: each Ray worker builds its own model and sandbox pool where it runs."""
    from batch.ray_workers import PortableSampler, RayExecutor, gpus_per_worker
    from tasks.pools import worker_pool_size

    if prepared.config.backend == "openai":
        # the workers build (and probe) their own models; a down endpoint must fail here first, in one line
        _build_model(prepared.config, prepared.everything)
    try:
        executor = RayExecutor(workers, address, gpus_per_worker(prepared.config))
    except (ImportError, ConnectionError, RuntimeError) as error:
        raise BatchError(
            f"Ray is not available ({str(error).strip().splitlines()[0]}): pip install 'sandloop[ray]'"
        ) from None
    sampler = PortableSampler(
        config=prepared.config,
        run_dir=prepared.run_dir.resolve(),
        tasks=prepared.everything,
        pool_size=worker_pool_size(executor.samples_per_worker),
        remote=remote,
    )
    with _watching(prepared, watch) as sink:
        return run_batch(
            prepared.tasks, prepared.config, sampler, prepared.run_dir, executor, sink, prepared.finished
        )


def _build_model(config: RunConfig, everything: list[TaskSpec]) -> ChatModel:
    """The run's model, its endpoint checked (`build_model` probes it) before the first sample."""
    from agent.models.factory import build_model

    try:
        return build_model(config.backend, config.model, config.base_url, everything)
    except (RuntimeError, ValueError, OSError, ImportError) as error:  # ModelError is a RuntimeError
        raise BatchError(str(error).strip().splitlines()[0]) from None
