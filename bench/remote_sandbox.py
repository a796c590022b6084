"""`python -m bench.remote_sandbox [--limit N]`: sandloop's own grading over `--sandbox-url` against the local pool.

HumanEval's canonical and broken solutions (328 checks) graded three ways in one run, each with every verdict
checked: the in-process pool of 2 warm containers (the baseline), one `sandloop serve` process with 2
containers, and two `serve` processes with 1 container each (jobs spread across them, as `--sandbox-url A
--sandbox-url B` does). Servers and client share this machine's cores, so the remote columns show what the HTTP
hop and the extra processes cost, not what another host would add. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.humaneval_samples import broken_program, canonical_program, job, load_problems
from bench.serve_throughput import start_server, stop_server
from sandbox import PoolConfig, SandboxPool, TestJob
from sandbox.backend import Sandbox
from sandbox.remote import RemoteConfig, RemoteSandbox

console = Console(highlight=False)


def checks(limit: int | None) -> tuple[list[TestJob], list[bool]]:
    """Every problem's canonical solution (must pass) and a broken one (must fail)."""
    jobs, expected = [], []
    for problem in load_problems(limit):
        jobs += [job(problem, canonical_program(problem)), job(problem, broken_program(problem))]
        expected += [True, False]
    return jobs, expected


def grade(sandbox: Sandbox, jobs: list[TestJob], expected: list[bool]) -> dict[str, Any]:
    sandbox.run_many(jobs[:4])  # warm: the first jobs pay for connections and container start
    started = time.perf_counter()
    results = sandbox.run_many(jobs)
    seconds = time.perf_counter() - started
    correct = sum((r.status == "passed") == want for r, want in zip(results, expected, strict=True))
    return {"seconds": round(seconds, 3), "checks_per_s": round(len(jobs) / seconds, 1), "correct": correct}


def servers(stack: ExitStack, count: int, workers: int) -> RemoteConfig:
    urls = []
    for _ in range(count):
        process, url = start_server("--workers", str(workers))
        stack.callback(stop_server, process)
        urls.append(url)
    return RemoteConfig(urls=tuple(urls))


def main(limit: int | None) -> dict[str, Any]:
    jobs, expected = checks(limit)
    contenders: dict[str, Callable[[ExitStack], Sandbox]] = {
        "local pool, 2 containers": lambda stack: stack.enter_context(SandboxPool(PoolConfig(size=2))),
        "1 serve process, 2 containers": lambda stack: stack.enter_context(
            RemoteSandbox(servers(stack, 1, 2))
        ),
        "2 serve processes, 1 container each": lambda stack: stack.enter_context(
            RemoteSandbox(servers(stack, 2, 1))
        ),
    }
    figures: dict[str, dict[str, Any]] = {}
    for name, open_one in contenders.items():
        with ExitStack() as stack:
            figures[name] = grade(open_one(stack), jobs, expected)
        console.print(f"{name}: {figures[name]}")
    table = Table(
        "grading", "wall s", "checks/s", "verdicts correct", "vs local", box=None, header_style="bold"
    )
    local = figures["local pool, 2 containers"]["seconds"]
    for name, row in figures.items():
        table.add_row(
            name, f"{row['seconds']:.2f}", f"{row['checks_per_s']:.0f}", f"{row['correct']}/{len(jobs)}",
            f"{row['seconds'] / local:.2f}x",
        )  # fmt: skip
    console.print(table)
    return {"checks": len(jobs), **{name: row for name, row in figures.items()}}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="Only the first N HumanEval problems.")
    print(json.dumps(main(parser.parse_args().limit)))
