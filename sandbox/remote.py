"""Sandboxes on other machines: `sandloop serve` processes reached over HTTP, used like a local pool.

Each job goes to the server with the fewest jobs in flight (round-robin among equals) through serve's
sandloop-native endpoint (`POST /sandloop/v1/run`): the server runs the very job on its pool and answers the
pool's `JobResult`, so a verdict is the one the local pool gives. A server that cannot take a job (connection
refused or lost, a timeout, 429, 5xx, an `infra_error`) is skipped for that job and put aside for a while; when
no server could run it the job ends as `infra_error`, which the one retry policy (tasks/infra_retry.py) retries
as it retries a local engine fault. Never a verdict made up here.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Self
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError, field_validator

from sandbox.config import PoolConfig
from sandbox.errors import SandboxError
from sandbox.image import executor_protocol as wire
from sandbox.image import recipe
from sandbox.models import CasesJob, Job, JobResult, Language
from sandbox.windowed import run_windowed

RUN_PATH = "/sandloop/v1/run"
INFO_PATH = "/sandloop/v1/info"
TOKEN_ENV = "SANDLOOP_SANDBOX_TOKEN"
"""Where the bearer token of remote sandbox servers is read from by default."""


class RemoteRunRequest(BaseModel):
    """The body of `POST /sandloop/v1/run`: one job, and the memory of the container it must run in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    job: Job
    """The job, exactly as a local pool would run it."""
    memory_mb: int | None = Field(None, ge=64, le=65536)
    """cgroup memory of the job's container (the client pool's `memory_mb`); None: the server's default."""


class ServerInfo(BaseModel):
    """`GET /sandloop/v1/info`: what a client checks before sending jobs, and the server's counters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_digest: str
    """Digest of the job and result shapes and the executor protocol: client and server must agree."""
    languages: list[str]
    """Languages the server's image runs."""
    slots: int
    """Jobs the server runs at once (its warm containers)."""
    jobs: int
    """Jobs run through `/sandloop/v1/run` since the server started."""


def schema_digest() -> str:
    """One value for the shapes both sides must share; another sandloop version gives another value."""
    shapes = [
        TypeAdapter(Job).json_schema(),
        JobResult.model_json_schema(),
        RemoteRunRequest.model_json_schema(),
        wire.PROTOCOL_VERSION,
    ]
    return hashlib.sha256(json.dumps(shapes, sort_keys=True).encode()).hexdigest()[:16]


class RemoteConfig(BaseModel):
    """Which `sandloop serve` processes to use, and how patiently."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    urls: tuple[str, ...] = Field(min_length=1)
    """Base URLs of the servers (`http://host:port`), jobs spread across them."""
    token: SecretStr | None = None
    """Bearer token the servers require (one for all); None: none sent."""
    connect_timeout_s: float = Field(5.0, gt=0)
    """How long to wait for a connection before trying another server."""
    put_aside_s: float = Field(5.0, ge=0)
    """How long a server that failed a job gets no new job while another server can take it."""
    in_flight_per_slot: int = Field(2, ge=1, le=64)
    """Jobs in flight per server slot (the server's warm containers), so no container waits for a round trip."""

    @field_validator("urls")
    @classmethod
    def _base_urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = []
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(
                    f"sandbox URL {url!r}: expected http://HOST:PORT (a `sandloop serve` address)"
                )
            cleaned.append(url.rstrip("/"))
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("a sandbox URL is given twice")
        return tuple(cleaned)


def remote_config(urls: Iterable[str], token_env: str = TOKEN_ENV) -> RemoteConfig | None:
    """The remote sandboxes at `urls` (None when there are none), the token read from `$token_env` if set."""
    listed = [url for url in urls if url]
    if not listed:
        return None
    token = os.environ.get(token_env, "").strip()
    return RemoteConfig(urls=tuple(listed), token=SecretStr(token) if token else None)


class RemoteRefused(SandboxError):
    """A sandbox server refused this client for good (bearer token, another sandloop, a language it lacks)."""


class ServersUnreachable(SandboxError):
    """No sandbox server answered."""


class _Fault(Exception):
    """This server could not run this job now: try another."""


class _Server:
    """One server as this client sees it: its capacity, what is in flight, when it last failed."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.slots = 1
        """Jobs the server runs at once (from its info; 1 until it answered)."""
        self.in_flight = 0
        self.sent = 0
        """Jobs this client had answered by the server."""
        self.faults = 0
        self.aside_until = 0.0
        self.checked = False
        """Its info was read and agrees with this client (a server down at start is checked when it answers)."""


class RemoteSandbox:
    """`with RemoteSandbox(remote, pool_config) as sandbox: sandbox.run(job)`: a SandboxPool's API over servers.

    `config` says what the jobs need (memory per container, languages); its size is unused: the servers'
    slots are the capacity.
    """

    def __init__(self, remote: RemoteConfig, config: PoolConfig | None = None) -> None:
        self.remote = remote
        self.config = config or PoolConfig()
        self.languages: tuple[Language, ...] = recipe.language_set(self.config.languages)  # type: ignore[assignment]
        """What the jobs may be written in: every server must run these."""
        self.servers = [_Server(url) for url in remote.urls]
        self._choice = threading.Condition()
        self._start_lock = threading.Lock()
        self._turn = itertools.count()
        self._client: httpx.Client | None = None
        self._started = False
        self._closed = False

    # ------------------------------------------------------------ life cycle

    def _headers(self) -> dict[str, str]:
        token = self.remote.token
        return {"Authorization": f"Bearer {token.get_secret_value()}"} if token is not None else {}

    def start(self) -> Self:
        """Check every server (same sandloop, the languages, the token); raises RemoteRefused when one refuses,
        ServersUnreachable when none answers. A server down now is used once it answers again."""
        with self._start_lock:
            if self._started:
                return self
            self._closed = False
            if self._client is None:
                self._client = httpx.Client(
                    headers=self._headers(),
                    limits=httpx.Limits(max_connections=None, max_keepalive_connections=256),
                )
            unreachable = []
            for server in self.servers:
                try:
                    self._check(server)
                except _Fault as fault:
                    unreachable.append(f"{server.url}: {fault}")
                    self._put_aside(server)
            if len(unreachable) == len(self.servers):
                raise ServersUnreachable(f"no sandbox server answers ({'; '.join(unreachable)})")
            self._started = True
        return self

    def _check(self, server: _Server) -> None:
        try:
            info = ServerInfo.model_validate_json(self._request(server, "GET", INFO_PATH, None, 30.0))
        except ValidationError:
            raise RemoteRefused(f"{server.url} is not a sandloop serve of this version (its info)") from None
        if info.schema_digest != schema_digest():
            raise RemoteRefused(
                f"the sandbox server at {server.url} runs another sandloop version (job schema "
                f"{info.schema_digest}, here {schema_digest()}): install the same sandloop on both"
            )
        missing = [language for language in self.languages if language not in info.languages]
        if missing:
            raise RemoteRefused(
                f"the sandbox server at {server.url} does not run {', '.join(missing)}: start it with "
                f"`sandloop serve --languages {','.join(self.languages)}`"
            )
        server.slots = info.slots
        server.checked = True

    def close(self) -> None:
        with self._choice:
            self._closed = True
            self._choice.notify_all()
        with self._start_lock:
            self._started = False
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def capacity(self) -> int:
        """Jobs in flight at most, over every server."""
        return sum(self._capacity(server) for server in self.servers)

    def _capacity(self, server: _Server) -> int:
        return server.slots * self.remote.in_flight_per_slot

    # ------------------------------------------------------------ one job

    def run(self, job: Job) -> JobResult:
        """Run one job on one of the servers; blocks while every server has its fill. Thread-safe."""
        if self._closed:
            return JobResult(status="infra_error", message="the remote sandbox is closed")
        if not self._started:
            try:
                self.start()
            except ServersUnreachable as error:
                return JobResult(status="infra_error", message=str(error))
        body = RemoteRunRequest(job=job, memory_mb=self.config.memory_mb).model_dump_json().encode()
        timeout = _answer_within(job, self.config)
        tried: set[_Server] = set()
        faults: list[str] = []
        while (server := self._take(tried)) is not None:
            tried.add(server)
            try:
                if not server.checked:
                    self._check(server)
                result = JobResult.model_validate_json(self._request(server, "POST", RUN_PATH, body, timeout))
            except (_Fault, ValidationError) as fault:
                faults.append(f"{server.url}: {str(fault).splitlines()[0]}")
                self._put_aside(server)
                continue
            finally:
                self._give_back(server)
            if result.status != "infra_error":
                with self._choice:
                    server.sent += 1
                return result
            faults.append(f"{server.url}: {result.message}")
            self._put_aside(server)
        if self._closed:
            return JobResult(status="infra_error", message="the remote sandbox is closed")
        return JobResult(status="infra_error", message=f"no sandbox server ran the job ({'; '.join(faults)})")

    def _take(self, tried: set[_Server]) -> _Server | None:
        """The least busy server not yet tried for this job (one not put aside first); waits while all that
        may take it are full. None when every server was tried or the sandbox closed."""
        with self._choice:
            while not self._closed:
                left = [server for server in self.servers if server not in tried]
                if not left:
                    return None
                now = time.monotonic()
                ready = [server for server in left if server.aside_until <= now] or left
                free = [server for server in ready if server.in_flight < self._capacity(server)]
                if free:
                    turn = next(self._turn)
                    order = {
                        id(server): (index - turn) % len(self.servers)
                        for index, server in enumerate(self.servers)
                    }
                    chosen = min(
                        free,
                        key=lambda server: (server.in_flight / self._capacity(server), order[id(server)]),
                    )
                    chosen.in_flight += 1
                    return chosen
                self._choice.wait(timeout=0.5)
            return None

    def _give_back(self, server: _Server) -> None:
        with self._choice:
            server.in_flight -= 1
            self._choice.notify()

    def _put_aside(self, server: _Server) -> None:
        with self._choice:
            server.faults += 1
            server.aside_until = time.monotonic() + self.remote.put_aside_s

    def _request(
        self, server: _Server, method: str, path: str, body: bytes | None, timeout_s: float
    ) -> bytes:
        client = self._client
        if client is None:
            raise _Fault("the remote sandbox is closed")
        try:
            response = client.request(
                method,
                server.url + path,
                content=body,
                headers={"Content-Type": "application/json"} if body is not None else None,
                timeout=httpx.Timeout(timeout_s, connect=self.remote.connect_timeout_s),
            )
        except httpx.HTTPError as error:  # refused, reset, timed out, closed meanwhile
            raise _Fault(f"{type(error).__name__}: {error}") from None
        if response.status_code in (401, 403):
            raise RemoteRefused(
                f"the sandbox server at {server.url} refused the bearer token (HTTP {response.status_code}): "
                f"set ${TOKEN_ENV} (or --sandbox-token-env NAME) to its --token"
            )
        if response.status_code == 404 and path == INFO_PATH:
            raise RemoteRefused(f"{server.url} is not a sandloop serve of this version (no {INFO_PATH})")
        if response.status_code != 200:
            raise _Fault(f"HTTP {response.status_code}: {response.text[:300]}")
        return response.content

    async def arun(self, job: Job) -> JobResult:
        import asyncio

        return await asyncio.to_thread(self.run, job)

    # ------------------------------------------------------------ many jobs

    def iter_many(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        """Results in job order, the servers kept full; `jobs` may be endless."""
        if not self._started and not self._closed:
            with contextlib.suppress(ServersUnreachable):  # then each job says so, as an infra_error
                self.start()
        width = max(1, self.capacity)
        yield from run_windowed(self.run, jobs, width, width, "sandloop-remote")

    def run_many(self, jobs: Iterable[Job]) -> list[JobResult]:
        return list(self.iter_many(jobs))

    async def arun_many(self, jobs: Iterable[Job]) -> list[JobResult]:
        import asyncio

        return await asyncio.to_thread(self.run_many, list(jobs))


QUEUE_SLACK_S = 120.0
"""Time a job may wait in a busy server's queue on top of its own limits before the client gives up on it."""


def _answer_within(job: Job, config: PoolConfig) -> float:
    """How long the answer may take: the job's limits stretched as the pool's guard, plus a queue's wait."""
    runs = len(job.cases) if isinstance(job, CasesJob) else 1
    guard = (job.limits.timeout_s * wire.WALL_CLOCK_STRETCH + 1.0) * runs + config.guard_s
    if job.language != "python":
        guard += job.limits.compile_timeout_s * wire.WALL_CLOCK_STRETCH
    return guard + QUEUE_SLACK_S
