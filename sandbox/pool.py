"""A pool of warm sandbox containers: the API for one job and for many, sync and async, thread-safe.

Back-pressure is the pool's size: a job waits for an idle container. A container that dies or hangs is
replaced and its job retried once on the fresh one; a job that takes a second container down is the
job's doing (`error`), never `infra_error`. When the Docker engine itself stops answering, the jobs in
flight end as `infra_error` and every later `run` raises EngineLost until the engine answers again (restarted:
the pool then starts anew). A closed pool starts no container.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Self

import docker

from sandbox.config import PoolConfig
from sandbox.container import LABEL, WarmContainer
from sandbox.engine import ENGINE_ERRORS, connect, engine_answers
from sandbox.errors import ContainerLost, ContainerStartFailed, EngineLost, ImageMissing, SandboxError
from sandbox.image import executor_protocol as wire
from sandbox.image import recipe
from sandbox.models import MAX_JOB_BYTES, CasesJob, Job, JobResult, RunJob, TestJob
from sandbox.results import case_passed, interpret
from sandbox.windowed import run_windowed

OWNER_LABEL, HOST_LABEL = "sandloop.owner_pid", "sandloop.owner_host"


def executor_frame(job: Job) -> wire.ProgramFrame:
    """The job as the executor reads it (the expected outputs of cases stay in the host)."""
    program: wire.ProgramFields = {
        "v": wire.PROTOCOL_VERSION,
        "language": job.language,
        "source": job.source,
        "files": job.files,
        "binary_files": {
            name: base64.b64encode(data).decode("ascii") for name, data in job.binary_files.items()
        },
        "timeout_s": job.limits.timeout_s,
        "cpu_time_s": job.limits.cpu_time_s,
        "output_limit": job.limits.output_limit_bytes,
        "compile_timeout_s": job.limits.compile_timeout_s,
    }
    if isinstance(job, RunJob):
        return {**program, "kind": "run", "stdin": job.stdin, "fetch": job.fetch_files}
    if isinstance(job, TestJob):
        return {**program, "kind": "tests", "tests": job.tests, "entry_point": job.entry_point}
    return {**program, "kind": "cases", "inputs": [case.input for case in job.cases]}


def _runs(job: Job) -> int:
    return len(job.cases) if isinstance(job, CasesJob) else 1


class SandboxPool:
    """`with SandboxPool() as pool: pool.run(job)`; `pool.run_many(jobs)`; `await pool.arun(job)`."""

    def __init__(self, config: PoolConfig | None = None, client: docker.DockerClient | None = None) -> None:
        self.config = config or PoolConfig()
        self.languages = recipe.language_set(self.config.languages)
        """What the pool's jobs may be written in."""
        self.image = self.config.image or recipe.image_tag(self.languages)
        self._client = client
        self._idle: queue.Queue[WarmContainer] = queue.Queue()
        self._all: set[WarmContainer] = set()
        self._lock = threading.Lock()
        self._members = threading.Lock()
        """Guards `_all` and `_closed` (`_lock` is held while containers start in other threads)."""
        self._started = False
        self._closed = False
        self._engine_lost: str | None = None
        self.pool_id = uuid.uuid4().hex[:12]
        """Value of the `sandloop.pool` label on this pool's containers."""
        self.phase_log: list[dict[str, int]] | None = None
        """Set to a list by the bench only: each job's executor phases and host times (ns) are appended."""

    # ------------------------------------------------------------ life cycle

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = connect()
        return self._client

    def start(self) -> Self:
        """Start every container (in parallel); raises SandboxError when that is not possible."""
        with self._lock:
            if self._started:
                return self
            self._closed = False
            try:
                self.client.images.get(self.image)
            except ENGINE_ERRORS as error:
                if not engine_answers(self.client):
                    raise EngineLost(f"the Docker engine stopped answering: {error}") from error
                build = "sandloop sandbox build"
                if self.languages != recipe.DEFAULT_LANGUAGES:
                    build += f" --languages {','.join(self.languages)}"
                raise ImageMissing(f"sandbox image {self.image} is missing: run `{build}`") from error
            remove_orphans(self.client)
            try:
                with ThreadPoolExecutor(self.config.size) as starter:
                    futures = [starter.submit(self._new_container) for _ in range(self.config.size)]
                    errors = [f.exception() for f in futures if f.exception() is not None]
            except BaseException:  # Ctrl-C: the containers still starting close themselves
                self._close_all()
                raise
            if errors:
                self._close_all()
                self._closed = False  # a failed start is not a close: a later `run` tries again
                raise errors[0]  # type: ignore[misc]
            self._started = True
        return self

    def close(self) -> None:
        with self._members:  # first, without waiting for a start in another thread: its containers see this
            self._closed = True
        with self._lock:
            self._close_all()
            self._started = False

    def _close_all(self) -> None:
        # Closing the connection is enough: each executor reads EOF once its current job (if any) ends, exits,
        # and Docker removes the container (auto-remove). Waiting for that would only slow every exit down.
        # A job blocked on its answer wakes up (ContainerLost) and, the pool being closed, starts nothing.
        with self._members:
            self._closed = True
            containers, self._all = list(self._all), set()
        for container in containers:
            container.disconnect()
        self._idle = queue.Queue()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _new_container(self) -> WarmContainer:
        labels = {
            "sandloop.pool": self.pool_id,
            OWNER_LABEL: str(os.getpid()),
            HOST_LABEL: socket.gethostname(),
        }
        if self._closed:
            raise ContainerStartFailed("the sandbox pool is closed")
        container = WarmContainer.start(self.client.api, self.config, self.image, labels)
        with self._members:
            if not self._closed:
                self._all.add(container)
                self._idle.put(container)
                return container
        container.disconnect()  # the pool closed while this one started
        raise ContainerStartFailed("the sandbox pool is closed")

    def _discard(self, container: WarmContainer) -> None:
        with self._members:
            self._all.discard(container)
        container.close()

    def _replace(self, error: ContainerStartFailed) -> JobResult:
        """The result of a job whose container could not be replaced; notes a lost engine."""
        if not self._closed and not engine_answers(self.client):
            self._engine_lost = (
                f"the Docker engine stopped answering during the run ({error}); the jobs in flight ended as "
                "infra errors"
            )
        return JobResult(status="infra_error", message=str(error))

    def _engine_back(self) -> None:
        """The engine answers again (restarted): forget the containers it lost; the next job starts the pool
        anew. A long training run outlives an engine restart instead of scoring nothing for the rest of it."""
        with self._lock:
            if self._engine_lost is None:
                return  # another thread got here first
            self._close_all()
            self._closed = False  # as after a failed start: not a close, a later `run` starts the pool
            self._started = False
            self._engine_lost = None

    # ------------------------------------------------------------ one job

    def run(self, job: Job) -> JobResult:
        """Run one job; blocks while every container is busy. Thread-safe."""
        began = time.perf_counter_ns()
        frame = executor_frame(job)
        encoded = json.dumps(frame, separators=(",", ":")).encode()
        size = len(encoded)
        encoded_at = time.perf_counter_ns()
        if size > MAX_JOB_BYTES:
            return JobResult(
                status="error", message=f"job of {size} bytes exceeds the {MAX_JOB_BYTES}-byte limit"
            )
        if self._engine_lost is not None:
            if not engine_answers(self.client):
                raise EngineLost(self._engine_lost)
            self._engine_back()
        if self._closed:
            return JobResult(status="infra_error", message="the sandbox pool is closed")
        if not self._started:
            try:
                self.start()
            except EngineLost:
                raise
            except SandboxError as error:
                return JobResult(status="infra_error", message=str(error))
        if job.language not in self.languages:
            return JobResult(
                status="infra_error",
                message=f"the pool's image {self.image} has no {job.language}: build one with "
                f"`sandloop sandbox build --languages {job.language}` and give the pool that language",
            )
        guard = (job.limits.timeout_s * wire.WALL_CLOCK_STRETCH + 1.0) * _runs(job) + self.config.guard_s
        if job.language != "python":
            guard += job.limits.compile_timeout_s * wire.WALL_CLOCK_STRETCH
        lost: list[str] = []
        for _ in range(2):
            container = self._acquire()
            if container is None:
                lost_all = "every sandbox container was lost and none restarts"
                return JobResult(
                    status="infra_error", message="the sandbox pool is closed" if self._closed else lost_all
                )
            acquired = time.perf_counter_ns()
            try:
                answer = self._answer(container, job, frame, encoded, guard)
            except ContainerLost as error:
                lost.append(str(error))
                self._discard(container)
                try:
                    self._new_container()
                except ContainerStartFailed as start_error:
                    return self._replace(start_error)
                continue
            answered = time.perf_counter_ns()
            with self._members:
                if container in self._all:  # not when the pool closed meanwhile
                    self._idle.put(container)
            result = interpret(job, answer)
            if self.phase_log is not None:
                host = {"host_encode": encoded_at - began, "host_acquire": acquired - encoded_at}
                host |= {"host_round_trip": answered - acquired}
                host["host_interpret"] = time.perf_counter_ns() - answered
                executor = answer.get("phases", {}) if answer["kind"] == "runs" else {}
                self.phase_log.append({**executor, **host})
            return result
        return JobResult(status="error", message=f"the job took down its sandbox container twice: {lost[-1]}")

    @staticmethod
    def _answer(
        container: WarmContainer, job: Job, frame: wire.ProgramFrame, encoded: bytes, guard: float
    ) -> wire.Answer:
        if not (isinstance(job, CasesJob) and job.fail_fast and frame["kind"] == "cases"):
            return container.execute(encoded, guard)
        # Outputs are judged in the host (expected outputs never enter the container): one case at a time.
        # A compiled language compiles once: the executor keeps the build for the same program.
        runs: list[wire.RunRecord] = []
        compiled: wire.RunRecord | None = None
        for case in job.cases:
            one_case: wire.CasesFrame = {**frame, "inputs": [case.input]}
            answer = container.execute(json.dumps(one_case).encode(), guard)
            if answer["kind"] != "runs":
                return answer
            compiled = answer["compile"]
            if not answer["runs"]:
                break  # the compile step failed
            runs += answer["runs"]
            if not case_passed(job, runs[-1], case):
                break
        return {"v": wire.PROTOCOL_VERSION, "kind": "runs", "runs": runs, "compile": compiled}

    def _acquire(self) -> WarmContainer | None:
        while True:
            try:
                return self._idle.get(timeout=1.0)
            except queue.Empty:
                if not self._all or self._closed:
                    return None

    async def arun(self, job: Job) -> JobResult:
        import asyncio  # only async callers pay for it

        return await asyncio.to_thread(self.run, job)

    # ------------------------------------------------------------ many jobs

    def iter_many(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        """Results in job order; at most two jobs per container are in flight, so `jobs` may be endless."""
        yield from run_windowed(self.run, jobs, self.config.size, 2 * self.config.size, "sandloop-job")

    def run_many(self, jobs: Iterable[Job]) -> list[JobResult]:
        return list(self.iter_many(jobs))

    async def arun_many(self, jobs: Iterable[Job]) -> list[JobResult]:
        import asyncio

        limit = asyncio.Semaphore(2 * self.config.size)

        async def one(job: Job) -> JobResult:
            async with limit:
                return await self.arun(job)

        return list(await asyncio.gather(*(one(job) for job in jobs)))


def process_alive(pid: int) -> bool:
    """Is there a process with this pid (one of another user counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphans(client: docker.DockerClient) -> int:
    """Remove sandbox containers left by dead processes of this host (a crash skips their cleanup)."""
    removed = 0
    host = socket.gethostname()
    # ignore_removed: containers of a pool that just closed are being auto-removed while we list them
    for container in client.containers.list(all=True, filters={"label": LABEL}, ignore_removed=True):
        labels = container.labels
        owner = labels.get(OWNER_LABEL, "")
        if labels.get(HOST_LABEL) == host and owner.isdigit() and not process_alive(int(owner)):
            with contextlib.suppress(*ENGINE_ERRORS):
                container.remove(force=True)
                removed += 1
    return removed
