"""Jobs run on a few threads with a bounded number in flight, results in job order: what the local pool and
the remote servers both do with many jobs, so that `jobs` may be an endless iterator."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from sandbox.models import Job, JobResult


def run_windowed(
    run: Callable[[Job], JobResult], jobs: Iterable[Job], threads: int, window: int, name: str
) -> Iterator[JobResult]:
    """`run(job)` for each job on `threads` threads, at most `window` in flight; results in job order."""
    workers = ThreadPoolExecutor(threads, thread_name_prefix=name)
    try:
        pending: deque[Future[JobResult]] = deque()
        for job in jobs:
            pending.append(workers.submit(run, job))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        # On an interrupt or an error, the jobs in flight end when their sandbox closes (local containers'
        # connections are shut down, remote calls time out): waiting for them here would hold the close back.
        workers.shutdown(wait=False, cancel_futures=True)
