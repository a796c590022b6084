"""verl's own SandboxFusion reward (`verl.utils.reward_score.sandbox_fusion`) pointed at a real `sandloop serve`
on 127.0.0.1: correct code scores 1.0, wrong code less, and no cheat of the reward-hack corpus and no hostile
program scores above 0, on stdin/stdout cases and on verl's call-based (`fn_name`) wrapper.

verl posts one `/run_code` request per case (`code`, `language: python`, `stdin`, `compile_timeout`,
`run_timeout`, `memory_limit_MB`, `files: {}`, `fetch_files: []`) and passes a case when the answer is
`Success`, the run `Finished` and stdout matches after trailing newlines. The server needs FastAPI and uvicorn,
which the verl env lacks: it runs on the main env's python, named by SANDLOOP_SERVE_PYTHON (the Makefile sets it).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from verl.trainer.ppo.reward import load_reward_manager
from verl.utils.reward_score.sandbox_fusion import compute_score

from tests.support.hacks import CASES, CHEATS, DRIVER, HONEST
from tests.support.hostile_programs import HOSTILE, SETSID_ESCAPE
from tests.support.server_process import ServerProcess

pytestmark = pytest.mark.docker

SERVE_PYTHON = "SANDLOOP_SERVE_PYTHON"
WRONG = "def square(x):\n    return x + x\n"  # right for 2 only: one case of four
STDIO = {"inputs": [i for i, _ in CASES], "outputs": [o for _, o in CASES]}
# verl's fn_name wrapper reads one JSON argument per stdin line and prints str() of a number.
CALLS = {"fn_name": "square", "inputs": ["2", "-3", "0.5", "1.5"], "outputs": ["4", "9", "0.25", "2.25"]}
HONEST_CLASS = "class Solution:\n    def square(self, x):\n        return x * x\n"
# verl's per-case statuses that are the server's verdict on the code (not api_error, sandbox_error, ...).
VERDICTS = {"success", "wrong_answer", "runtime_error", "timeout"}


@pytest.fixture(scope="module")
def url(docker_client: docker.DockerClient) -> Iterator[str]:
    """verl's `sandbox_fusion_url`: the `/run_code` URL of one server process for the module."""
    python = os.environ.get(SERVE_PYTHON, "")
    if not python or not Path(python).is_file():
        pytest.fail(
            f"{SERVE_PYTHON}={python!r}: set it to a python with sandloop's server dependencies "
            "(the main env's; `make test-verl` does)",
            pytrace=False,
        )
    server = ServerProcess("--workers", "2", python=python)
    yield f"{server.url}/run_code"
    code = server.stop()
    server.assert_released(docker_client)
    assert code in (0, -15), server.output()


def outcome(case: dict[str, Any]) -> str:
    """verl's status of one case; its own client giving up (compile + run + 10 s passed: a fork bomb on a loaded
    machine outlives that) is told apart from any other API error, which would be the server failing."""
    if case["status"] == "api_error" and "timed out" in (case["api_request_error"] or ""):
        return "client_timeout"
    return str(case["status"])


def score(url: str, program: str, cases: dict[str, Any], timeout: int = 10) -> tuple[float, list[str]]:
    """verl's `compute_score` on a fenced answer: the score and each case's outcome as verl classified it."""
    completion = f"Here it is:\n```python\n{program}```\n"
    value, metadata = compute_score(url, threading.Semaphore(8), 1024, completion, cases, timeout=timeout)
    return value, [outcome(case) for case in metadata]


@pytest.mark.parametrize(
    ("program", "cases"), [(HONEST + DRIVER, STDIO), (HONEST, CALLS), (HONEST_CLASS, CALLS)]
)
def test_a_correct_solution_scores_one(url: str, program: str, cases: dict[str, Any]) -> None:
    assert score(url, program, cases) == (1.0, ["success"] * 4)


@pytest.mark.parametrize(("program", "cases"), [(WRONG + DRIVER, STDIO), (WRONG, CALLS)])
def test_a_wrong_solution_scores_its_passing_fraction(url: str, program: str, cases: dict[str, Any]) -> None:
    assert score(url, program, cases) == (0.25, ["success", *["wrong_answer"] * 3])


@pytest.mark.parametrize("form", ["stdio", "fn_name"])
@pytest.mark.parametrize("name", list(CHEATS))
def test_no_cheat_scores(url: str, name: str, form: str) -> None:
    program, cases = (CHEATS[name] + DRIVER, STDIO) if form == "stdio" else (CHEATS[name], CALLS)
    value, statuses = score(url, program, cases)
    assert value == 0.0, (name, statuses)
    assert set(statuses) <= VERDICTS, (name, statuses)  # judged by the server, not lost to an API error


@pytest.mark.parametrize("name", [*HOSTILE, "setsid escape"])
def test_no_hostile_program_scores(url: str, name: str) -> None:
    program = SETSID_ESCAPE if name == "setsid escape" else HOSTILE[name][0]
    value, statuses = score(url, program + "\n", {"inputs": [""], "outputs": ["ok"]}, timeout=3)
    assert value == 0.0, (name, statuses)
    assert set(statuses) <= (VERDICTS - {"success"}) | {"client_timeout"}, (name, statuses)


def test_the_trainer_config_key_points_verl_at_the_server(url: str, verl_config: Any, tokenizer: Any) -> None:
    """`reward.sandbox_fusion.url` (no custom reward function): verl's loader wraps its default score with the
    URL, which routes code data sources (codecontests, apps, codeforces, taco) to the server."""
    manager = load_reward_manager(verl_config(f"reward.sandbox_fusion.url={url}"), tokenizer)
    for program, expected in [(HONEST, 1.0), (WRONG, 0.25), (CHEATS["sys.exit(0) before the tests"], 0.0)]:
        answer = f"```python\n{program}{DRIVER}```"
        value = manager.compute_score(data_source="codecontests", solution_str=answer, ground_truth=STDIO)
        assert value == expected, program
