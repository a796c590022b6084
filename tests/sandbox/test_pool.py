"""The pool with real containers: the three job kinds, many jobs, threads, asyncio, lost containers."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docker
import pytest

from sandbox import (
    CasesJob,
    ImageMissing,
    IOCase,
    Limits,
    PoolConfig,
    RunJob,
    SandboxPool,
    TestJob,
)
from sandbox.pool import OWNER_LABEL, remove_orphans

pytestmark = pytest.mark.docker


def test_a_program_runs_with_stdin_and_its_files(pool: SandboxPool) -> None:
    result = pool.run(
        RunJob(
            source="import helper, sys\nprint(helper.shout(sys.stdin.read()))\nprint(open('data/x.txt').read())",
            stdin="hello",
            files={"helper.py": "def shout(s):\n    return s.upper()\n", "data/x.txt": "file content"},
        )
    )
    assert result.status == "passed", result
    assert result.stdout == "HELLO\nfile content\n"
    assert result.exit_code == 0


def test_exceptions_and_exit_codes_are_errors_with_the_reason(pool: SandboxPool) -> None:
    crashed = pool.run(RunJob(source="1 / 0"))
    assert crashed.status == "error"
    assert crashed.message == "ZeroDivisionError: division by zero"
    assert 'File "/tmp/job/main.py", line 1' in crashed.stderr
    assert pool.run(RunJob(source="import sys; sys.exit(3)")).exit_code == 3


def test_a_syntax_error_is_an_error(pool: SandboxPool) -> None:
    result = pool.run(RunJob(source="def broken(:\n    pass"))
    assert result.status == "error"
    assert "SyntaxError" in (result.message or "")
    graded = pool.run(TestJob(source="def f(:", tests="assert f() == 1"))
    assert graded.status == "error"
    assert graded.pass_fraction == 0.0


def test_function_tests_record_every_assert(pool: SandboxPool) -> None:
    result = pool.run(
        TestJob(
            source="def add(a, b):\n    return a + b if a < 5 else a - b\n",
            tests=(
                "def check(candidate):\n"
                "    assert candidate(1, 2) == 3\n"
                "    for a in range(4):\n"
                "        assert candidate(a, 1) == a + 1\n"
                "    assert candidate(7, 1) == 8, 'big numbers'\n"
                "    assert candidate(2, 2) == 4\n"
            ),
            entry_point="add",
        )
    )
    assert result.status == "failed"
    assert [v.passed for v in result.tests] == [True, True, False, True]
    assert result.tests[1].executions == 4
    assert result.tests[2].detail == "assertion failed: 6 == 8"
    assert result.pass_fraction == 0.75


def test_mbpp_style_module_level_asserts(pool: SandboxPool) -> None:
    result = pool.run(
        TestJob(
            source="def sq(x):\n    return x * x\n",
            tests="import math\nassert sq(3) == 9\nassert math.isclose(sq(0.5), 0.25)\nassert sq(-2) in {4}\n",
        )
    )
    assert result.status == "passed", result
    assert result.pass_fraction == 1.0
    assert len(result.tests) == 3


def test_a_missing_entry_point_is_an_error(pool: SandboxPool) -> None:
    result = pool.run(
        TestJob(source="def other(): pass", tests="def check(c):\n    assert c()", entry_point="f")
    )
    assert result.status == "error"
    assert "entry point 'f' is not defined" in (result.message or "")


def test_stdio_cases_are_compared_in_the_host(pool: SandboxPool) -> None:
    source = "n = int(input())\nprint(n * 2)\nif n == 3:\n    raise SystemExit(4)\n"
    cases = [IOCase(input="1\n", output="2\n"), IOCase(input="2", output="5"), IOCase(input="3", output="6")]
    result = pool.run(CasesJob(source=source, cases=cases))
    assert [v.status for v in result.tests] == ["passed", "failed", "error"]
    assert result.status == "failed"  # the first failing case's verdict
    assert result.pass_fraction == pytest.approx(1 / 3)
    fast = pool.run(CasesJob(source=source, cases=cases, fail_fast=True))
    assert [v.detail for v in fast.tests][1:] == ["line 1: expected '5', got '4'", "not run"]


def test_run_many_keeps_order_and_back_pressure(pool: SandboxPool) -> None:
    jobs = (RunJob(source=f"print({i} * {i})") for i in range(40))  # a generator: consumed lazily
    results = pool.run_many(jobs)
    assert [r.stdout for r in results] == [f"{i * i}\n" for i in range(40)]


def test_usable_from_many_threads_at_once(pool: SandboxPool) -> None:
    with ThreadPoolExecutor(8) as threads:
        results = list(threads.map(lambda i: pool.run(RunJob(source=f"print({i})")), range(24)))
    assert [r.stdout for r in results] == [f"{i}\n" for i in range(24)]


def test_async_api(pool: SandboxPool) -> None:
    async def main() -> list[str]:
        one = await pool.arun(RunJob(source="print('one')"))
        many = await pool.arun_many([RunJob(source=f"print({i})") for i in range(6)])
        return [one.stdout] + [r.stdout for r in many]

    assert asyncio.run(main()) == ["one\n"] + [f"{i}\n" for i in range(6)]


def _running_job_container(client: docker.DockerClient, pool: SandboxPool, killed: set[str]) -> Any:
    """The pool's container (not one killed before) once a job runs in it: the executor has forked a child."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for container in client.containers.list(
            filters={"label": f"sandloop.pool={pool.pool_id}"}, ignore_removed=True
        ):
            if container.id in killed:
                continue
            with contextlib.suppress(docker.errors.APIError):  # a container still starting has no processes
                if len(container.top()["Processes"]) > 1:
                    return container
        time.sleep(0.05)
    raise AssertionError("no job started in the pool's container")


def _kill_running_containers(client: docker.DockerClient, pool: SandboxPool, times: int) -> threading.Thread:
    """Kill the container that runs the job, `times` times (an engine-side crash, not a mock), each time once
    the job is running in it: no guess at how long starting takes."""

    def killer() -> None:
        killed: set[str] = set()
        for _ in range(times):
            container = _running_job_container(client, pool, killed)
            container.kill()
            killed.add(container.id)

    thread = threading.Thread(target=killer)
    thread.start()
    return thread


def test_a_lost_container_is_replaced_and_its_job_retried(docker_client: docker.DockerClient) -> None:
    with SandboxPool(PoolConfig(size=1), client=docker_client) as pool:
        killer = _kill_running_containers(docker_client, pool, times=1)
        result = pool.run(
            RunJob(source="import time; time.sleep(2.5); print('done')", limits=Limits(timeout_s=5))
        )
        killer.join()
        assert result.status == "passed", result
        assert result.stdout == "done\n"
        assert pool.run(RunJob(source="print('still serving')")).stdout == "still serving\n"


def test_a_job_that_takes_down_two_containers_is_an_error_not_infra(
    docker_client: docker.DockerClient,
) -> None:
    with SandboxPool(PoolConfig(size=1), client=docker_client) as pool:
        killer = _kill_running_containers(docker_client, pool, times=2)
        result = pool.run(RunJob(source="import time; time.sleep(30)", limits=Limits(timeout_s=60)))
        killer.join()
        assert result.status == "error"
        assert "took down its sandbox container twice" in (result.message or "")
        assert pool.run(RunJob(source="print(1)")).status == "passed"


def test_a_missing_image_is_an_infrastructure_failure(docker_client: docker.DockerClient) -> None:
    missing = SandboxPool(PoolConfig(size=1, image="sandloop-sandbox:does-not-exist"), client=docker_client)
    with pytest.raises(ImageMissing, match="sandloop sandbox build"):
        missing.start()
    assert missing.run(RunJob(source="print(1)")).status == "infra_error"


def test_containers_of_dead_owners_are_removed(docker_client: docker.DockerClient, pool: SandboxPool) -> None:
    orphan = docker_client.containers.create(
        pool.image,
        command=["sleep", "60"],
        labels={
            "sandloop.sandbox": "1",
            OWNER_LABEL: "999999999",
            "sandloop.owner_host": __import__("socket").gethostname(),
        },
        network_mode="none",
    )
    assert remove_orphans(docker_client) >= 1
    with pytest.raises(docker.errors.NotFound):
        docker_client.containers.get(orphan.id)


def test_answers_leave_no_log_on_the_host(docker_client: docker.DockerClient) -> None:
    """Executor answers travel on the container's stdout: no log driver may keep them on the host's disk."""
    root = Path(docker_client.info()["DockerRootDir"]) / "containers"
    loud = RunJob(source="import sys\nsys.stdout.write('x' * 65536)")
    with SandboxPool(PoolConfig(size=1), client=docker_client) as pool:
        (container,) = docker_client.containers.list(filters={"label": f"sandloop.pool={pool.pool_id}"})
        assert container.attrs["HostConfig"]["LogConfig"]["Type"] == "none"
        results = pool.run_many([loud] * 60)  # 3.75 MiB of answers; a json-file log would hold twice that
        assert {(r.status, len(r.stdout)) for r in results} == {("passed", 65536)}
        kept = sum(f.stat().st_size for f in (root / container.id).rglob("*") if f.is_file())
    assert kept < 256 * 1024, f"{kept} bytes kept on the host for the container"


def test_frames_go_through_the_attach_stream_where_no_socket_can_be_shared(
    docker_client: docker.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An engine on another machine cannot mount a folder of this one: the executor then speaks on its
    # stdin and stdout, through the engine, with the same verdicts.
    monkeypatch.setattr("sandbox.container.local_engine", lambda api: False)
    with SandboxPool(PoolConfig(size=1), client=docker_client) as streamed:
        assert {container.transport for container in streamed._all} == {"stream"}
        result = streamed.run(TestJob(source="def f():\n    return 2\n", tests="assert f() == 2\n"))
        assert result.status == "passed", result
        assert streamed.run(RunJob(source="print('x' * 100_000)")).stdout.startswith("x" * 65536)
