"""Settings of one `sandloop serve` process: where it listens, who may call it, how much it takes in."""

from __future__ import annotations

import ipaddress
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sandbox.config import PoolConfig


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ServeConfig(BaseModel):
    """One server: its address, its guard rails and the pool behind it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    """Address to bind; anything but loopback needs `token` or `insecure`."""
    port: int = Field(8080, ge=0, le=65535)
    """TCP port (SandboxFusion's default is 8080; 0 picks a free one)."""
    token: str | None = Field(None, min_length=16)
    """Bearer token every endpoint but `/v1/ping` requires; None: no auth (loopback or `insecure` only)."""
    insecure: bool = False
    """Allow a non-loopback address without a token (anyone who reaches it runs code)."""
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024, le=32 * 1024 * 1024)
    """Largest request body accepted; a larger one is answered 413 before it is read."""
    max_output_bytes: int = Field(1024 * 1024, ge=1024, le=16 * 1024 * 1024)
    """Bytes of stdout and of stderr kept per run (a run printing 16 times more is stopped)."""
    max_run_timeout_s: float = Field(60.0, gt=0, le=3600)
    """Largest `run_timeout` a request may ask for (a larger one is refused, 400)."""
    queue_size: int = Field(256, ge=0, le=100_000)
    """Requests that may wait for a container beyond those running; more are answered 429."""
    pool: PoolConfig = Field(default_factory=PoolConfig)
    """The warm containers that run the jobs (size = jobs at once)."""

    @model_validator(mode="after")
    def _safe_address(self) -> Self:
        if not is_loopback(self.host) and self.token is None and not self.insecure:
            raise ValueError(
                f"host {self.host} is reachable from other machines: give --token (bearer auth) or --insecure"
            )
        return self

    @property
    def shutdown_grace_s(self) -> float:
        """Time in-flight requests get to finish once a shutdown signal arrives."""
        return self.max_run_timeout_s + self.pool.guard_s + 5.0
