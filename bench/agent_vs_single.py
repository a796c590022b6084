"""`python -m bench.agent_vs_single [--suite S] [--backend B] [--model M] [--limit N] [--budget TOKENS] [--samples S]
[--k K] [--steps STEPS]`: the agent loop against single-shot sampling at an equal generated-token budget per task.

The embedded default model (Qwen2.5-Coder-0.5B-Instruct, in-process vLLM, its preset's sampling) on a suite with
public tests apart from hidden ones (default the generated suite's held-out split, `generated:heldout`;
`humaneval`: the prompt's examples are the public tests, `check()` the hidden ones), every arm given BUDGET
generated tokens per task and sample:
- agent: the LangGraph loop of `sandloop run --mode agent`, at most STEPS model calls sharing BUDGET tokens
  (`--max-tokens BUDGET --max-total-tokens BUDGET`: a reply may use what the budget has left,
  `agent.nodes.reply_sampling`), public tests as its tool;
- single-shot: one reply of up to BUDGET tokens (`--mode single-shot`);
- best-of-k: K single-shot replies of BUDGET // K tokens; the first whose answer passes the task's public tests
  is the answer (the public tests the agent also sees), else the first (`bench.best_of_k`).
Every sample is made and graded on the hidden tests by the batch runner (`batch.run_batch`, `SampleRunner`), so
verdicts and token counts come from the same functions as `sandloop run`; pass@1 is the unbiased mean over
SAMPLES samples per task (`batch.summary.summarize`), sample s sampled with seed s (best-of-k reply j of sample s:
seed s*K + j), and each arm's per-seed pass@1 gives its spread. Every arm runs CHUNK tasks before any goes
further; run dirs under OUT/SUITE-MODEL are resumable: the same command picks up where a killed run stopped,
and `--rounds R` reports a run cut short on its first R*CHUNK tasks.

Cost of the SmolLM2-135M runs (transformers, BUDGET 256, first 30 held-out tasks, 2 cores shared by four
benchmarks): ~127 s a task for the three arms. Figures: docs/benchmarks.md.
Wall and CPU time per arm count this process's work only (a resumed run's earlier work is not in them).
Printed: pass@1 per arm side by side with its spread over seeds, agent / each baseline, tokens per task and
sample, wall time per arm. Last line: one JSON object. The target (agent pass@1 >= 1.2x single-shot and above
best-of-k) is reported, never a gate.
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
from agent.restart_policy import Restart
from batch.config import Mode, RunConfig
from batch.execute import close_models
from batch.run import run_batch
from batch.sample import SampleRunner
from batch.sample_records import SampleRecord
from batch.summary import Summary, summarize
from batch.workers import LocalExecutor
from bench.best_of_k import best_of_k, reply_budget
from bench.seed_spread import spread
from sandbox import SandboxPool
from tasks.grading import grade_many
from tasks.pools import pool_config_for, worker_pool_size
from tasks.spec import TaskSpec

SUITE = "generated:heldout"
BACKEND = "vllm"
BUDGET = 1024
"""The preset's reply limit: single-shot gets the reply the HumanEval table measured."""
SAMPLES = 2
K = 2
"""Replies of 512 tokens: the 0.5B's HumanEval replies average 283 (a K of 4 would cut many at 256)."""
STEPS = 4
CHUNK = 12
TARGET_RATIO = 1.2
WORKERS = {"vllm": 32, "openai": 8, "transformers": 2}
"""Samples in flight: vLLM batches them in one engine; transformers runs one call at a time."""
OUT = Path("runs/bench-agent-vs-single")
ARMS = ("agent", "single-shot", "best-of-k")
RESTART_TAGS = {
    Restart.NEVER: "-restart0",
    Restart.ON_REPEAT: "-restart1",
    Restart.AFTER_REVISION: "-restart-revision",
    Restart.ON_FAILURE: "-restart-failure",
}
"""The agent's run dir suffix for an explicit `--restart` (the first two as named when the option was a bool, so
those run dirs still resume)."""

console = Console(highlight=False, width=200)


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

    def seed_pass1(self) -> list[float]:
        """pass@1 of each seed on its own: the spread of the arm's figure."""
        return [pass_at_1(summarize(records, 1)) for records in self.by_seed.values()]


def arm_config(
    args: argparse.Namespace,
    mode: Mode,
    steps: int,
    reply_tokens: int,
    seed: int,
    plan: bool | None,
    restart: Restart | None = None,
) -> RunConfig:
    """A batch run of one seed: the model's preset with this reply limit, seed and step budget (the whole
    `--budget` shared), and the plan step and restart policy as `plan` and `restart` say (None: as the preset
    says)."""
    overrides = PresetOverrides(max_tokens=reply_tokens, seed=seed, plan=plan, restart=restart)
    preset = resolve_preset(args.model).with_overrides(overrides)
    agent = AgentConfig.from_preset(preset, steps, min(reply_tokens * steps, args.budget))
    return RunConfig(
        suite=args.suite, backend=args.backend, model=args.model, mode=mode, limit=args.limit, agent=agent
    )


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
    budget, plan, restart = args.budget, args.plan, args.restart
    tag = f"b{budget}"
    agent, single, best = arms["agent"], arms["single-shot"], arms["best-of-k"]
    with agent.timed():
        config = arm_config(args, "agent", args.steps, budget, seed, plan, restart)
        planned = "" if plan is None else f"-plan{int(plan)}"
        restarts = "" if restart is None else RESTART_TAGS[restart]
        name = f"{tag}-steps{args.steps}{planned}{restarts}-agent-s{seed}"
        agent.by_seed[seed] = bench.batch(name, config, count)
    with single.timed():
        # Single-shot asks for no plan and never restarts: recorded as such, so a preset's agent settings never
        # orphan these dirs.
        config = arm_config(args, "single-shot", 1, budget, seed, False, Restart.NEVER)
        single.by_seed[seed] = bench.batch(f"{tag}-single-s{seed}", config, count)
    with best.timed():
        reply_tokens = reply_budget(budget, args.k)
        by_task: dict[str, list[SampleRecord]] = {}
        for reply_seed in range(seed * args.k, (seed + 1) * args.k):
            config = arm_config(args, "single-shot", 1, reply_tokens, reply_seed, False, Restart.NEVER)
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
        title=f"{args.suite}: {tasks} tasks x {args.samples} samples, {args.model} ({args.backend}), "
        f"{args.budget} tokens per sample",
        header_style="bold",
        box=None,
    )
    for column in (
        "arm",
        "tokens spent as",
        "pass@1",
        "per seed: mean ± std (range)",
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
        "suite": args.suite,
        "model": args.model,
        "backend": args.backend,
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
            spread(arms[name].seed_pass1()).label(signed=False) if arms[name].by_seed else "",
            "" if name == "agent" else (f"{agent_ratio:.2f}x" if agent_ratio is not None else "n/a"),
            f"{per_sample_tokens:.0f}",
            f"{seconds:.0f}",
            f"{arms[name].cpu_seconds:.0f}",
        )
        figures |= {
            f"{key}_pass1": round(pass1[name], 4),
            f"{key}_pass1_by_seed": [round(value, 4) for value in arms[name].seed_pass1()],
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
    figures["target_met"] = (
        isinstance(over_single, float) and over_single >= TARGET_RATIO and pass1["agent"] > pass1["best-of-k"]
    )
    console.print(table)
    console.print(
        f"target agent >= {TARGET_RATIO}x single-shot and above best-of-k: "
        + ("met" if figures["target_met"] else "not met")
        + f"; agent exits: {summaries['agent'].exit_statuses}"
    )
    return figures


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.agent_vs_single", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--suite", default=SUITE, help="a suite with public tests apart from hidden ones")
    parser.add_argument("--backend", default=BACKEND, choices=sorted(WORKERS), help="model backend")
    parser.add_argument("--model", default=None, help="model (default: the embedded default)")
    parser.add_argument("--base-url", default=None, help="endpoint of the openai backend")
    parser.add_argument("--limit", type=int, default=None, help="only the first N tasks")
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
        "--restart",
        type=Restart,
        choices=list(Restart),
        default=None,
        help="when the agent starts afresh after a failed test run (default: preset's)",
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
        "--workers",
        type=int,
        default=None,
        help="samples in flight (default: 32 vllm, 8 openai, 2 transformers)",
    )
    parser.add_argument("--out", type=Path, default=OUT, help="run dirs (resumable), one per suite and model")
    args = parser.parse_args(argv)
    args.model = args.model or default_model()
    args.workers = args.workers or WORKERS[args.backend]
    return args


def slug(text: str) -> str:
    """A run-dir name part of a suite or model name (`generated:heldout`, `embedded:Qwen...`)."""
    return "".join(c if c.isalnum() or c in ".-" else "-" for c in text.split("/")[-1]).strip("-")


def main(argv: list[str] | None = None) -> dict[str, object]:
    from agent.models.factory import build_model  # torch and transformers: only when the bench runs
    from agent.models.serialized import shareable
    from tasks.suites import load_suite

    args = parse(argv)
    tasks = load_suite(args.suite)[: args.limit]
    built = build_model(args.backend, args.model, args.base_url, tasks)
    model = shareable(built)
    arms = {name: Arm() for name in ARMS}
    started, reported = time.perf_counter(), 0
    out = args.out / f"{slug(args.suite)}-{slug(args.model)}"
    try:
        with SandboxPool(pool_config_for(tasks, worker_pool_size(args.workers))) as pool:
            bench = Bench(tasks, model, pool, out, args.workers)
            for count in chunk_ends(len(tasks), args.chunk)[: args.rounds]:
                for seed in range(args.samples):
                    run_seed(bench, arms, seed, count, args)
                console.print(progress(arms, count, args.samples, time.perf_counter() - started))
                reported = count
    finally:
        close_models([model, built])
    figures = report(arms, reported, args)
    figures["total_wall_s"] = round(time.perf_counter() - started, 1)
    return figures


if __name__ == "__main__":
    print(json.dumps(main()))
