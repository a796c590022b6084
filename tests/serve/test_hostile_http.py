"""The hostile list over HTTP: `/run_code` reports what each attack did, `/submit` accepts none of them, and the
server goes on answering correctly after all of them.

The attacks are those of tests/sandbox/test_hostile.py (written inline there), sent as requests.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.hostile_programs import HOSTILE, SETSID_ESCAPE

pytestmark = pytest.mark.docker


def run(url: str, code: str, timeout: float = 3) -> dict[str, Any]:
    answer = httpx.post(
        f"{url}/run_code", json={"code": code, "language": "python", "run_timeout": timeout}, timeout=120
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.parametrize("name", list(HOSTILE))
def test_run_code_reports_each_attack(url: str, name: str) -> None:
    program, status, code, text = HOSTILE[name]
    body = run(url, program)
    result = body["run_result"]
    assert body["status"] == "Failed", (name, body)
    assert result["status"] == status, (name, result)
    if code is not None:
        assert result["return_code"] == code, (name, result)
    assert text in result["stdout"][-2000:] + result["stderr"], (name, result["stderr"][-500:])


@pytest.mark.parametrize("name", [*HOSTILE, "setsid escape"])
def test_submit_accepts_no_attack(url: str, name: str) -> None:
    program = SETSID_ESCAPE if name == "setsid escape" else HOSTILE[name][0]
    # "ok" is what the network and file attacks print only if they succeed. The setsid escape's grandchild
    # prints "ok" itself, and what a program's processes print before the job ends is its output (in any
    # judge): what must hold is that it outlives nothing (the cleanliness test), so it is judged against an
    # answer none of its processes prints.
    expected = "done" if name == "setsid escape" else "ok"
    problem = {"id": 1, "test": [{"input": {"stdin": ""}, "output": {"stdout": expected}}]}
    config = {
        "dataset_type": "CommonOJDataset",
        "language": "python",
        "run_timeout": 3,
        "provided_data": problem,
    }
    body = {"dataset": "hostile", "id": 1, "completion": f"```python\n{program}\n```", "config": config}
    answer = httpx.post(f"{url}/submit", json=body, timeout=120)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] is False, name


def test_the_server_serves_cleanly_after_the_attacks(url: str) -> None:
    census = (
        "import os\n"
        "pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
        "print(pids == [1, os.getpid()], sorted(os.listdir('.')))\n"
    )
    for _ in range(4):  # both containers
        body = run(url, census)
        assert body["status"] == "Success"
        assert body["run_result"]["stdout"] == "True ['main.py']\n"
