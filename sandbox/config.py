"""Settings of a sandbox pool: how many warm containers and what each may use."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field

from sandbox.models import Language


def _default_size() -> int:
    return max(1, len(os.sched_getaffinity(0)))


class PoolConfig(BaseModel):
    """A pool of warm containers; the limits here hold per container, so per running job."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    size: int = Field(default_factory=_default_size, ge=1, le=256)
    """Warm containers, so jobs run at once (default: the usable cores)."""
    languages: tuple[Language, ...] = ("python",)
    """Languages the pool's jobs may use; the default image is the one built for them (python is in every
    image)."""
    image: str | None = None
    """Image to run; default: the tag of the current recipe for `languages` (`sandloop sandbox build`)."""
    memory_mb: int = Field(512, ge=64, le=65536)
    """cgroup memory limit of a container (no swap); a job past it gets status `memory`."""
    cpus: float = Field(1.0, gt=0, le=64)
    """CPU share of a container."""
    pids: int = Field(64, ge=8, le=4096)
    """Process limit of a container, the executor included: a fork bomb stops here."""
    scratch_mb: int = Field(64, ge=8, le=4096)
    """Size of the writable tmpfs holding the work dir: disk fill stops here."""
    start_timeout_s: float = Field(60.0, gt=0)
    """How long a container may take to come up before `infra_error`."""
    guard_s: float = Field(15.0, gt=0)
    """Grace past a job's own limits before the host deems its container hung and replaces it."""
