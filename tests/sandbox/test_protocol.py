"""The host and the executor speak one versioned frame format; another version is refused on both sides."""

from __future__ import annotations

import json
from typing import Any

import docker
import pytest

from sandbox import CasesJob, ContainerStartFailed, IOCase, PoolConfig, RunJob, SandboxPool, TestJob
from sandbox.container import WarmContainer
from sandbox.errors import ProtocolMismatch
from sandbox.image import executor_protocol as wire
from sandbox.image import recipe
from sandbox.pool import executor_frame


def test_job_frames_carry_the_version_and_exactly_the_declared_fields() -> None:
    jobs_and_shapes: list[tuple[RunJob | TestJob | CasesJob, Any]] = [
        (RunJob(source="print(1)", stdin="x"), wire.RunFrame),
        (TestJob(source="f = len", tests="assert f([]) == 0", entry_point="f"), wire.FunctionTestsFrame),
        (CasesJob(source="print(input())", cases=[IOCase(input="a", output="expected-b")]), wire.CasesFrame),
    ]
    for job, shape in jobs_and_shapes:
        frame = executor_frame(job)
        assert frame["v"] == wire.PROTOCOL_VERSION
        assert set(frame) == shape.__required_keys__ | shape.__optional_keys__
    cases = executor_frame(jobs_and_shapes[2][0])
    assert "expected-b" not in json.dumps(cases)  # expected outputs never enter the container


def test_a_version_mismatch_says_what_to_do() -> None:
    assert wire.version_mismatch(wire.PROTOCOL_VERSION, they="host", we="executor") is None
    message = wire.version_mismatch(1, they="host", we="executor")
    assert message is not None and "sandloop sandbox build" in message
    assert f"host speaks executor protocol 1, the executor {wire.PROTOCOL_VERSION}" in message


@pytest.mark.docker
def test_the_executor_refuses_a_frame_of_another_version(docker_client: docker.DockerClient) -> None:
    container = WarmContainer.start(docker_client.api, PoolConfig(size=1), recipe.image_tag(), {})
    try:
        old = {"v": 1, "kind": "run", "source": "print(1)", "stdin": ""}
        with pytest.raises(ProtocolMismatch, match="host speaks executor protocol 1"):
            container.execute(json.dumps(old).encode(), 30.0)
        unversioned = {"kind": "ping"}
        with pytest.raises(ProtocolMismatch, match="host speaks executor protocol None"):
            container.execute(json.dumps(unversioned).encode(), 30.0)
    finally:
        container.close()


@pytest.mark.docker
def test_a_host_of_another_version_cannot_start_a_pool(
    docker_client: docker.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wire, "PROTOCOL_VERSION", wire.PROTOCOL_VERSION + 1)  # the image keeps its own
    pool = SandboxPool(PoolConfig(size=1), client=docker_client)
    with pytest.raises(ContainerStartFailed, match="rebuild the image"):
        pool.start()
    result = pool.run(RunJob(source="print(1)"))
    assert result.status == "infra_error"
    assert "executor protocol" in (result.message or "")
