"""What graders, rewards and tools need of a sandbox, met by the local pool and by remote servers alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, Self

from sandbox.config import PoolConfig
from sandbox.models import Job, JobResult

if TYPE_CHECKING:  # the HTTP client is imported only where remote servers are used
    from sandbox.remote import RemoteConfig


class Sandbox(Protocol):
    """A place to run jobs: `SandboxPool` (local Docker) or `RemoteSandbox` (`sandloop serve` processes)."""

    config: PoolConfig

    def start(self) -> Self: ...

    def close(self) -> None: ...

    def run(self, job: Job) -> JobResult: ...

    def run_many(self, jobs: Iterable[Job]) -> list[JobResult]: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...


def open_sandbox(config: PoolConfig, remote: RemoteConfig | None = None) -> Sandbox:
    """The remote servers when there are some (`config` then says what the jobs need), else a local pool of
    `config`; not started."""
    if remote is not None:
        from sandbox.remote import RemoteSandbox

        return RemoteSandbox(remote, config)
    from sandbox.pool import SandboxPool

    return SandboxPool(config)
