"""One shared `sandloop serve` process for the protocol tests; it must stop cleanly and release its containers."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from tests.serve.server_process import ServerProcess


@pytest.fixture(scope="session")
def server(docker_client: docker.DockerClient) -> Iterator[ServerProcess]:
    """The real server on a free port of 127.0.0.1, two warm containers."""
    process = ServerProcess("--workers", "2")
    yield process
    code = process.stop()
    process.assert_released(docker_client)
    assert code in (0, -15), process.output()  # uvicorn re-raises the SIGTERM it drained on


@pytest.fixture(scope="session")
def url(server: ServerProcess) -> str:
    return server.url
