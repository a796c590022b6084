"""Samples as Ray tasks on a Ray cluster: each worker builds its own sandbox pool and model where it runs.

The driver keeps the results file: records come back to it as they finish, exactly as with the local
executor. Agent checkpoints and trajectories are written under the run dir by the worker that ran the sample,
so on a multi-node cluster the run dir must be on a file system every node mounts.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from agent.models.factory import build_model
from batch.config import RunConfig
from batch.errors import BatchError
from batch.sample import SampleJob, SampleRunner
from batch.sample_records import SampleRecord
from tasks.spec import TaskSpec

if TYPE_CHECKING:
    from sandbox.remote import RemoteConfig

In = TypeVar("In")
Out = TypeVar("Out")


GPU_BACKENDS = frozenset({"vllm"})
"""Backends whose engine runs on a GPU in the worker that builds it (in-process vLLM)."""


def gpus_per_worker(config: RunConfig) -> float:
    """GPUs each Ray worker asks for: one for an in-process vLLM engine (Ray then sets the worker's
    CUDA_VISIBLE_DEVICES), none for a backend that calls a server or runs on the CPU."""
    return 1.0 if config.backend in GPU_BACKENDS else 0.0


@dataclass
class PortableSampler:
    """A sampler that can be shipped to another process: it builds its model and sandbox pool on first use,
    in whichever process it runs (a Ray worker on any node), and reuses them for every later sample there."""

    config: RunConfig
    run_dir: Path
    tasks: list[TaskSpec]
    pool_size: int = 1
    remote: RemoteConfig | None = None
    """`sandloop serve` processes to grade on instead of a pool of this worker's own."""
    _runner: SampleRunner | None = field(default=None, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "run_dir": self.run_dir,
            "tasks": self.tasks,
            "pool_size": self.pool_size,
            "remote": self.remote,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def __call__(self, job: SampleJob) -> SampleRecord:
        with self._lock:
            if self._runner is None:
                from agent.models.serialized import shareable
                from sandbox import open_sandbox
                from tasks.pools import pool_config_for

                pool = open_sandbox(pool_config_for(self.tasks, self.pool_size), self.remote)
                pool.start()
                atexit.register(pool.close)
                config = self.config
                model = shareable(build_model(config.backend, config.model, config.base_url, self.tasks))
                self._runner = SampleRunner(model, pool, config, self.run_dir)
        return self._runner(job)

    def close(self) -> None:
        """Close the pool now (otherwise at process exit)."""
        with self._lock:
            if self._runner is not None:
                self._runner.pool.close()
                self._runner = None


class RayExecutor:
    """`workers` Ray actors, each with its own sampler state, one sample at a time and one more queued.

    With `num_gpus` per actor (an in-process vLLM engine each), there are no more actors than the cluster has
    GPUs for, and the `workers` samples asked for run in flight spread over them: each actor runs several at
    once on threads, and its engine batches their calls (see `agent.models.batching`)."""

    def __init__(self, workers: int, address: str | None = None, num_gpus: float = 0.0) -> None:
        import ray

        requested = max(1, workers)
        self.workers = requested
        self.num_gpus = num_gpus
        self.samples_per_worker = 1
        """Samples one actor runs at once (its threads)."""
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        if num_gpus > 0:
            # an actor asking for a GPU the cluster lacks never starts, and its samples would wait forever
            gpus = float(ray.cluster_resources().get("GPU", 0.0))
            fitting = int(gpus // num_gpus)
            if fitting < 1:
                raise BatchError(
                    f"each Ray worker needs {num_gpus:g} GPU for its vLLM engine; the Ray cluster has {gpus:g}"
                )
            self.workers = min(requested, fitting)
            self.samples_per_worker = -(-requested // self.workers)

    def map_unordered(self, work: Callable[[In], Out], items: Sequence[In]) -> Iterator[Out]:
        import ray

        @ray.remote
        class Worker:
            def __init__(self, work: Callable[[In], Out]) -> None:
                self.work = work

            def run(self, item: In) -> Out:
                return self.work(item)

        options = {"num_gpus": self.num_gpus, "max_concurrency": self.samples_per_worker}
        spawn = Worker.options(**options)  # type: ignore[attr-defined]
        actors = [spawn.remote(work) for _ in range(self.workers)]
        queue = iter(items)
        running: dict[Any, Any] = {}

        def submit(actor: Any) -> None:
            item = next(queue, None)
            if item is not None:
                running[actor.run.remote(item)] = actor

        try:
            for actor in actors:
                for _ in range(self.samples_per_worker + 1):  # one more than it runs: no wait between samples
                    submit(actor)
            while running:
                (done,), _ = ray.wait(list(running), num_returns=1)
                actor = running.pop(done)
                result: Out = ray.get(done)
                yield result
                submit(actor)
        finally:
            for actor in actors:
                ray.kill(actor)
