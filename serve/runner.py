"""Admission and execution: a bounded queue in front of the pool, so a burst is refused, never hoarded.

At most `slots` jobs run at once (one per warm container), at most `queue_size` requests wait; a request
beyond that is answered 429 at once. Once a shutdown starts, waiting requests are answered 503 and jobs
already running finish.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sandbox import Job, JobResult, SandboxPool

MAX_MEMORY_POOLS = 8
"""Pools of other memory limits a server keeps at most (each holds warm containers)."""


class Refused(Exception):
    """The request was not taken: the queue is full (429) or the server is shutting down (503)."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


class JobRunner:
    """Runs jobs on the pool for the requests it admitted; lives on the server's event loop."""

    def __init__(self, pool: SandboxPool, queue_size: int) -> None:
        self.pool = pool
        self._by_memory: dict[int, SandboxPool] = {}
        """Pools of other memory limits, started on first use (a container's limit is its job's limit)."""
        self._pools_lock = threading.Lock()
        self.slots = pool.config.size
        self.capacity = self.slots + queue_size
        self.admitted = 0
        self.draining = asyncio.Event()
        self._free = asyncio.Semaphore(self.slots)
        self._threads = ThreadPoolExecutor(self.slots, thread_name_prefix="serve-job")

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Hold a place for one request while it is served; refuse when none is left."""
        if self.draining.is_set():
            raise Refused(503, "the server is shutting down")
        if self.admitted >= self.capacity:
            raise Refused(429, f"queue full: {self.admitted} requests admitted (capacity {self.capacity})")
        self.admitted += 1
        try:
            yield
        finally:
            self.admitted -= 1

    async def _slot(self) -> None:
        if not self._free.locked():
            await self._free.acquire()
            return
        acquire = asyncio.ensure_future(self._free.acquire())
        drain = asyncio.ensure_future(self.draining.wait())
        try:
            await asyncio.wait({acquire, drain}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # the caller was cancelled: give back a slot it may just have got
            self._give_back(acquire, drain)
            raise
        if acquire.done() and not self.draining.is_set():
            drain.cancel()
            return
        self._give_back(acquire, drain)
        raise Refused(503, "the server is shutting down")

    def _give_back(self, acquire: asyncio.Future[Any], drain: asyncio.Future[Any]) -> None:
        drain.cancel()
        if acquire.done() and not acquire.cancelled():
            self._free.release()
        else:
            acquire.cancel()

    def takes_memory(self, memory_mb: int | None) -> bool:
        """Whether a job may ask for containers of `memory_mb` (a new limit needs a new pool, and they are few)."""
        if memory_mb is None or memory_mb == self.pool.config.memory_mb:
            return True
        with self._pools_lock:
            return memory_mb in self._by_memory or len(self._by_memory) < MAX_MEMORY_POOLS

    def pool_for(self, memory_mb: int | None) -> SandboxPool:
        """The pool whose containers have `memory_mb` (None: the server's own pool)."""
        if memory_mb is None or memory_mb == self.pool.config.memory_mb:
            return self.pool
        with self._pools_lock:
            if memory_mb not in self._by_memory:
                config = self.pool.config.model_copy(update={"memory_mb": memory_mb})
                self._by_memory[memory_mb] = SandboxPool(config)
            return self._by_memory[memory_mb]

    async def run(self, job: Job, memory_mb: int | None = None) -> JobResult:
        """The job's result (in a container of `memory_mb`, default the server's); the container stays taken
        until the job ends, even if the caller stops waiting."""
        await self._slot()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._threads, self.pool_for(memory_mb).run, job)
        future.add_done_callback(lambda _: self._free.release())
        return await asyncio.shield(future)

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        with self._pools_lock:
            for pool in self._by_memory.values():
                pool.close()
