"""Hostile programs as plain source text (the attacks of tests/sandbox/test_hostile.py), for tests that send
them through another door (HTTP, load tests)."""

from __future__ import annotations

FORK_BOMB = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
MEMORY_BOMB = "blocks = []\nwhile True:\n    blocks.append(b'x' * 50_000_000)"
DISK_FILL = "with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * 1_000_000)\n"
OUTPUT_FLOOD = "import sys\nchunk = 'y' * 65536\nwhile True:\n    sys.stdout.write(chunk)\n"
SETSID_ESCAPE = (
    "import os, time\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    if os.fork() == 0:\n"
    "        time.sleep(0.5)\n"  # it prints only if it outlives the program: one early 'ok' would be an answer
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
