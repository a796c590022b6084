"""The reward-hack corpus over HTTP: `/submit` accepts no cheat (the output is judged in the server, never
inside the container), while `/run_code` reports truthfully what each cheat did (an early `sys.exit(0)` is a
successful run there, as in SandboxFusion: a run is not a verdict)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.test_reward_hacks import CHEATS, HONEST, TESTS

pytestmark = pytest.mark.docker

# The corpus's square(x) tasks as stdin/stdout cases: one number in, its square out.
DRIVER = "\nimport sys\nfor line in sys.stdin.read().split():\n    print(square(float(line)))\n"
CASES = [("2", "4.0"), ("-3", "9.0"), ("0.5", "0.25"), ("1.5", "2.25")]


def submit(url: str, program: str, **extra: Any) -> dict[str, Any]:
    problem = {"id": "square", "test": [{"input": {"stdin": i}, "output": {"stdout": o}} for i, o in CASES]}
    config = {
        "dataset_type": "CommonOJDataset",
        "language": "python",
        "run_timeout": 5,
        "provided_data": problem,
        "extra": extra,
    }
    completion = f"My answer:\n```python\n{program}{DRIVER}```\n"
    answer = httpx.post(
        f"{url}/submit",
        json={"dataset": "hacks", "id": "square", "completion": completion, "config": config},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_the_honest_solution_is_accepted(url: str) -> None:
    assert submit(url, HONEST)["accepted"] is True


@pytest.mark.parametrize("name", list(CHEATS))
def test_no_cheat_is_accepted(url: str, name: str) -> None:
    result = submit(url, CHEATS[name], run_all_cases=True)
    assert result["accepted"] is False, name
    assert not all(case["passed"] for case in result["tests"]), name


def test_run_code_reports_an_early_exit_as_the_run_it_was(url: str) -> None:
    program = f"{CHEATS['sys.exit(0) before the tests']}\n{TESTS}\ncheck(square)\n"
    body = httpx.post(f"{url}/run_code", json={"code": program, "language": "python"}).json()
    assert (body["status"], body["run_result"]["return_code"]) == ("Success", 0)
    honest = httpx.post(
        f"{url}/run_code", json={"code": f"{HONEST}\n{TESTS}\ncheck(square)\n", "language": "python"}
    ).json()
    assert honest["status"] == "Success"
