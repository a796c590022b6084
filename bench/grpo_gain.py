"""`python -m bench.grpo_gain [--seeds 0,1] [--steps N]`: held-out pass@1 and mean reward, before and after N
GRPO steps, for each training seed, with the gains' mean and spread over seeds.

The embedded SmolLM2-135M is sampled on the generated suite's held-out tasks (its preset: temperature 0.2,
96 tokens, SAMPLES draws per task), trained with TRL's GRPOTrainer on the train split with the sandbox reward
on the CPU, once per seed, then each trained model is sampled the same way.

Seeds: the training seed (data order, rollout sampling) varies; the evaluation's sampling seed is fixed
(EVAL_SEED) in every evaluation. The "before" evaluation is therefore the same model sampled with the same
seed for every training seed: it is run once and shared, not repeated. The spread is the training seed's
alone (evaluation sampling noise is not in it). Spread = sample std (n-1) and min..max over seeds.

Cost: on 2 quiet cores 30-60 s per GRPO step (2 prompts x 4 completions x 64 tokens) and one 30-step seed
with its two evaluations ~30 min (the one-seed figure this bench had before). Defaults: 2 seeds x 25 steps
plus 3 evaluations, 25-50 min of GRPO and ~10 min of evaluation on a quiet machine. Measured on the machine
shared by five jobs (load 10-12, 2026-11-30): 148 s per GRPO step; run it there with OMP_NUM_THREADS=1
(torch's two threads per process spin against each other under that load: a 4-task evaluation took over
10 min with two threads, 81 s with one, model load included). The default run, shared by two to four
benchmarks (load 2-5, OMP_NUM_THREADS=1): 65 and 109 s a step (seeds 0 and 1), 402 s an evaluation, 83 min in
all. Figures: docs/benchmarks.md.

Each seed's curve is saved as a PNG under OUT/seed-S; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from rich.console import Console
from rich.table import Table

from agent.models.embedded import default_model, embedded_model_dir
from bench.seed_spread import Spread, spread
from rl.grpo import GrpoSettings, run_grpo
from rl.heldout import EvalResult, EvalSettings, evaluate
from sandbox import PoolConfig, SandboxPool
from tasks.generated import generated_suite

DEFAULT_STEPS = 25
DEFAULT_SEEDS = (0, 1)
SAMPLES = 2
EVAL_SEED = 0
"""The evaluation's sampling seed, the same for every model: see the module docstring."""
LEARNING_RATE = 2e-5
"""Twice the CLI default: a few dozen steps must move a model that GRPO usually moves over thousands."""
OUT = Path("runs/bench-grpo-gain")
METRICS = (("mean_reward", "mean reward"), ("pass_at_1", "pass@1"), ("no_answer", "no code block"))

console = Console(highlight=False)


class SeedRun(BaseModel):
    """One training seed's result."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int
    """The GRPO training seed."""
    after: EvalResult
    """Held-out figures of the trained model."""
    train_seconds: float
    """Wall time of the GRPO run."""
    model: str
    """The trained model directory."""
    curve: str | None
    """Its reward curve (PNG)."""


def gains(before: EvalResult, run: SeedRun) -> dict[str, float]:
    return {
        "pass_at_1_gain": round(run.after.pass_at_1 - before.pass_at_1, 4),
        "mean_reward_gain": round(run.after.mean_reward - before.mean_reward, 4),
    }


def per_seed_table(before: EvalResult, runs: list[SeedRun]) -> Table:
    headers = ("seed", *(label for _, label in METRICS), "pass@1 gain", "reward gain", "train s")
    table = Table(*headers, box=None, header_style="bold")
    table.add_row("before", *(f"{getattr(before, key):.3f}" for key, _ in METRICS), "", "", "")
    for run in runs:
        gain = gains(before, run)
        table.add_row(
            str(run.seed),
            *(f"{getattr(run.after, key):.3f}" for key, _ in METRICS),
            f"{gain['pass_at_1_gain']:+.3f}",
            f"{gain['mean_reward_gain']:+.3f}",
            f"{run.train_seconds:.0f}",
        )
    return table


def main(seeds: list[int], steps: int, limit: int | None = None, out: Path = OUT) -> dict[str, object]:
    heldout, train = generated_suite("heldout")[:limit], generated_suite("train")
    base = embedded_model_dir(default_model())
    settings = EvalSettings(samples=SAMPLES, seed=EVAL_SEED)
    runs: list[SeedRun] = []
    with SandboxPool(PoolConfig(size=2)) as pool:
        started = time.perf_counter()
        before = evaluate(base, heldout, pool, settings)
        eval_s = time.perf_counter() - started
        console.print(f"before (shared by every seed): {before.model_dump()} ({eval_s:.0f} s)")
        for seed in seeds:
            started = time.perf_counter()
            grpo = GrpoSettings(
                model_dir=base, out=out / f"seed-{seed}", steps=steps, learning_rate=LEARNING_RATE, seed=seed
            )
            outcome = run_grpo(grpo, train, pool, console)
            train_s = time.perf_counter() - started
            after = evaluate(outcome.final_dir, heldout, pool, settings)
            run = SeedRun(
                seed=seed,
                after=after,
                train_seconds=round(train_s, 1),
                model=str(outcome.final_dir),
                curve=str(outcome.curve) if outcome.curve else None,
            )
            console.print(
                f"seed {seed}: {after.model_dump()} {gains(before, run)} ({train_s:.0f} s training)"
            )
            runs.append(run)
    pass_gain = spread([gains(before, run)["pass_at_1_gain"] for run in runs])
    reward_gain = spread([gains(before, run)["mean_reward_gain"] for run in runs])
    console.print(per_seed_table(before, runs))
    summary = Table("over seeds (mean ± std (min..max))", "pass@1 gain", "mean reward gain", box=None)
    summary.add_row(f"{len(runs)} seeds", pass_gain.label(), reward_gain.label())
    console.print(summary)
    console.print(
        f"{len(heldout)} held-out tasks x {SAMPLES} samples (eval seed {EVAL_SEED}); {steps} GRPO steps per seed; "
        f"one evaluation {eval_s:.0f} s"
    )
    return {
        "steps": steps,
        "seeds": seeds,
        "learning_rate": LEARNING_RATE,
        "heldout_tasks": len(heldout),
        "samples_per_task": SAMPLES,
        "eval_seed": EVAL_SEED,
        "eval_seconds": round(eval_s, 1),
        "before": before.model_dump(),
        "per_seed": [run.model_dump() | gains(before, run) for run in runs],
        "pass_at_1_gain": _spread_json(pass_gain),
        "mean_reward_gain": _spread_json(reward_gain),
        "spread": "sample std (n-1) and min..max over training seeds; evaluation seed fixed",
    }


def _spread_json(value: Spread) -> dict[str, float]:
    return {key: round(number, 4) for key, number in value.model_dump().items()}


def parse_seeds(text: str) -> list[int]:
    """`0,1,2` as a list of distinct seeds; a one-line error otherwise."""
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds {text!r}: expected integers separated by commas") from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"--seeds {text!r}: give one or more distinct seeds")
    return seeds


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--seeds", type=parse_seeds, default=list(DEFAULT_SEEDS), help="training seeds, e.g. 0,1"
    )
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS, help="GRPO steps per seed")
    parser.add_argument(
        "--limit", type=int, default=None, help="only the first N held-out tasks (smoke runs)"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="one model directory per seed under it")
    arguments = parser.parse_args()
    print(json.dumps(main(arguments.seeds, arguments.steps, arguments.limit, arguments.out)))
