"""`python -m bench.agent_vs_single [--limit N] [--budget TOKENS] [--samples S] [--k K] [--steps STEPS]`: the agent
loop against single-shot sampling at an equal generated-token budget per task.

The embedded SmolLM2-135M (transformers backend, its preset's sampling) on the generated suite's held-out split
(66 tasks, `sandloop run generated:heldout`), every arm given BUDGET generated tokens per task and sample:
- agent: the LangGraph loop of `sandloop run --mode agent`, at most STEPS model calls sharing BUDGET tokens
  (`--max-tokens BUDGET --max-total-tokens BUDGET`: a reply may use what the budget has left,
  `agent.nodes.reply_sampling`), public tests as its tool;
- single-shot: one reply of up to BUDGET tokens (`--mode single-shot`);
- best-of-k: K single-shot replies of BUDGET // K tokens; the first whose answer passes the task's public tests
  is the answer (the public tests the agent also sees), else the first (`bench.best_of_k`).
Every sample is made and graded on the hidden tests by the batch runner (`batch.run_batch`, `SampleRunner`), so
verdicts and token counts come from the same functions as `sandloop run`; pass@1 is the unbiased mean over
SAMPLES samples per task (`batch.summary.summarize`), sample s sampled with seed s (best-of-k reply j of sample s:
seed s*K + j). Every arm runs CHUNK tasks before any goes further; run dirs under OUT are resumable: the same
command picks up where a killed run stopped, and `--rounds R` reports a run cut short on its first R*CHUNK tasks.

Cost (defaults: BUDGET 256, 1 sample, STEPS 4, K 4), measured on this 2-core machine shared by four benchmarks
(load 4, OMP_NUM_THREADS=1), first 30 tasks: tokens per sample agent 232, single-shot 122, best-of-k 194 spent
(all K replies generated); the three arms took 3805 s (~127 s a task), the agent arm alone 935 s with another
benchmark running. All 66 tasks: about 2 hours shared, `--limit 30` about an hour. Figures: docs/benchmarks.md.
Wall and CPU time per arm count this process's work only (a resumed run's earlier work is not in them).
Printed: pass@1 per arm side by side, agent / each baseline, tokens per task and sample, wall time per arm.
Last line: one JSON object. The target (agent pass@1 >= 1.5x single-shot) is reported, never a gate.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from agent.config import AgentConfig
from agent.models.base import ChatModel
from agent.models.embedded import default_model
from agent.models.presets import PresetOverrides, resolve_preset
from batch.config import Mode, RunConfig
from batch.run import run_batch
from batch.sample import SampleRunner
from batch.sample_records import SampleRecord
from batch.summary import Summary, summarize
from batch.workers import LocalExecutor
from bench.best_of_k import best_of_k, reply_budget
from sandbox import PoolConfig, SandboxPool
from tasks.grading import grade_many
from tasks.spec import TaskSpec

SUITE = "generated:heldout"
BUDGET = 256
SAMPLES = 1
K = 4
STEPS = 4
CHUNK = 6
TARGET_RATIO = 1.5
OUT = Path("runs/bench-agent-vs-single")
ARMS = ("agent", "single-shot", "best-of-k")

console = Console(highlight=False)


@dataclass
class Arm:
    """One arm: its records by seed (one per task run so far) and the wall time it took."""

    by_seed: dict[int, list[SampleRecord]] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    """This process's CPU time (model and bench; the sandbox containers' own is not counted)."""

    @contextmanager
    def timed(self) -> Iterator[None]:
        """Adds the wall and CPU time of the block to the arm's."""
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.seconds += time.perf_counter() - wall
        self.cpu_seconds += time.process_time() - cpu

    @property
    def records(self) -> list[SampleRecord]:
        return [record for records in self.by_seed.values() for record in records]

    def summary(self) -> Summary:
        return summarize(self.records, 1)


def arm_config(
    mode: Mode, steps: int, reply_tokens: int, budget: int, seed: int, limit: int | None, plan: bool | None
) -> RunConfig:
    """A batch run of one seed: the embedded model's preset with this reply limit, seed and step budget (and
    the plan step as `plan` says, None: as the preset says)."""
    overrides = PresetOverrides(max_tokens=reply_tokens, seed=seed, plan=plan)
    preset = resolve_preset(default_model()).with_overrides(overrides)
    agent = AgentConfig.from_preset(preset, steps, budget)
    return RunConfig(suite=SUITE, backend="transformers", mode=mode, limit=limit, agent=agent)


class Bench:
    """Runs the batches of every arm through one model, one sandbox pool and one set of run dirs."""

    def __init__(self, tasks: list[TaskSpec], model: ChatModel, pool: SandboxPool, out: Path, workers: int):
        self.tasks, self.model, self.pool, self.out = tasks, model, pool, out
        self.executor = LocalExecutor(workers)

    def batch(self, name: str, config: RunConfig, count: int) -> list[SampleRecord]:
        """One seed's samples of the first `count` tasks (run dir `out/name`: what it holds is kept; the run's
        config names the whole selection, so later rounds and a report of fewer rounds resume the same run)."""
        run_dir = self.out / name
        runner = SampleRunner(self.model, self.pool, config, run_dir)
        return run_batch(self.tasks[:count], config, runner, run_dir, self.executor)

    def public_passed(self, records: list[SampleRecord]) -> list[bool]:
        """Did each record's answer pass its task's public tests (the one grading path, `which="public"`)."""
        by_id = {task.id: task for task in self.tasks}
        verdicts = grade_many(self.pool, [(by_id[r.task_id], r.code) for r in records], "public")
        return [verdict.passed for verdict in verdicts]


def run_seed(bench: Bench, arms: dict[str, Arm], seed: int, count: int, args: argparse.Namespace) -> None:
    """Sample `seed` of the first `count` tasks in every arm: the arms' records of that seed, and their time."""
    budget, plan, limit = args.budget, args.plan, args.limit
    tag = f"b{budget}"
    agent, single, best = arms["agent"], arms["single-shot"], arms["best-of-k"]
    with agent.timed():
        config = arm_config("agent", args.steps, budget, budget, seed, limit, plan)
        planned = "" if plan is None else f"-plan{int(plan)}"
        agent.by_seed[seed] = bench.batch(f"{tag}-steps{args.steps}{planned}-agent-s{seed}", config, count)
    with single.timed():
        # Single-shot asks for no plan: recorded as such, so a preset's plan setting never orphans these dirs.
        config = arm_config("single-shot", 1, budget, budget, seed, limit, False)
        single.by_seed[seed] = bench.batch(f"{tag}-single-s{seed}", config, count)
    with best.timed():
        reply_tokens = reply_budget(budget, args.k)
        by_task: dict[str, list[SampleRecord]] = {}
        for reply_seed in range(seed * args.k, (seed + 1) * args.k):
            config = arm_config("single-shot", 1, reply_tokens, reply_tokens, reply_seed, limit, False)
            for record in bench.batch(f"{tag}-k{args.k}-reply-s{reply_seed}", config, count):
                by_task.setdefault(record.task_id, []).append(record)
        flat = [record for group in by_task.values() for record in group]
        passed = iter(bench.public_passed(flat))
        best.by_seed[seed] = [
            best_of_k(group, [next(passed) for _ in group], seed) for group in by_task.values()
        ]


def chunk_ends(tasks: int, chunk: int) -> list[int]:
    """How many tasks each round covers: every arm runs the next `chunk` tasks before any goes further, so a
    run cut short compares the arms on the same tasks."""
    if chunk < 1:
        raise ValueError(f"--chunk must be at least 1, got {chunk}")
    return [*range(chunk, tasks, chunk), tasks] if tasks else []


def progress(arms: dict[str, Arm], tasks: int, samples: int, elapsed: float) -> str:
    """One line after each round: pass@1 so far, and each arm's tokens, wall and CPU time (a run cut short
    still shows its figures on the same tasks)."""
    parts = []
    for name, arm in arms.items():
        summary = arm.summary()
        parts.append(
            f"{name} pass@1 {pass_at_1(summary):.3f} tokens {summary.tokens} "
            f"wall {arm.seconds:.0f} s CPU {arm.cpu_seconds:.0f} s"
        )
    return f"first {tasks} tasks x {samples} samples ({elapsed:.0f} s): " + "; ".join(parts)


def pass_at_1(summary: Summary) -> float:
    return summary.pass_at_k[0].value if summary.pass_at_k else 0.0


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def report(arms: dict[str, Arm], tasks: int, args: argparse.Namespace) -> dict[str, object]:
    """The side-by-side table, printed; the figures, returned."""
    summaries = {name: arm.summary() for name, arm in arms.items()}
    pass1 = {name: pass_at_1(summary) for name, summary in summaries.items()}
    table = Table(
        title=f"{SUITE}: {tasks} tasks x {args.samples} samples, SmolLM2-135M, {args.budget} tokens per sample",
        header_style="bold",
        box=None,
    )
    for column in (
        "arm",
        "tokens spent as",
        "pass@1",
        "agent/arm",
        "tok/sample",
        "wall s",
        "CPU s",
    ):
        table.add_column(column, justify="right" if column not in ("arm", "tokens spent as") else "left")
    shapes = {
        "agent": f"<= {args.steps} calls sharing {args.budget}, tests",
        "single-shot": f"1 reply x {args.budget}",
        "best-of-k": f"{args.k} replies x {reply_budget(args.budget, args.k)}, public pick",
    }
    figures: dict[str, object] = {
        "suite": SUITE,
        "tasks": tasks,
        "samples_per_task": args.samples,
        "budget_tokens": args.budget,
        "agent_steps": args.steps,
        "k": args.k,
    }
    for name, summary in summaries.items():
        key = name.replace("-", "_")
        per_sample_tokens = summary.tokens / summary.samples if summary.samples else 0.0
        seconds = arms[name].seconds
        agent_ratio = ratio(pass1["agent"], pass1[name])
        table.add_row(
            name,
            shapes[name],
            f"{pass1[name]:.3f}",
            "" if name == "agent" else (f"{agent_ratio:.2f}x" if agent_ratio is not None else "n/a"),
            f"{per_sample_tokens:.0f}",
            f"{seconds:.0f}",
            f"{arms[name].cpu_seconds:.0f}",
        )
        figures |= {
            f"{key}_pass1": round(pass1[name], 4),
            f"{key}_tokens_per_sample": round(per_sample_tokens, 1),
            f"{key}_wall_s": round(seconds, 1),
            f"{key}_cpu_s": round(arms[name].cpu_seconds, 1),
            f"{key}_pending": summary.pending,
        }
    figures |= {
        "agent_over_single": ratio(pass1["agent"], pass1["single-shot"]),
        "agent_over_best_of_k": ratio(pass1["agent"], pass1["best-of-k"]),
        "agent_exit_statuses": summaries["agent"].exit_statuses,
    }
    over_single = figures["agent_over_single"]
    figures["target_met"] = isinstance(over_single, float) and over_single >= TARGET_RATIO
    console.print(table)
    console.print(
        f"target agent >= {TARGET_RATIO}x single-shot: "
        + ("met" if figures["target_met"] else "not met")
        + f"; agent exits: {summaries['agent'].exit_statuses}"
    )
    return figures


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.agent_vs_single", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N held-out tasks")
    parser.add_argument("--budget", type=int, default=BUDGET, help="generated tokens per task and sample")
    parser.add_argument("--samples", type=int, default=SAMPLES, help="samples per task (seeds 0..S-1)")
    parser.add_argument("--k", type=int, default=K, help="replies of best-of-k")
    parser.add_argument("--steps", type=int, default=STEPS, help="model calls of the agent")
    parser.add_argument(
        "--plan",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="agent plan step (default: preset's)",
    )
    parser.add_argument(
        "--chunk", type=int, default=CHUNK, help="tasks run by every arm before the next ones"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="stop after this many rounds of --chunk tasks (a run cut short: its figures on the tasks done)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="samples in flight (the model runs one call at a time)"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="run dirs (resumable)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, object]:
    from agent.models.factory import build_model  # torch and transformers: only when the bench runs
    from agent.models.serialized import shareable
    from tasks.suites import load_suite

    args = parse(argv)
    tasks = load_suite(SUITE)[: args.limit]
    model = shareable(build_model("transformers", None, None, tasks))
    arms = {name: Arm() for name in ARMS}
    started, reported = time.perf_counter(), 0
    with SandboxPool(PoolConfig(size=2)) as pool:
        bench = Bench(tasks, model, pool, args.out, args.workers)
        for count in chunk_ends(len(tasks), args.chunk)[: args.rounds]:
            for seed in range(args.samples):
                run_seed(bench, arms, seed, count, args)
            console.print(progress(arms, count, args.samples, time.perf_counter() - started))
            reported = count
    figures = report(arms, reported, args)
    figures["total_wall_s"] = round(time.perf_counter() - started, 1)
    return figures


if __name__ == "__main__":
    print(json.dumps(main()))
