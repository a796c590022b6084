"""Memory per job holds for the JVM, Go and Node too: a container's cgroup limit, never an address-space rlimit."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from sandbox import Limits, PoolConfig, RunJob, SandboxPool
from sandbox.image import recipe
from tests.support.languages import PROGRAMS

pytestmark = [pytest.mark.docker, pytest.mark.slow]
HOG = "data = b'x' * (400 * 2**20)\nprint(len(data))\n"


@pytest.fixture(scope="module")
def small_pool(docker_client: docker.DockerClient, all_languages_image: str) -> Iterator[SandboxPool]:
    config = PoolConfig(size=1, memory_mb=256, languages=recipe.LANGUAGES, image=all_languages_image)
    with SandboxPool(config, client=docker_client) as pool:
        yield pool


@pytest.mark.parametrize("language", ["java", "go", "nodejs"])
def test_runtimes_with_big_reservations_run_under_256_mb(small_pool: SandboxPool, language: str) -> None:
    job = RunJob(
        language=language, source=PROGRAMS[language].adds, stdin="2 40\n", limits=Limits(compile_timeout_s=60)
    )
    result = small_pool.run(job)
    assert result.status == "passed" and result.stdout == "42\n", result


def test_a_job_over_its_memory_limit_gets_memory(small_pool: SandboxPool) -> None:
    result = small_pool.run(RunJob(source=HOG))
    assert result.status == "memory", result
    after = small_pool.run(RunJob(language="bash", source=PROGRAMS["bash"].adds, stdin="1 1\n"))
    assert after.status == "passed", "the container lives on"
