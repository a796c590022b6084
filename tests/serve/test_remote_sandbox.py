"""`--sandbox-url`: sandloop's own grading on `sandloop serve` processes (real servers on 127.0.0.1), with the
local pool's verdicts, jobs spread across the servers, and faults that end as infra errors, never verdicts."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest
from pydantic import SecretStr

from bench.humaneval_samples import broken_program, load_problems
from rl.dataset import VERIFICATION_COLUMN, verification_info
from rl.trl_reward import TrlReward
from sandbox import CasesJob, IOCase, Job, JobResult, Limits, PoolConfig, RunJob, SandboxPool, TestJob
from sandbox.remote import INFO_PATH, RemoteConfig, RemoteRefused, RemoteSandbox, ServersUnreachable
from tasks.grading import grade_many
from tasks.infra_retry import InfraRetry
from tasks.spec import TaskSpec
from tests.support.batch_run import EXAMPLES, ROOT, sandloop
from tests.support.hacks import CASES, CHEATS, DRIVER, HONEST
from tests.support.rl_samples import PARTIAL, WRONG, as_completion, square_task
from tests.support.server_process import ServerProcess, free_port

pytestmark = pytest.mark.docker

TOKEN = "remote-sandbox-test-token-0123"
EVERY_BYTE = bytes(range(256))

MIXED: list[Job] = [
    RunJob(source="print(input()[::-1])", stdin="sandloop"),
    RunJob(
        source="data = open('in/b.bin', 'rb').read()\nopen('out.bin', 'wb').write(data[::-1])\nprint(len(data))",
        binary_files={"in/b.bin": EVERY_BYTE},
        fetch_files=["out.bin", "missing.bin"],
    ),
    RunJob(source="raise ValueError('no')"),
    RunJob(source="import time\ntime.sleep(5)", limits=Limits(timeout_s=0.5)),
    RunJob(source="print('x' * 10**7)"),
    TestJob(source=HONEST, tests="assert square(2) == 4\nassert square(3) == 9", entry_point="square"),
    TestJob(source=HONEST, tests="assert square(2) == 4\nassert square(3) == 10", entry_point="square"),
    TestJob(source="import sys\nsys.exit(0)", tests="assert square(2) == 4", entry_point="square"),
    CasesJob(source=HONEST + DRIVER, cases=[IOCase(input=given, output=wanted) for given, wanted in CASES]),
    CasesJob(
        source=HONEST + DRIVER, cases=[IOCase(input="2", output="5.0"), IOCase(input="3", output="9.0")]
    ),
    CasesJob(
        source=HONEST + DRIVER,
        cases=[IOCase(input="2", output="5.0"), IOCase(input="3", output="9.0")],
        fail_fast=True,
    ),
]


CORPUS = {"honest": HONEST, "wrong": WRONG, "partial": PARTIAL, **CHEATS}
HACKS = [
    square_task().model_copy(update={"id": f"hack-{n:02d}", "reference_solution": code})
    for n, code in enumerate(CORPUS.values())
]


def outcome(result: JobResult) -> dict[str, Any]:
    """Everything of a result but how long things took."""
    kept = result.model_dump(exclude={"duration_s", "compile"})
    kept["tests"] = [{k: v for k, v in test.items() if k != "duration_s"} for test in kept["tests"]]
    return kept


def jobs_run(url: str) -> int:
    """The server's own count of jobs it ran for sandloop clients."""
    answer = httpx.get(url + INFO_PATH, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    return int(answer.json()["jobs"])


def dead_url() -> str:
    """An address where nothing listens: connections are refused."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="module")
def second(docker_client: docker.DockerClient) -> Iterator[ServerProcess]:
    """A second server, one warm container, behind a bearer token (the shared one has none)."""
    process = ServerProcess("--workers", "1", "--token", TOKEN)
    yield process
    process.stop()
    process.assert_released(docker_client)


@pytest.fixture(scope="module")
def both(server: ServerProcess, second: ServerProcess) -> RemoteConfig:
    return RemoteConfig(urls=(server.url, second.url), token=SecretStr(TOKEN))


@pytest.fixture(scope="module")
def local(pool: SandboxPool) -> list[dict[str, Any]]:
    return [outcome(result) for result in pool.run_many(MIXED)]


def test_results_are_the_local_pools_and_jobs_spread_over_both_servers(
    both: RemoteConfig, local: list[dict[str, Any]]
) -> None:
    before = [jobs_run(url) for url in both.urls]
    with RemoteSandbox(both) as remote:
        results = remote.run_many(MIXED * 2)
    assert [outcome(result) for result in results] == local * 2
    statuses = {result.status for result in results}
    assert {"passed", "failed", "error", "timeout", "output_limit"} <= statuses
    ran = [jobs_run(url) - start for url, start in zip(both.urls, before, strict=True)]
    assert sum(ran) == 2 * len(MIXED) and min(ran) > 0, ran


def test_a_server_down_sends_its_jobs_to_the_other(
    server: ServerProcess, local: list[dict[str, Any]]
) -> None:
    remote = RemoteSandbox(RemoteConfig(urls=(dead_url(), server.url)))
    with remote:
        results = remote.run_many(MIXED)
    assert [outcome(result) for result in results] == local
    down, up = remote.servers
    assert down.faults >= 1 and down.sent == 0 and up.sent == len(MIXED)


def test_a_server_stopping_mid_run_leaves_no_job_without_its_verdict(
    docker_client: docker.DockerClient, server: ServerProcess
) -> None:
    third = ServerProcess("--workers", "1")
    try:
        jobs = [RunJob(source=f"import time\ntime.sleep(0.2)\nprint({n})") for n in range(30)]
        remote = RemoteSandbox(RemoteConfig(urls=(server.url, third.url)))
        stopper = threading.Timer(1.0, third.stop)
        with remote:
            stopper.start()
            results = remote.run_many(jobs)
        stopper.join()
        assert [(r.status, r.stdout) for r in results] == [("passed", f"{n}\n") for n in range(30)]
        assert remote.servers[1].sent > 0  # it took jobs before it went
    finally:
        third.stop()
        third.assert_released(docker_client)


def test_every_server_down_is_an_infra_error_never_a_verdict() -> None:
    remote = RemoteSandbox(RemoteConfig(urls=(dead_url(), dead_url())))
    with pytest.raises(ServersUnreachable, match="no sandbox server answers"):
        remote.start()
    task: TaskSpec = HACKS[0]
    no_wait = InfraRetry(max_attempts=2, backoff_s=0.0)
    [verdict] = grade_many(
        remote, [(task, task.reference_solution or "")], retry=no_wait, wait=lambda _: None
    )
    assert verdict.status == "infra_error" and not verdict.passed and verdict.attempts == 2
    assert "Connection refused" in (verdict.message or "")
    remote.close()


def test_a_missing_token_is_refused_naming_the_server(second: ServerProcess) -> None:
    with pytest.raises(RemoteRefused, match=f"{second.url} refused the bearer token"):
        RemoteSandbox(RemoteConfig(urls=(second.url,))).start()


def test_a_language_the_servers_lack_is_refused_at_start(server: ServerProcess) -> None:
    needs_cpp = RemoteSandbox(RemoteConfig(urls=(server.url,)), PoolConfig(languages=("python", "cpp")))
    with pytest.raises(RemoteRefused, match="does not run cpp"):
        needs_cpp.start()


def test_the_trl_reward_through_servers_is_the_local_reward_on_the_hack_corpus(
    pool: SandboxPool, both: RemoteConfig
) -> None:
    prompts = [task.prompt for task in HACKS]
    completions = [as_completion(task.reference_solution or "") for task in HACKS]
    column = {VERIFICATION_COLUMN: [verification_info(task) for task in HACKS]}
    local = TrlReward(pool)(prompts, completions, **column)
    metrics: dict[str, float] = {}
    with RemoteSandbox(both) as remote:
        over_http = TrlReward(remote)(prompts, completions, **column, log_metric=metrics.__setitem__)
    assert over_http == local
    assert over_http[0] == 1.0 and all(value is not None and value < 1.0 for value in over_http[1:])
    assert metrics["sandbox/infra_unscored"] == 0.0


def write_samples(path: Path, samples: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(sample) + "\n" for sample in samples))


def read_results(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:  # how long each took differs between any two runs
        row.pop("duration_s", None)
        for test in row.get("tests", []):
            test.pop("duration_s", None)
    return rows


def test_evaluate_with_two_sandbox_urls_gives_the_local_verdicts(
    both: RemoteConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    samples = []
    for problem in load_problems(4):
        samples.append({"task_id": problem["task_id"], "completion": problem["canonical_solution"]})
        samples.append({"task_id": problem["task_id"], "completion": broken_program(problem)})
    (tmp_path / "local").mkdir()
    (tmp_path / "remote").mkdir()
    write_samples(tmp_path / "local" / "samples.jsonl", samples)
    write_samples(tmp_path / "remote" / "samples.jsonl", samples)
    done = sandloop("evaluate", "humaneval", str(tmp_path / "local" / "samples.jsonl"))
    assert done.returncode == 0, done.stdout + done.stderr

    monkeypatch.setenv("GRADER_TOKEN", TOKEN)
    before = [jobs_run(url) for url in both.urls]
    urls = [arg for url in both.urls for arg in ("--sandbox-url", url)]
    remote_args = [str(tmp_path / "remote" / "samples.jsonl"), *urls, "--sandbox-token-env", "GRADER_TOKEN"]
    done = sandloop("evaluate", "humaneval", *remote_args)
    assert done.returncode == 0, done.stdout + done.stderr
    ran = [jobs_run(url) - start for url, start in zip(both.urls, before, strict=True)]
    assert sum(ran) == len(samples) and min(ran) > 0, ran

    local = read_results(tmp_path / "local" / "samples.jsonl_results.jsonl")
    remote = read_results(tmp_path / "remote" / "samples.jsonl_results.jsonl")
    assert remote == local
    assert [row["passed"] for row in remote] == [True, False] * 4


def test_run_with_sandbox_urls_grades_on_the_servers(both: RemoteConfig, tmp_path: Path) -> None:
    server_url = both.urls[0]  # the one without a token: no token env needed
    before = jobs_run(server_url)
    args = ["--backend", "oracle", "--mode", "single-shot", "-n", "2", "--out", str(tmp_path / "run")]
    done = sandloop("run", EXAMPLES, *args, "--sandbox-url", server_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert jobs_run(server_url) - before == 6


def test_a_ray_run_with_a_sandbox_url_grades_on_the_server(both: RemoteConfig, tmp_path: Path) -> None:
    server_url = both.urls[0]
    before = jobs_run(server_url)
    args = ["--backend", "oracle", "--mode", "single-shot", "-n", "2", "--out", str(tmp_path / "run")]
    done = sandloop(
        "run", EXAMPLES, *args, "--executor", "ray", "--workers", "2", "--sandbox-url", server_url
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert jobs_run(server_url) - before == 6  # every grade from the Ray workers went to the server
    assert "pass@1" in done.stdout and "1.000" in done.stdout


def test_rollouts_with_a_sandbox_url_grade_and_export_from_the_server(
    both: RemoteConfig, tmp_path: Path
) -> None:
    server_url = both.urls[0]
    before = jobs_run(server_url)
    out = tmp_path / "rollouts"
    args = ["--backend", "oracle", "-n", "1", "--out", str(out), "--heldout-percent", "0"]
    done = sandloop("rollouts", EXAMPLES, *args, "--sandbox-url", server_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert jobs_run(server_url) - before >= 3  # at least each task's hidden tests, on the server
    rows = [json.loads(line) for line in (out / "rollouts.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and all(row["reward"] == 1.0 for row in rows)


def test_a_bad_sandbox_url_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    write_samples(path, [{"task_id": "HumanEval/0", "completion": "pass"}])
    done = sandloop("evaluate", "humaneval", str(path), "--sandbox-url", "localhost:8080")
    assert done.returncode == 2
    assert "--sandbox-url: sandbox URL 'localhost:8080': expected http://HOST:PORT" in done.stderr


def test_the_verl_reward_with_sandbox_urls_is_the_local_reward(
    pool: SandboxPool, server: ServerProcess
) -> None:
    from rl import verl_scoring
    from rl.process_pool import close_pool, configure_pool, shared_pool

    truths = [verification_info(task) for task in HACKS]
    completions = [as_completion(task.reference_solution or "") for task in HACKS]
    sources = [None] * len(HACKS)
    configure_pool(PoolConfig(size=2))
    try:
        local = verl_scoring.compute_score_batch(sources, completions, truths)
        close_pool()
        before = jobs_run(server.url)
        remote = verl_scoring.compute_score_batch(sources, completions, truths, sandbox_urls=[server.url])
        assert isinstance(shared_pool(), RemoteSandbox)
    finally:
        configure_pool(None)
    assert remote == local
    assert jobs_run(server.url) - before == len(HACKS)
    assert [result["passed"] for result in remote] == [True] + [False] * (len(HACKS) - 1)


def test_loaded_rewards_read_the_urls_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from rl.config import RewardConfig
    from rl.process_pool import URLS_ENV, sandbox_urls

    monkeypatch.setenv(URLS_ENV, "http://a:8080, http://b:8080,")
    assert sandbox_urls(RewardConfig()) == ["http://a:8080", "http://b:8080"]
    assert sandbox_urls(RewardConfig(sandbox_urls=("http://c:1",))) == ["http://c:1"]
    monkeypatch.delenv(URLS_ENV)
    assert sandbox_urls(RewardConfig()) == []


@pytest.mark.slow
def test_train_grpo_with_a_sandbox_url_rewards_on_the_server(server: ServerProcess, tmp_path: Path) -> None:
    pytest.importorskip("trl")
    before = jobs_run(server.url)
    small = [
        "--steps",
        "1",
        "--num-generations",
        "2",
        "--prompts-per-step",
        "1",
        "--max-completion-length",
        "16",
        "--limit",
        "2",
    ]
    command = [sys.executable, "-m", "cli.main", "train", "grpo", *small, "--out", str(tmp_path)]
    done = subprocess.run([*command, "--sandbox-url", server.url], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "final").is_dir()
    assert jobs_run(server.url) - before >= 2  # every completion of the step was graded there
