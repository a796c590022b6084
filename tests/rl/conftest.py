"""Fixtures of the reward tests: a pool that cannot start (real infrastructure errors) and the toy task."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import docker
import pytest

from sandbox import PoolConfig, SandboxPool
from tasks.spec import TaskSpec
from tests.support.rl_samples import square_task


@pytest.fixture
def missing_image_pool(docker_client: docker.DockerClient) -> Iterator[SandboxPool]:
    """A pool whose image does not exist: every job it runs comes back `infra_error` (ImageMissing)."""
    with_missing = PoolConfig(size=1, image=f"sandloop-rl-missing:{uuid.uuid4().hex[:8]}")
    broken = SandboxPool(with_missing, client=docker_client)
    yield broken
    broken.close()


@pytest.fixture(scope="session")
def square() -> TaskSpec:
    return square_task()
