"""Shared fixtures: real Docker pools, and a check that no test leaves a container behind."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator

import docker
import pytest

from agent.models.embedded import MODEL_ENV, TINY_MODEL

# Every test, and every process a test starts, uses the tiny model unless it names one: a test that claims
# solving ability names the real default itself (tests.support.real_model).
os.environ.setdefault(MODEL_ENV, TINY_MODEL)

from sandbox import PoolConfig, SandboxPool
from sandbox.container import LABEL
from sandbox.engine import connect
from sandbox.pool import OWNER_LABEL


def our_containers(client: docker.DockerClient) -> list[str]:
    """Sandbox containers this test process started that still exist."""
    filters = {"label": [LABEL, f"{OWNER_LABEL}={os.getpid()}"]}
    # ignore_removed: closed pools' containers are auto-removed while we list them
    return [c.name for c in client.containers.list(all=True, filters=filters, ignore_removed=True)]


@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    return connect()


@pytest.fixture(scope="session")
def pool(docker_client: docker.DockerClient) -> Iterator[SandboxPool]:
    """The shared pool: two warm containers."""
    with SandboxPool(PoolConfig(size=2), client=docker_client) as shared:
        yield shared


@pytest.fixture(scope="module")
def solo_pool(docker_client: docker.DockerClient) -> Iterator[SandboxPool]:
    """One container, so consecutive jobs are known to share it (what one job leaves, the next would see)."""
    with SandboxPool(PoolConfig(size=1), client=docker_client) as single:
        yield single


@pytest.fixture(autouse=True)
def children_take_ctrl_c() -> None:
    """A child a test starts must take Ctrl-C as a user's process would: a library an earlier test loaded in
    this process (an engine, a cluster client) may have blocked or ignored SIGINT here, and children inherit
    both the signal mask and an ignored disposition."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, None):
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session", autouse=True)
def no_container_left_behind() -> Iterator[None]:
    yield
    try:
        client = connect(timeout_s=10)
    except Exception:
        return  # no engine: the Docker tests failed on their own
    deadline = time.monotonic() + 30  # closed pools' containers exit at EOF and are removed by Docker
    while (leftover := our_containers(client)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not leftover, f"sandbox containers left after the tests: {leftover}"


@pytest.fixture(scope="session")
def all_languages_image(docker_client: docker.DockerClient) -> str:
    """The image with every language: built once (minutes), then found by its content-hash tag."""
    from sandbox.image import recipe
    from sandbox.image.build import build_image

    return build_image(docker_client, languages=recipe.LANGUAGES, log=lambda line: None)


@pytest.fixture(scope="session")
def languages_pool(docker_client: docker.DockerClient, all_languages_image: str) -> Iterator[SandboxPool]:
    """Two warm containers of the all-languages image."""
    from sandbox.image import recipe

    config = PoolConfig(size=2, languages=recipe.LANGUAGES, image=all_languages_image)
    with SandboxPool(config, client=docker_client) as shared:
        yield shared


@pytest.fixture
def broken_pool(docker_client: docker.DockerClient) -> Iterator[SandboxPool]:
    """Every job it runs comes back `infra_error` (the image is missing; the pool is not started up front)."""
    pool = SandboxPool(
        PoolConfig(size=1, image=f"sandloop-missing:{uuid.uuid4().hex[:8]}"), client=docker_client
    )
    yield pool
    pool.close()
