"""Where samples run: the seam between a batch run and its workers. `local` is threads in this process; a
distributed executor (Ray) implements the same protocol."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from itertools import islice
from typing import Literal, Protocol, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")
ExecutorName = Literal["local", "ray"]


class Executor(Protocol):
    """Runs `work` over items concurrently and hands results back as each one finishes."""

    def map_unordered(self, work: Callable[[In], Out], items: Sequence[In]) -> Iterator[Out]:
        """Results in completion order. An exception in `work` (KeyboardInterrupt included) is raised here, and
        the items not started yet are dropped."""
        ...


class LocalExecutor:
    """Worker threads: the sandbox pool is thread-safe and the model is shared by `agent.models.serialized.shareable`
    (a served model called concurrently, an in-process vLLM engine through a micro-batcher, others behind a
    lock)."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)

    def map_unordered(self, work: Callable[[In], Out], items: Sequence[In]) -> Iterator[Out]:
        # Two items per worker in flight: the workers never wait for the next, and an interrupt or an error
        # leaves few started (the rest are never submitted).
        window = 2 * self.workers
        queue = iter(items)
        threads = ThreadPoolExecutor(self.workers, thread_name_prefix="sandloop-sample")
        try:
            running = {threads.submit(work, item) for item in islice(queue, window)}
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                # Results before errors: a sample that finished beside a failing one is still handed back.
                for future in sorted(done, key=lambda f: f.exception() is not None):
                    yield future.result()
                running |= {threads.submit(work, item) for item in islice(queue, len(done))}
        finally:
            # On an error or an interrupt the samples in flight finish in their threads; nothing new starts.
            threads.shutdown(wait=False, cancel_futures=True)


def make_executor(
    name: ExecutorName, workers: int, address: str | None = None, num_gpus: float = 0.0
) -> Executor:
    """`num_gpus`: what each Ray worker asks for (see `batch.ray_workers.gpus_per_worker`)."""
    if name == "local":
        return LocalExecutor(workers)
    if name == "ray":
        from batch.ray_workers import RayExecutor  # Ray is optional and slow to import

        return RayExecutor(workers, address, num_gpus)
    raise ValueError(f"unknown executor {name!r}")
