"""`python -m bench.grpo_gain [STEPS]`: held-out mean reward and pass@1, before and after STEPS GRPO steps.

The embedded SmolLM2-135M is sampled on the generated suite's held-out tasks (its preset: temperature 0.2,
96 tokens, SAMPLES draws per task), trained with TRL's GRPOTrainer on the train split with the sandbox reward
on the CPU, then sampled again the same way (same seed). Both columns are printed side by side, the reward
curve is saved as a PNG under OUT, and the last line is one JSON object.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from agent.models.embedded import embedded_model_dir
from rl.grpo import GrpoSettings, run_grpo
from rl.heldout import EvalResult, EvalSettings, evaluate
from sandbox import PoolConfig, SandboxPool
from tasks.generated import generated_suite

DEFAULT_STEPS = 30
"""30-60 s per step on 2 cores (2 prompts x 4 completions x 64 tokens), plus two evaluations: ~30 minutes."""
SAMPLES = 2
LEARNING_RATE = 2e-5
"""Twice the CLI default: a few dozen steps must move a model that GRPO usually moves over thousands."""
OUT = Path("runs/bench-grpo-gain")
METRICS = (("mean_reward", "mean reward"), ("pass_at_1", "pass@1"), ("no_answer", "no code block"))

console = Console(highlight=False)


def side_by_side(before: EvalResult, after: EvalResult) -> Table:
    table = Table("held-out", "before", "after", "change", box=None, header_style="bold")
    for key, label in METRICS:
        old, new = getattr(before, key), getattr(after, key)
        table.add_row(label, f"{old:.3f}", f"{new:.3f}", f"{new - old:+.3f}")
    return table


def main(steps: int) -> dict[str, object]:
    heldout, train = generated_suite("heldout"), generated_suite("train")
    base = embedded_model_dir()
    settings = EvalSettings(samples=SAMPLES)
    with SandboxPool(PoolConfig(size=2)) as pool:
        started = time.perf_counter()
        before = evaluate(base, heldout, pool, settings)
        console.print(f"before: {before.model_dump()} ({time.perf_counter() - started:.0f} s)")
        started = time.perf_counter()
        outcome = run_grpo(
            GrpoSettings(model_dir=base, out=OUT, steps=steps, learning_rate=LEARNING_RATE),
            train,
            pool,
            console,
        )
        train_s = time.perf_counter() - started
        after = evaluate(outcome.final_dir, heldout, pool, settings)
    console.print(side_by_side(before, after))
    console.print(f"{len(heldout)} held-out tasks x {SAMPLES} samples; {steps} GRPO steps in {train_s:.0f} s")
    console.print(f"curve: {outcome.curve}")
    return {
        "steps": steps,
        "learning_rate": LEARNING_RATE,
        "train_seconds": round(train_s, 1),
        "heldout_tasks": len(heldout),
        "samples_per_task": SAMPLES,
        "before": before.model_dump(),
        "after": after.model_dump(),
        "pass_at_1_gain": round(after.pass_at_1 - before.pass_at_1, 4),
        "mean_reward_gain": round(after.mean_reward - before.mean_reward, 4),
        "curve": str(outcome.curve),
        "model": str(outcome.final_dir),
    }


if __name__ == "__main__":
    figures = main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_STEPS)
    print(json.dumps(figures))
