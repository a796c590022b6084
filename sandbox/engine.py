"""Connect to the Docker engine, or say in one line why not."""

from __future__ import annotations

import os

import docker
from docker.errors import DockerException
from requests.exceptions import RequestException

from sandbox.errors import EngineUnavailable

ENGINE_ERRORS = (DockerException, RequestException)
"""What a call to the engine raises when it fails: docker-py's own errors, and the HTTP client's when the
engine is gone (docker-py does not wrap `requests`' connection errors)."""

START_HINT = "start one (as root: `dockerd --bridge=none --iptables=false &`) or run `make setup`"


def connect(timeout_s: float = 120.0) -> docker.DockerClient:
    """A client whose engine answered a ping."""
    where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        client = docker.from_env(timeout=int(timeout_s))
        client.ping()
    except DockerException as error:
        text = str(error)
        if "Permission denied" in text:
            raise EngineUnavailable(
                f"the Docker engine at {where} refused this user: add it to the `docker` group or use root"
            ) from error
        raise EngineUnavailable(f"no Docker engine answers at {where}: {START_HINT}") from error
    return client


def engine_answers(client: docker.DockerClient) -> bool:
    """Whether the engine behind `client` still answers a ping."""
    try:
        return bool(client.ping())
    except ENGINE_ERRORS:
        return False
