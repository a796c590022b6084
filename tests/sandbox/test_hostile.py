"""The hostile list: each attack gets its proper status, and the pool goes on serving cleanly after it.

All jobs here but one (which needs two CPUs) share one container (`solo_pool`), so whatever an attack leaves
behind, the next job would see.
"""

from __future__ import annotations

import os

import docker
import pytest

from sandbox import JobResult, Limits, PoolConfig, RunJob, SandboxPool

pytestmark = pytest.mark.docker

# A job that reports every process it can see and every file left in the scratch space.
CENSUS = """
import os
pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
leftovers = []
for root in ('/tmp', '/dev/shm'):
    for folder, dirs, files in os.walk(root):
        leftovers += [os.path.join(folder, name) for name in dirs + files]
print(pids == [1, os.getpid()], sorted(leftovers))
"""


def run(pool: SandboxPool, source: str, **limits: float) -> JobResult:
    return pool.run(RunJob(source=source, limits=Limits(**limits)))


def assert_clean(pool: SandboxPool) -> None:
    """No process but the executor and this job, no file but the work dir: nothing survived the last job."""
    census = run(pool, CENSUS)
    assert census.status == "passed", census
    assert census.stdout == "True ['/tmp/job', '/tmp/job/main.py']\n"


def test_infinite_loop_hits_the_cpu_limit(solo_pool: SandboxPool) -> None:
    # The wall clock is far away, so only the CPU limit can end it (however loaded the host is).
    result = run(solo_pool, "while True:\n    pass", timeout_s=60, cpu_time_s=1)
    assert result.status == "timeout"
    assert 1.0 <= result.duration_s < 60.0
    assert_clean(solo_pool)


def test_the_cpu_limit_cannot_be_caught(solo_pool: SandboxPool) -> None:
    # With a soft limit below the hard one the kernel first sends a SIGXCPU, which a job can catch: it exited 0,
    # a pass, a second past its limit. Now the limit's only signal is SIGKILL.
    catcher = (
        "import os, signal\n"
        "def leave(*_):\n"
        "    print('caught', flush=True)\n"
        "    os._exit(0)\n"
        "signal.signal(signal.SIGXCPU, leave)\n"
        "while True:\n"
        "    pass\n"
    )
    result = run(solo_pool, catcher, timeout_s=60, cpu_time_s=1)
    assert result.status == "timeout", result
    assert "caught" not in result.stdout
    assert_clean(solo_pool)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs a host with two CPUs")
def test_threads_that_spend_cpu_faster_than_the_wall_clock_hit_the_cpu_limit(
    docker_client: docker.DockerClient,
) -> None:
    # Two threads hashing outside the GIL on two CPUs spend the 2 CPU seconds in about 1 s of wall time: the
    # kernel's signal then comes before the wall clock reaches the limit, and it is a timeout all the same (a
    # JVM's JIT and GC threads did this to a 1 s Java job). It used to be "error: killed by signal 24".
    spinners = (
        "import hashlib, threading\n"
        "block = b'x' * (1 << 20)\n"
        "def spin():\n"
        "    while True:\n"
        "        hashlib.sha256(block).digest()\n"
        "for _ in range(2):\n"
        "    threading.Thread(target=spin, daemon=True).start()\n"
        "threading.Event().wait()\n"
    )
    with SandboxPool(PoolConfig(size=1, cpus=2), client=docker_client) as two_cpus:
        result = run(two_cpus, spinners, timeout_s=60, cpu_time_s=2)
    assert result.status == "timeout", result
    assert result.duration_s < 60.0


def test_sleep_past_the_wall_clock_limit(solo_pool: SandboxPool) -> None:
    result = run(solo_pool, "import time\nprint('start', flush=True)\ntime.sleep(60)", timeout_s=1)
    assert result.status == "timeout"
    assert result.stdout == "start\n"
    assert_clean(solo_pool)


def test_fork_bomb_is_contained(solo_pool: SandboxPool) -> None:
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    result = run(solo_pool, bomb, timeout_s=2)
    assert result.status == "timeout"
    assert_clean(solo_pool)


def test_memory_bomb_gets_status_memory(solo_pool: SandboxPool) -> None:
    result = run(solo_pool, "blocks = []\nwhile True:\n    blocks.append(b'x' * 50_000_000)", timeout_s=20)
    assert result.status == "memory"
    assert_clean(solo_pool)


def test_disk_fill_stops_at_the_scratch_size(solo_pool: SandboxPool) -> None:
    fill = "with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * 1_000_000)\n"
    result = run(solo_pool, fill, timeout_s=20)
    assert result.status == "error"
    assert "No space left on device" in (result.message or "") or "File too large" in (result.message or "")
    assert_clean(solo_pool)


def test_a_gigabyte_of_output_is_cut_and_stopped(solo_pool: SandboxPool) -> None:
    flood = "import sys\nchunk = 'y' * 65536\nfor _ in range(16384):\n    sys.stdout.write(chunk)\n"
    result = run(solo_pool, flood, timeout_s=30)
    assert result.status == "output_limit"
    head, marker = result.stdout[:65536], result.stdout[65536:]
    assert head == "y" * 65536
    assert marker.startswith("\n[sandloop: output cut: the job was stopped after printing")
    assert result.stdout_truncated_bytes >= 15 * 65536
    assert_clean(solo_pool)


def test_output_a_little_over_the_cap_finishes_with_a_marker(solo_pool: SandboxPool) -> None:
    result = run(solo_pool, "print('z' * 70000)")
    assert result.status == "passed"
    assert result.stdout_truncated_bytes == 70001 - 65536
    assert result.stdout.endswith(f"\n[sandloop: output cut: {70001 - 65536} more bytes not shown]")


def test_binary_and_invalid_utf8_output(solo_pool: SandboxPool) -> None:
    source = "import sys\nsys.stdout.buffer.write(bytes(range(256)) + b'\\xff\\xfe\\xc3(')\nprint('\\udcff', file=sys.stderr)"
    result = run(solo_pool, source)
    assert result.status == "passed"
    assert result.stdout.startswith("\x00\x01\x02")
    assert "\ufffd" in result.stdout
    assert result.stderr == "\\udcff\n"
    JobResult.model_validate_json(result.model_dump_json())


def test_a_setsid_child_does_not_outlive_the_job(solo_pool: SandboxPool) -> None:
    escape = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        while True:\n"
        "            print('still here', flush=True)\n"  # holds the job's stdout open
        "            time.sleep(0.01)\n"
        "    os._exit(0)\n"
        "print('parent leaves')\n"
    )
    result = run(solo_pool, escape, timeout_s=10)
    assert result.status == "passed"
    assert result.duration_s < 5  # the job ended with its main process, not with the daemon
    assert result.stdout.startswith("parent leaves\n") or "parent leaves\n" in result.stdout
    assert_clean(solo_pool)


def test_no_network(solo_pool: SandboxPool) -> None:
    # Proven without aiming at any outside address: only a loopback interface, no route anywhere, and the
    # container's own loopback is not the host's (nothing listens there).
    probe = (
        "import socket\n"
        "print(sorted(name for _, name in socket.if_nameindex()))\n"
        "print(open('/proc/net/route').read().splitlines()[1:])\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 2375), timeout=2)\n"
        "    print('connected')\n"
        "except OSError as error:\n"
        "    print('refused', type(error).__name__)\n"
    )
    result = run(solo_pool, probe, timeout_s=15)
    assert result.status == "passed"
    assert result.stdout.splitlines() == ["['lo']", "[]", "refused ConnectionRefusedError"]


def test_the_host_socket_is_out_of_reach(solo_pool: SandboxPool) -> None:
    # The executor speaks to the host on a Unix socket from a mounted folder: a job can neither enter that
    # folder nor connect, and holds no socket the executor had.
    probe = (
        "import os, socket, stat\n"
        "try:\n"
        "    print(os.listdir('/run/sandloop'))\n"
        "except OSError as error:\n"
        "    print('hidden', type(error).__name__)\n"
        "try:\n"
        "    socket.socket(socket.AF_UNIX).connect('/run/sandloop/executor.sock')\n"
        "    print('connected')\n"
        "except OSError as error:\n"
        "    print('refused', type(error).__name__)\n"
        "def is_socket(fd):\n"
        "    try:\n"
        "        return stat.S_ISSOCK(os.fstat(fd).st_mode)\n"
        "    except OSError:\n"
        "        return False\n"
        "print([fd for fd in range(256) if is_socket(fd)])\n"
    )
    assert {container.transport for container in solo_pool._all} == {"socket"}
    result = run(solo_pool, probe)
    assert result.stdout.splitlines() == ["hidden PermissionError", "refused PermissionError", "[]"]


def test_nothing_outside_the_work_dir_is_writable(solo_pool: SandboxPool) -> None:
    probe = (
        "for path in ['/etc/passwd', '/opt/sandloop/executor.py', '/usr/lib/python3/x.py', '/root/x', '/x']:\n"
        "    try:\n"
        "        open(path, 'a').write('owned')\n"
        "        print('wrote', path)\n"
        "    except OSError as error:\n"
        "        print('refused', type(error).__name__)\n"
        "import os\n"
        "print(os.getuid(), os.geteuid(), open('/proc/self/status').read().split('CapEff:')[1].split()[0])\n"
    )
    result = run(solo_pool, probe)
    lines = result.stdout.splitlines()
    assert all(line.startswith("refused") for line in lines[:5]), lines
    assert lines[5] == "10001 10001 0000000000000000"  # not root, no capabilities


def test_another_jobs_files_are_gone(solo_pool: SandboxPool) -> None:
    plant = (
        "import os\n"
        "for path in ['secret.txt', '/tmp/secret.txt', '/dev/shm/secret.txt']:\n"
        "    with open(path, 'w') as f:\n"
        "        f.write('the secret')\n"
        "os.makedirs('locked/deeper')\n"
        "os.chmod('locked', 0)\n"
    )
    assert run(solo_pool, plant).status == "passed"
    assert_clean(solo_pool)


def test_sysv_ipc_and_message_queues_are_off(solo_pool: SandboxPool) -> None:
    probe = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL('libc.so.6', use_errno=True)\n"
        "print(libc.shmget(1, 4096, 0o1666), libc.msgget(1, 0o1666), libc.semget(1, 1, 0o1666),\n"
        "      libc.mq_open(b'/q', os.O_CREAT | os.O_RDWR, 0o666, None))\n"
    )
    assert run(solo_pool, probe).stdout == "-1 -1 -1 -1\n"


def test_the_executor_cannot_be_killed(solo_pool: SandboxPool) -> None:
    attack = (
        "import os, signal\n"
        "for target in (1, os.getppid(), -1):\n"  # -1: every process this user may signal but itself
        "    try:\n"
        "        os.kill(target, signal.SIGKILL)\n"
        "    except OSError as error:\n"
        "        print('refused', type(error).__name__, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = run(solo_pool, attack)
    assert result.stdout == "refused PermissionError\nrefused PermissionError\nrefused ProcessLookupError\n"
    assert result.status == "error"
    assert result.message == "killed by signal 9"
    assert_clean(solo_pool)


def test_huge_sources(solo_pool: SandboxPool) -> None:
    big = "x = [" + "1, " * 300_000 + "]\nprint(len(x))\n"  # 0.9 MB of source
    assert run(solo_pool, big, timeout_s=60).stdout == "300000\n"
    compile_bomb = "x = 1\n" * 1_000_000  # 6 MB: compiling it takes more than the container's memory
    assert run(solo_pool, compile_bomb, timeout_s=60).status == "memory"
    too_big = run(solo_pool, "#" * (40 * 1024 * 1024))
    assert too_big.status == "error"
    assert "exceeds" in (too_big.message or "")
    assert_clean(solo_pool)
