"""One bench contender, run as its own process: `python -m bench.sandbox_worker cold|warm [LIMIT]`.

cold: start the pool, grade the canonical solutions, exit (the bench times the whole process).
warm: start the pool, warm it, then time grading canonical + broken; report throughput, verdicts, memory.
`--phases` adds the mean milliseconds per check of each phase of the job path (executor and host).
Prints one JSON object.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.humaneval_samples import broken_program, canonical_program, job, load_problems
from sandbox import PoolConfig, SandboxPool


def _container_peak_mb(pool: SandboxPool) -> float:
    api = pool.client.api

    def peak(container_id: str) -> float:
        stats = api.stats(container_id, stream=False)["memory_stats"]
        return float(stats.get("max_usage") or stats.get("usage") or 0) / 2**20

    ids = [container.id for container in pool._all]
    with ThreadPoolExecutor(len(ids)) as workers:
        return sum(workers.map(peak, ids))


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def mean_phases_ms(log: list[dict[str, int]]) -> dict[str, float]:
    """Mean milliseconds per check of each phase (a phase a check did not have counts as 0 for it); the
    `faults_` entries stay counts."""
    names = sorted({name for entry in log for name in entry})
    means = {name: sum(entry.get(name, 0) for entry in log) / len(log) for name in names}
    return {name: mean if name.startswith("faults_") else mean / 1e6 for name, mean in means.items()}


def main(mode: str, limit: int | None, phases: bool = False) -> dict[str, Any]:
    problems = load_problems(limit)
    canonical = [job(p, canonical_program(p)) for p in problems]
    with SandboxPool(PoolConfig()) as pool:
        if mode == "cold":
            results = pool.run_many(canonical)
            return {"passed": sum(r.status == "passed" for r in results), "total": len(results)}
        broken = [job(p, broken_program(p)) for p in problems]
        pool.run_many(canonical[: 2 * pool.config.size])  # warm-up
        pool.phase_log = [] if phases else None
        cpu_before = _own_cpu_s()
        started = time.perf_counter()
        results = pool.run_many(canonical + broken)
        elapsed = time.perf_counter() - started
        host_cpu_ms = (_own_cpu_s() - cpu_before) * 1000 / len(results)
        expected = [True] * len(canonical) + [False] * len(broken)
        wrong = [
            f"{problems[i % len(problems)]['task_id']} ({'canonical' if i < len(canonical) else 'broken'}): "
            f"{r.status} {r.message}"
            for i, (r, want) in enumerate(zip(results, expected, strict=True))
            if (r.status == "passed") != want
        ]
        return {
            "checks": len(results),
            "seconds": elapsed,
            "checks_per_s": len(results) / elapsed,
            "verdicts_correct": len(results) - len(wrong),
            "wrong": wrong,
            "host_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "containers_peak_mb": _container_peak_mb(pool),
            "pool_size": pool.config.size,
            "host_cpu_ms_per_check": host_cpu_ms,
            **({"phases_ms": mean_phases_ms(pool.phase_log)} if pool.phase_log else {}),
        }


if __name__ == "__main__":
    arguments = [word for word in sys.argv[1:] if word != "--phases"]
    limit = int(arguments[1]) if len(arguments) > 1 else None
    print(json.dumps(main(arguments[0], limit, phases="--phases" in sys.argv)))
