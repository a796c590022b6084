"""The Docker engine dies mid-run: the jobs in flight end as `infra_error`, later jobs raise EngineLost, the
pool closes cleanly, and the CLI ends with one line and exit code 75. A second dockerd with its own socket
and data root is killed (never the engine the other tests use)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
import pytest
from docker.models.containers import Container

from sandbox import JobResult, Limits, PoolConfig, RunJob, SandboxPool
from sandbox.errors import EngineLost
from sandbox.image import recipe

pytestmark = [pytest.mark.docker, pytest.mark.slow]

ROOT = Path(__file__).parents[2]
SLEEPER = RunJob(source="import time\ntime.sleep(600)", limits=Limits(timeout_s=600))


@dataclass
class SecondEngine:
    folder: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def cgroup_parent(self) -> str:
        return self.folder.name

    @property
    def url(self) -> str:
        return f"unix://{self.folder / 'd.sock'}"

    def start(self) -> docker.DockerClient:
        command = ["dockerd", "--host", self.url, "--data-root", str(self.folder / "root")]
        command += ["--exec-root", str(self.folder / "x"), "--pidfile", str(self.folder / "d.pid")]
        command += ["--bridge=none", "--iptables=false", "--ip6tables=false"]
        command += [f"--cgroup-parent=/{self.cgroup_parent}"]  # apart from the main engine's containers
        log = (self.folder / "dockerd.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            try:  # the client asks the engine its API version as it is made
                client = docker.DockerClient(base_url=self.url, timeout=60)
                client.ping()
                return client
            except docker.errors.DockerException as error:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    where = self.folder / "dockerd.log"
                    raise RuntimeError(f"the second dockerd did not come up: see {where}") from error
                time.sleep(0.2)

    def kill(self) -> None:
        """The engine dies as in a crash: SIGKILL, no clean-up."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def remove(self) -> None:
        """Stop the engine if it runs, then clear what a crashed one leaves: its containerd, shims and
        container processes (found by this engine's unique folder), mounts, cgroups and files."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._clear_leftovers()
        shutil.rmtree(self.folder, ignore_errors=True)

    def restart(self) -> docker.DockerClient:
        """After `kill`: what the crash left is cleared and the engine starts again on the same data root
        (its images kept), as an engine restarted by its service manager."""
        self._clear_leftovers()
        for runtime in ("x", "d.pid", "d.sock"):  # run-time state of the dead engine (a tmpfs on a real host)
            path = self.folder / runtime
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        return self.start()

    def _clear_leftovers(self) -> None:
        for pid in self._processes():
            for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
                os.kill(int(child), signal.SIGKILL)  # a container's init: its whole pid namespace dies
            os.kill(pid, signal.SIGKILL)
        mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
        for mount in sorted((m for m in mounts if m.startswith(str(self.folder))), reverse=True):
            subprocess.run(["umount", "-l", mount], check=False)
        for parent in Path("/sys/fs/cgroup").glob(f"*/{self.cgroup_parent}"):
            for group in [*(g for g in parent.iterdir() if g.is_dir()), parent]:
                _remove_cgroup(group)

    def _processes(self) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != os.getpid():
                try:
                    if str(self.folder).encode() in (entry / "cmdline").read_bytes():
                        found.append(int(entry.name))
                except OSError:
                    continue
        return found


def _remove_cgroup(group: Path) -> None:
    """A cgroup can be removed once its killed processes are gone, a moment after SIGKILL."""
    deadline = time.monotonic() + 30
    while True:
        try:
            group.rmdir()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def second_engine(docker_client: docker.DockerClient) -> Iterator[SecondEngine]:
    if os.geteuid() != 0 or shutil.which("dockerd") is None:
        pytest.skip("a second Docker engine needs root and dockerd")
    engine = SecondEngine(Path(tempfile.mkdtemp(prefix="sl-engine-", dir="/tmp")))
    try:
        client = engine.start()
        image = docker_client.images.get(recipe.image_tag())
        client.images.load(b"".join(image.save(named=True)))
        yield engine
    finally:
        engine.remove()


def _busy(container: Container) -> bool:
    try:
        return len(container.top()["Processes"] or []) > 1
    except docker.errors.NotFound:
        return False  # replaced by the pool between the listing and this look


def _wait_busy(client: docker.DockerClient, count: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        containers = client.containers.list(filters={"label": "sandloop.sandbox"})
        if sum(_busy(c) for c in containers) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{count} sandbox containers never ran a job")


def test_engine_loss_ends_the_jobs_in_flight_as_infra_errors(second_engine: SecondEngine) -> None:
    client = docker.DockerClient(base_url=second_engine.url, timeout=60)
    pool = SandboxPool(PoolConfig(size=2), client=client).start()
    results: list[JobResult] = []
    runners = [threading.Thread(target=lambda: results.append(pool.run(SLEEPER))) for _ in range(2)]
    for runner in runners:
        runner.start()
    _wait_busy(client, 2)
    second_engine.kill()
    for runner in runners:
        runner.join(timeout=120)  # a hang guard: the jobs would sleep 600 s
    assert [r.status for r in results] == ["infra_error", "infra_error"]
    with pytest.raises(EngineLost, match="stopped answering"):
        pool.run(RunJob(source="print(1)"))
    pool.close()  # no traceback from a container that cannot be removed


def test_a_pool_whose_engine_restarts_runs_jobs_again(second_engine: SecondEngine) -> None:
    client = docker.DockerClient(base_url=second_engine.url, timeout=60)
    pool = SandboxPool(PoolConfig(size=1), client=client).start()
    results: list[JobResult] = []
    runner = threading.Thread(target=lambda: results.append(pool.run(SLEEPER)))
    runner.start()
    _wait_busy(client, 1)
    second_engine.kill()
    runner.join(timeout=120)
    assert [r.status for r in results] == ["infra_error"]
    with pytest.raises(EngineLost, match="stopped answering"):
        pool.run(RunJob(source="print(1)"))  # still down: one line, no container attempt
    second_engine.restart()
    again = pool.run(RunJob(source="print(6 * 7)"))  # the same pool, the same client: it starts anew
    assert (again.status, again.stdout) == ("passed", "42\n")
    pool.close()


def test_a_run_whose_engine_dies_ends_in_one_line_and_exit_code_75(
    second_engine: SecondEngine, tmp_path: Path
) -> None:
    tasks = tmp_path / "tasks.jsonl"
    sleepy = {
        "suite": f"jsonl:{tasks}",
        "prompt": "Write f() returning 1.",
        "kind": "function",
        "entry_point": "f",
        "public_tests": {"code": "assert f() == 1\n"},
        "hidden_tests": {"code": "assert f() == 1\n"},
        "reference_solution": "import time\ndef f():\n    time.sleep(600)\n    return 1\n",
        "time_limit_s": 600,
    }
    tasks.write_text("".join(json.dumps({"id": f"t{i}", **sleepy}) + "\n" for i in range(4)))
    command = [sys.executable, "-m", "cli.main", "run", f"jsonl:{tasks}", "--backend", "oracle"]
    command += ["--mode", "single-shot", "--workers", "2", "--out", str(tmp_path / "run")]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "DOCKER_HOST": second_engine.url, "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_busy(docker.DockerClient(base_url=second_engine.url, timeout=60), 2)
        second_engine.kill()
        _, stderr = process.communicate(timeout=180)  # a hang guard
    finally:
        process.kill()
    assert process.returncode == 75, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Docker engine stopped answering" in lines[0], stderr


def test_an_evaluate_whose_engine_dies_keeps_its_verdicts_exits_75_and_resumes(
    second_engine: SecondEngine, tmp_path: Path
) -> None:
    tasks = tmp_path / "tasks.jsonl"
    task = {
        "id": "f",
        "suite": f"jsonl:{tasks}",
        "prompt": "Write f() returning 1.",
        "kind": "function",
        "entry_point": "f",
        "public_tests": {"code": "assert f() == 1\n"},
        "hidden_tests": {"code": "assert f() == 1\n"},
        "time_limit_s": 60,
    }
    tasks.write_text(json.dumps(task) + "\n")
    quick = "def f():\n    return 1\n"
    slow = "import time\ndef f():\n    time.sleep(8)\n    return 1\n"  # still running when the engine dies
    samples = tmp_path / "samples.jsonl"
    lines = [{"task_id": "f", "completion": code} for code in (quick, quick, slow, slow)]
    samples.write_text("".join(json.dumps(line) + "\n" for line in lines))
    progress = tmp_path / "samples.jsonl_results.jsonl.progress"
    command = [sys.executable, "-m", "cli.main", "evaluate", f"jsonl:{tasks}", str(samples), "--workers", "2"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "DOCKER_HOST": second_engine.url, "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not progress.exists() or len(progress.read_text().splitlines()) < 2:
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.05)
        _wait_busy(docker.DockerClient(base_url=second_engine.url, timeout=60), 2)
        second_engine.kill()
        _, stderr = process.communicate(timeout=180)  # a hang guard
    finally:
        process.kill()
    assert process.returncode == 75, stderr
    lines_out = stderr.strip().splitlines()
    assert len(lines_out) == 1 and "Docker engine stopped answering" in lines_out[0], stderr
    saved = [json.loads(line) for line in progress.read_text().splitlines()]
    assert {entry["index"] for entry in saved if entry["verdict"]["status"] == "passed"} == {0, 1}

    # the main engine: the two verdicts kept, the two lost ones graded again
    resumed = subprocess.run(
        [sys.executable, "-m", "cli.main", "evaluate", f"jsonl:{tasks}", str(samples)],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming: 2 of 4 samples already graded" in resumed.stdout
    results = [
        json.loads(line) for line in (tmp_path / "samples.jsonl_results.jsonl").read_text().splitlines()
    ]
    assert [result["passed"] for result in results] == [True] * 4
