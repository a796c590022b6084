"""The hostile list over HTTP: `/run_code` reports what each attack did, `/submit` accepts none of them, and the
server goes on answering correctly after all of them.

The attacks are those of tests/sandbox/test_hostile.py (written inline there), sent as requests.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.docker

FORK_BOMB = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
MEMORY_BOMB = "blocks = []\nwhile True:\n    blocks.append(b'x' * 50_000_000)"
DISK_FILL = "with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * 1_000_000)\n"
OUTPUT_FLOOD = "import sys\nchunk = 'y' * 65536\nwhile True:\n    sys.stdout.write(chunk)\n"
SETSID_ESCAPE = (
    "import os, time\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    if os.fork() == 0:\n"
    "        while True:\n"
    "            print('ok', flush=True)\n"
    "            time.sleep(0.01)\n"
    "    os._exit(0)\n"
)
KILL_EVERYTHING = (
    "import os, signal\n"
    "for target in (1, os.getppid(), -1):\n"
    "    try:\n"
    "        os.kill(target, signal.SIGKILL)\n"
    "    except OSError:\n"
    "        pass\n"
    "os.kill(os.getpid(), signal.SIGKILL)\n"
)
NETWORK = "import socket\nsocket.create_connection(('127.0.0.1', 2375), timeout=2)\nprint('ok')\n"
WRITE_OUTSIDE = "open('/etc/passwd', 'a').write('owned')\nprint('ok')\n"
INFINITE_LOOP = "while True:\n    pass"
SLEEPER = "import time\nprint('start', flush=True)\ntime.sleep(60)"

# name -> (program, run_result.status, return code (None: any non-zero), text expected in stdout + stderr)
HOSTILE = {
    "infinite loop": (INFINITE_LOOP, "TimeLimitExceeded", None, ""),
    "sleep past the limit": (SLEEPER, "TimeLimitExceeded", None, "start"),
    "fork bomb": (FORK_BOMB, "TimeLimitExceeded", None, ""),
    "memory bomb": (MEMORY_BOMB, "Finished", -9, "memory limit reached"),
    "disk fill": (DISK_FILL, "Finished", 1, "No space left on device"),
    "output flood": (OUTPUT_FLOOD, "Finished", -9, "output cut"),
    "kill everything": (KILL_EVERYTHING, "Finished", -9, ""),
    "network": (NETWORK, "Finished", 1, "ConnectionRefusedError"),
    "write outside the work dir": (WRITE_OUTSIDE, "Finished", 1, "Error"),
}


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
    problem = {"id": 1, "test": [{"input": {"stdin": ""}, "output": {"stdout": "ok"}}]}
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
