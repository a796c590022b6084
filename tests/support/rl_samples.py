"""Tasks and model-shaped completions for the reward tests: honest, wrong, partial, slow, hostile."""

from __future__ import annotations

from pathlib import Path

from tasks.spec import TaskSpec, TestSet
from tests.support.hacks import TESTS

CONTEST_DATA = Path(__file__).parents[1] / "tasks" / "data" / "contest.jsonl"

WRONG = "def square(x):\n    return x + x\n"  # right for 2 only: 1 of 5 asserts
PARTIAL = "def square(x):\n    return x * x if x >= 0 else -x * x\n"  # wrong for negatives: 4 of 5 asserts
SLOW = "import time\n\ndef square(x):\n    time.sleep(60)\n    return x * x\n"
CRASH = "import no_such_module_anywhere\n\ndef square(x):\n    return x * x\n"  # fails as it loads


def square_task(time_limit_s: float = 3.0, tests: str = TESTS) -> TaskSpec:
    """The reward-hack suite's task: `square(x)` on its five asserts."""
    return TaskSpec(
        id="toy/square",
        suite="toy",
        prompt="Write square(x) returning x * x.",
        kind="function",
        entry_point="square",
        public_tests=TestSet(code="assert square(2) == 4\n"),
        hidden_tests=TestSet(code=tests),
        time_limit_s=time_limit_s,
    )


def as_completion(code: str, *, thinking: str = "Square it: x * x.") -> str:
    """What a reasoning model writes: its thinking, then the answer with one fenced block."""
    return f"<think>\n{thinking}\n</think>\n\nHere is my solution.\n\n```python\n{code}\n```\n"


def as_messages(code: str) -> list[dict[str, str]]:
    """The same completion in TRL's conversational form."""
    return [{"role": "assistant", "content": as_completion(code)}]


# The hostile list (tests/sandbox/test_hostile.py) as answers to `square`. Attacks that end the run score 0;
# quiet ones ride along with PARTIAL and must earn no more than PARTIAL alone. Only an answer's definitions
# are graded (tasks.definitions), so each attack runs inside the function (`run_by_square`).
ENDS_THE_RUN = {
    "infinite loop": "while True:\n    pass\n",
    "sleep past the time limit": "import time\ntime.sleep(60)\n",
    "fork bomb": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
    "memory bomb": "blocks = []\nwhile True:\n    blocks.append(b'x' * 50_000_000)\n",
    "disk fill": "with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * 1_000_000)\n",
    "a gigabyte of output": "import sys\nchunk = 'y' * 65536\nfor _ in range(16384):\n    sys.stdout.write(chunk)\n",
    "kill the executor, then itself": (
        "import os, signal\n"
        "for target in (1, os.getppid(), -1):\n"
        "    try:\n"
        "        os.kill(target, signal.SIGKILL)\n"
        "    except OSError:\n"
        "        pass\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    ),
    "compile bomb": "x = 1\n" * 1_000_000,
    "source past the job size limit": "#" * (40 * 1024 * 1024),
}
RIDES_ALONG = {
    "output a little over the cap": "print('z' * 70000)\n",
    "binary and invalid utf-8 output": (
        "import sys\nsys.stdout.buffer.write(bytes(range(256)) + b'\\xff\\xfe\\xc3(')\n"
        "print('\\udcff', file=sys.stderr)\n"
    ),
    "a setsid daemon": (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        while True:\n"
        "            print('still here', flush=True)\n"
        "            time.sleep(0.01)\n"
        "    os._exit(0)\n"
    ),
    "network probe": (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 2375), timeout=2)\n"
        "except OSError:\n"
        "    pass\n"
    ),
    "writes outside the work dir": (
        "for path in ['/etc/passwd', '/opt/sandloop/executor.py', '/root/x', '/x']:\n"
        "    try:\n"
        "        open(path, 'a').write('owned')\n"
        "    except OSError:\n"
        "        pass\n"
    ),
    "plant files for the next job": (
        "import os\n"
        "for path in ['secret.txt', '/tmp/secret.txt', '/dev/shm/secret.txt']:\n"
        "    with open(path, 'w') as f:\n"
        "        f.write('the secret')\n"
        "os.makedirs('locked/deeper')\n"
        "os.chmod('locked', 0)\n"
    ),
    "sysv ipc and message queues": (
        "import ctypes, os\n"
        "libc = ctypes.CDLL('libc.so.6', use_errno=True)\n"
        "libc.shmget(1, 4096, 0o1666), libc.msgget(1, 0o1666), libc.semget(1, 1, 0o1666)\n"
        "libc.mq_open(b'/q', os.O_CREAT | os.O_RDWR, 0o666, None)\n"
    ),
    "a huge source": "x = [" + "1, " * 300_000 + "]\n",
}


def run_by_square(attack: str, square: str) -> str:
    """An answer whose `square` (HONEST or PARTIAL) runs `attack` first, each time the tests call it."""
    body = "".join(f"    {line}\n" if line.strip() else "\n" for line in attack.splitlines()) or "    pass\n"
    called = square.replace("def square(x):\n", "def square(x):\n    attack()\n", 1)
    return f"def attack():\n{body}    return None\n\n\n{called}"
