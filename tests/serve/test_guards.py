"""Safe by default: loopback only unless told, bearer auth, a body cap, a bounded queue, a draining shutdown."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator

import docker
import httpx
import pytest

from tests.cli_process import sandloop
from tests.serve.server_process import ServerProcess

TOKEN = "s3cret-token-for-the-tests"
SLEEP = "import time\ntime.sleep({s})\nprint('done')"


def test_a_public_address_needs_a_token_or_insecure() -> None:
    done = sandloop("serve", "--host", "0.0.0.0", "--port", "1")
    assert done.returncode == 2
    assert (
        "host 0.0.0.0 is reachable from other machines: give --token (bearer auth) or --insecure"
        in done.stderr
    )


@pytest.fixture(scope="module")
def guarded(docker_client: docker.DockerClient) -> Iterator[ServerProcess]:
    """A server with a token, a 16 KiB body cap, one container and room for one waiting request."""
    process = ServerProcess(
        "--token", TOKEN, "--max-body-mb", str(16 / 1024), "--workers", "1", "--queue-size", "1"
    )
    yield process
    process.stop()
    process.assert_released(docker_client)


@pytest.mark.docker
def test_every_endpoint_but_ping_needs_the_token(guarded: ServerProcess) -> None:
    assert httpx.get(f"{guarded.url}/v1/ping").json() == "pong"
    run = {"code": "print(1)", "language": "python"}
    for path, body in [("/run_code", run), ("/submit", {}), ("/openrlhf/reward", {})]:
        for headers in ({}, {"Authorization": "Bearer wrong-token-of-some-length"}, {"Authorization": TOKEN}):
            refused = httpx.post(f"{guarded.url}{path}", json=body, headers=headers)
            assert refused.status_code == 401, (path, headers)
            assert refused.headers["www-authenticate"] == "Bearer"
    allowed = httpx.post(f"{guarded.url}/run_code", json=run, headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200 and allowed.json()["run_result"]["stdout"] == "1\n"


@pytest.mark.docker
def test_an_oversize_body_is_413(guarded: ServerProcess) -> None:
    big = {"code": "#" * 20_000, "language": "python"}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    answer = httpx.post(f"{guarded.url}/run_code", json=big, headers=headers)
    assert answer.status_code == 413
    assert answer.json() == {"detail": "request body larger than 16384 bytes"}

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap holds on the streamed bytes too
        yield b'{"language": "python", "code": "'
        for _ in range(40):
            yield b"#" * 1000
        yield b'"}'

    streamed = httpx.post(
        f"{guarded.url}/run_code", content=chunks(), headers={**headers, "content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert httpx.get(f"{guarded.url}/v1/ping").json() == "pong"


@pytest.mark.docker
def test_a_full_queue_answers_429(guarded: ServerProcess) -> None:
    async def burst() -> list[httpx.Response]:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(timeout=60, headers=headers) as client:
            body = {"code": SLEEP.format(s=2), "language": "python"}
            return await asyncio.gather(
                *(client.post(f"{guarded.url}/run_code", json=body) for _ in range(6))
            )

    answers = asyncio.run(burst())
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200, 200, 429, 429, 429, 429]  # one running, one waiting, the rest refused at once
    for answer in answers:
        if answer.status_code == 429:
            assert answer.headers["retry-after"] == "1" and "queue full" in answer.json()["detail"]
        else:
            assert answer.json()["run_result"]["stdout"] == "done\n"


@pytest.mark.docker
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_shutdown_finishes_running_jobs_and_refuses_waiting_ones(
    docker_client: docker.DockerClient, stop: signal.Signals
) -> None:
    server = ServerProcess("--workers", "1", "--queue-size", "4")

    async def in_flight_then_stop() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as client:
            body = {"code": SLEEP.format(s=3), "language": "python"}
            posts = [
                asyncio.ensure_future(client.post(f"{server.url}/run_code", json=body)) for _ in range(3)
            ]
            await asyncio.sleep(1.0)  # all three admitted: one running, two waiting
            server.signal(stop)
            return await asyncio.gather(*posts)

    answers = asyncio.run(in_flight_then_stop())
    by_code = sorted((answer.status_code, answer.text) for answer in answers)
    assert [code for code, _ in by_code] == [200, 503, 503], by_code
    finished = next(answer for answer in answers if answer.status_code == 200).json()
    assert finished["status"] == "Success" and finished["run_result"]["stdout"] == "done\n"
    assert all("shutting down" in answer.json()["detail"] for answer in answers if answer.status_code == 503)
    code = server.process.wait(timeout=60)
    assert code in (0, -stop, 128 + stop), server.output()  # the signal drained on is re-raised after
    server.assert_released(docker_client)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/v1/ping")
