"""A bounded load test: 1,000 mixed good, wrong and hostile requests from 64 concurrent clients against one real
server. No wrong verdict, no lost request, no container left behind, the server alive and clean afterwards."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import docker
import httpx
import pytest

from bench.humaneval_samples import broken_program, canonical_program, check_program, load_problems
from tests.sandbox.test_reward_hacks import CHEATS, HONEST
from tests.serve.server_process import ServerProcess
from tests.serve.test_hostile_http import FORK_BOMB, INFINITE_LOOP, MEMORY_BOMB, OUTPUT_FLOOD
from tests.serve.test_reward_hacks_http import CASES, DRIVER

pytestmark = [pytest.mark.docker, pytest.mark.slow]

REQUESTS, CLIENTS = 1000, 64
Check = Callable[[dict[str, Any]], bool]
Request = tuple[str, str, dict[str, Any], Check]


def run_code(code: str, timeout: float = 10) -> dict[str, Any]:
    return {"code": code, "language": "python", "run_timeout": timeout}


def submission(program: str) -> dict[str, Any]:
    problem = {"id": "square", "test": [{"input": {"stdin": i}, "output": {"stdout": o}} for i, o in CASES]}
    config = {
        "dataset_type": "CommonOJDataset",
        "language": "python",
        "run_timeout": 3,
        "provided_data": problem,
    }
    return {
        "dataset": "load",
        "id": "square",
        "completion": f"```python\n{program}{DRIVER}```",
        "config": config,
    }


def succeeded(body: dict[str, Any]) -> bool:
    return body["status"] == "Success"


def failed(body: dict[str, Any]) -> bool:
    return body["status"] == "Failed"


def accepted(body: dict[str, Any]) -> bool:
    return body["accepted"] is True


def rejected(body: dict[str, Any]) -> bool:
    return body["accepted"] is False


def workload() -> list[Request]:
    """(kind, path, body, verdict check): about 45% good, 45% wrong, 10% hostile, shuffled."""
    problems = load_problems()
    good = [
        ("good", "/run_code", run_code(check_program(p, canonical_program(p))), succeeded) for p in problems
    ]
    wrong: list[Request] = [
        ("wrong", "/run_code", run_code(check_program(p, broken_program(p))), failed) for p in problems
    ]
    good.append(("good", "/submit", submission(HONEST), accepted))
    wrong += [("wrong", "/submit", submission(cheat), rejected) for cheat in CHEATS.values()]
    hostile: list[Request] = [
        ("hostile", "/run_code", run_code(program, timeout=1), failed)
        for program in (INFINITE_LOOP, FORK_BOMB, MEMORY_BOMB, OUTPUT_FLOOD)
    ] + [("hostile", "/submit", submission(program), rejected) for program in (FORK_BOMB, OUTPUT_FLOOD)]
    mixed = [*itertools.islice(itertools.cycle(good), 450), *itertools.islice(itertools.cycle(wrong), 450)]
    mixed += list(itertools.islice(itertools.cycle(hostile), REQUESTS - len(mixed)))
    random.Random(12).shuffle(mixed)
    return mixed


def test_a_thousand_mixed_requests_from_64_clients(docker_client: docker.DockerClient) -> None:
    server = ServerProcess("--workers", "2", "--queue-size", "256")
    try:
        work = workload()
        outcomes: list[tuple[str, int, bool]] = []
        wrong: list[str] = []

        async def client(http: httpx.AsyncClient, queue: asyncio.Queue[int]) -> None:
            while not queue.empty():
                index = queue.get_nowait()
                kind, path, body, check = work[index]
                answer = await http.post(f"{server.url}{path}", json=body)
                right = answer.status_code == 200 and check(answer.json())
                outcomes.append((kind, answer.status_code, right))
                if not right:
                    wrong.append(f"{kind} {path} #{index}: {answer.text[:600]}")

        async def load() -> None:
            queue: asyncio.Queue[int] = asyncio.Queue()
            for index in range(len(work)):
                queue.put_nowait(index)
            limits = httpx.Limits(max_connections=CLIENTS)
            async with httpx.AsyncClient(timeout=120, limits=limits) as http:
                await asyncio.wait_for(
                    asyncio.gather(*(client(http, queue) for _ in range(CLIENTS))), timeout=540
                )

        asyncio.run(load())
        assert len(outcomes) == REQUESTS  # none lost
        assert Counter(code for _, code, _ in outcomes) == {200: REQUESTS}
        wrong_verdicts = Counter(kind for kind, _, right in outcomes if not right)
        assert not wrong_verdicts, (wrong_verdicts, wrong)
        assert httpx.get(f"{server.url}/v1/ping").json() == "pong"
        census = (
            "import os\nprint(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()) == [1, os.getpid()])"
        )
        for _ in range(4):
            body = httpx.post(f"{server.url}/run_code", json=run_code(census)).json()
            assert body["run_result"]["stdout"] == "True\n"
    finally:
        code = server.stop()
    assert code in (0, -15), server.output()
    server.assert_released(docker_client)
