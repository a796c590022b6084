"""`python -m bench.sft_chain [--seed S] [--steps N] [--sft-steps M] [--rollout-tasks T] [--rollout-samples K]
[--lora-rank R] [--model M]`: the cold-start chain of the R1/QwQ recipe with the embedded default model
(Qwen2.5-Coder-0.5B-Instruct): SFT on its own passing trajectories, then GRPO, against GRPO alone.

1. `sandloop rollouts` (the command itself, in a child process, vLLM) runs the agent on the first T tasks of the
   generated TRAIN split, K samples each, and exports `sft.jsonl`: the passing trajectories, de-duplicated
   (rl/rollouts.py). No reference solution is added: the data is the model's own (rejection sampling).
2. `rl.sft.run_sft` trains M steps on it.
3. GRPO (`rl.grpo.run_grpo`) for N steps from the SFT model and from the base model, same seed and settings, each
   on the train tasks its starting model passes sometimes, not always (bench.grpo_gain's `Recipe.training_tasks`:
   the base model's pass rates are shared with grpo_gain, the SFT model's measured after SFT).
4. Held-out pass@1 and mean reward (`rl.heldout.evaluate` through vLLM, as bench.grpo_gain: 66 tasks x 2
   samples, fixed evaluation seeds) of base, SFT only, SFT -> GRPO and GRPO alone, side by side.

Sampling, reply limit, LoRA and learning rate are bench.grpo_gain's (`Recipe`). The rollouts use a short agent
budget (no plan step, at most ROLLOUT_STEPS model calls). The rollouts (OUT/rollouts) do not depend on the training
seed and are shared by all seeds; each seed's models and figures are under OUT/seed-S. Figures so far are written to
OUT/seed-S/figures.json after each stage, so a stopped run leaves what it measured; the rollouts resume where they
stopped (a `sandloop run` directory). Last line: one JSON object. Cost and the SmolLM2-135M figures this bench had before:
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from rich.console import Console
from rich.table import Table

from agent.models.embedded import embedded_model_dir
from bench.grpo_gain import EVAL_SEED, LORA_RANK, METRICS, SAMPLES, TOKENS, Recipe
from rl.grpo import run_grpo
from rl.heldout import EvalResult, evaluate
from rl.sft import run_sft
from sandbox import PoolConfig, SandboxPool
from tasks.generated import generated_suite, suite_name

ROOT = Path(__file__).parents[1]
OUT = Path("runs/bench-sft-chain")
DEFAULT_STEPS = 10
DEFAULT_SFT_STEPS = 30
DEFAULT_ROLLOUT_TASKS = 60
DEFAULT_ROLLOUT_SAMPLES = 2
ROLLOUT_STEPS = 2
"""Model calls per rollout: a first answer and one revision after the public tests' result."""
ARMS = (("base", "base"), ("sft", "SFT only"), ("sft_grpo", "SFT -> GRPO"), ("grpo", "GRPO alone"))

console = Console(highlight=False)


class RolloutData(BaseModel):
    """What the model's own rollouts gave the SFT step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trajectories: int
    """Graded trajectories on the train split."""
    passed: int
    """Of them, those whose final answer passed the hidden tests."""
    sft_examples: int
    """Passing trajectories kept for SFT after de-duplication (rows of sft.jsonl)."""
    tasks_with_example: int
    """Distinct train tasks with at least one SFT example."""
    seconds: float
    """Wall time of the rollouts command (0 when it found everything done)."""


def count_rollouts(out: Path) -> tuple[int, int, int, int]:
    """Trajectories, passed ones, SFT rows and tasks with an SFT row, read from the export's files."""
    lines = [json.loads(line) for line in (out / "rollouts.jsonl").read_text().splitlines() if line.strip()]
    sft = [json.loads(line) for line in (out / "sft.jsonl").read_text().splitlines() if line.strip()]
    passed = sum(line["passed"] for line in lines)  # the record's verdict, written by the export
    return len(lines), passed, len(sft), len({row["task_id"] for row in sft})


def collect_rollouts(out: Path, tasks: int, samples: int, model: str) -> RolloutData:
    """`sandloop rollouts` on the train split's first `tasks` tasks (vLLM, 16 in flight): the one collector and
    SFT exporter."""
    command = [
        sys.executable, "-m", "cli.main", "rollouts", suite_name("train"), "--out", str(out.resolve()),
        "-n", str(samples), "--limit", str(tasks), "--no-plan", "--max-steps", str(ROLLOUT_STEPS),
        "--max-tokens", str(TOKENS), "--backend", "vllm", "--model", model, "--workers", "16",
    ]  # fmt: skip
    console.print(f"rollouts: {' '.join(command[1:])}")
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"sandloop rollouts failed (exit {done.returncode}): rerun to resume it")
    trajectories, passed, examples, covered = count_rollouts(out)
    return RolloutData(
        trajectories=trajectories,
        passed=passed,
        sft_examples=examples,
        tasks_with_example=covered,
        seconds=round(time.perf_counter() - started, 1),
    )


def side_by_side(results: dict[str, EvalResult]) -> Table:
    labels = [label for key, label in ARMS if key in results]
    table = Table("held-out", *labels, box=None, header_style="bold")
    for key, label in METRICS:
        table.add_row(label, *(f"{getattr(results[arm], key):.3f}" for arm, _ in ARMS if arm in results))
    return table


class Chain:
    """The figures so far, saved after each stage."""

    def __init__(self, out: Path, settings: dict[str, Any]) -> None:
        self.path = out / "figures.json"
        self.figures: dict[str, Any] = {"settings": settings, "seconds": {}, "heldout": {}}
        out.mkdir(parents=True, exist_ok=True)

    def record(self, stage: str, seconds: float, **fields: Any) -> None:
        self.figures["seconds"][stage] = round(seconds, 1)
        self.figures.update(fields)
        self.path.write_text(json.dumps(self.figures, indent=1) + "\n", encoding="utf-8")
        console.print(f"[bold]{stage}[/] done in {seconds:.0f} s")


def main(
    seed: int,
    steps: int,
    sft_steps: int,
    rollout_tasks: int,
    rollout_samples: int,
    limit: int | None = None,
    out: Path = OUT,
    lora_rank: int = LORA_RANK,
    model: str | None = None,
) -> dict[str, Any]:
    recipe = Recipe.of(model, lora_rank)
    heldout, train = generated_suite("heldout")[:limit], generated_suite("train")
    base = embedded_model_dir(recipe.model)
    evaluation = recipe.evaluation
    rollouts, out = out / "rollouts", out / f"seed-{seed}"
    chain = Chain(
        out,
        {
            "model": recipe.model, "seed": seed, "grpo_steps": steps, "sft_steps": sft_steps,
            "rollout_tasks": rollout_tasks, "rollout_samples": rollout_samples, "rollout_max_steps": ROLLOUT_STEPS,
            "max_tokens": TOKENS, "lora_rank": lora_rank, "learning_rate": recipe.learning_rate,
            "heldout_tasks": len(heldout), "samples_per_task": SAMPLES, "eval_seed": EVAL_SEED,
        },
    )  # fmt: skip
    results: dict[str, EvalResult] = {}

    def evaluated(arm: str, model_dir: Path, pool: SandboxPool) -> None:
        started = time.perf_counter()
        results[arm] = evaluate(model_dir, heldout, pool, evaluation)
        chain.figures["heldout"][arm] = results[arm].model_dump()
        chain.record(f"evaluate {arm}", time.perf_counter() - started)

    started = time.perf_counter()
    data = collect_rollouts(rollouts, rollout_tasks, rollout_samples, recipe.model)
    chain.record("rollouts", time.perf_counter() - started, rollouts=data.model_dump())
    console.print(
        f"the model's own rollouts: {data.passed} of {data.trajectories} trajectories passed; "
        f"{data.sft_examples} SFT examples (de-duplicated) on {data.tasks_with_example} tasks"
    )
    with SandboxPool(PoolConfig(size=2)) as pool:
        evaluated("base", base, pool)
        base_train = recipe.training_tasks(base, train, pool)
        chain.figures["settings"]["grpo_train_tasks"] = len(base_train)
        if data.sft_examples:
            started = time.perf_counter()
            sft = run_sft(recipe.sft(rollouts / "sft.jsonl", base, out / "sft", sft_steps, seed), console)
            chain.record("sft", time.perf_counter() - started, sft_model=str(sft.final_dir))
            evaluated("sft", sft.final_dir, pool)
            started = time.perf_counter()
            # the SFT model's own filter: the base model's tasks with a signal are mostly solved after SFT
            sft_train = recipe.training_tasks(
                sft.final_dir, train, pool, out / "sft" / "pass-rates-train.json"
            )
            chain.record("filter for sft", time.perf_counter() - started)
            chain.figures["settings"]["sft_grpo_train_tasks"] = len(sft_train)
            started = time.perf_counter()
            chained = run_grpo(
                recipe.grpo(sft.final_dir, out / "grpo-from-sft", steps, seed), sft_train, pool, console
            )
            chain.record(
                "grpo from sft", time.perf_counter() - started, sft_grpo_model=str(chained.final_dir)
            )
            evaluated("sft_grpo", chained.final_dir, pool)
        else:
            console.print("[yellow]no passing trajectory: nothing to fine-tune on; SFT arms left out[/]")
        started = time.perf_counter()
        alone = run_grpo(recipe.grpo(base, out / "grpo-alone", steps, seed), base_train, pool, console)
        chain.record("grpo alone", time.perf_counter() - started, grpo_model=str(alone.final_dir))
        evaluated("grpo", alone.final_dir, pool)
    console.print(side_by_side(results))
    console.print(
        f"{len(heldout)} held-out tasks x {SAMPLES} samples (eval seed {EVAL_SEED}); SFT {sft_steps} steps on "
        f"{data.sft_examples} examples; GRPO {steps} steps, seed {seed}; {recipe.describe()}"
    )
    return chain.figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of SFT and both GRPO runs")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS, help="GRPO steps of each arm")
    parser.add_argument("--sft-steps", type=int, default=DEFAULT_SFT_STEPS, help="SFT steps")
    parser.add_argument(
        "--rollout-tasks", type=int, default=DEFAULT_ROLLOUT_TASKS, help="train tasks rolled out"
    )
    parser.add_argument(
        "--rollout-samples", type=int, default=DEFAULT_ROLLOUT_SAMPLES, help="rollouts per task"
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="only the first N held-out tasks (smoke runs)"
    )
    parser.add_argument("--lora-rank", type=int, default=LORA_RANK, help="LoRA rank; 0: full fine-tuning")
    parser.add_argument("--model", default=None, help="embedded model (default: the embedded default)")
    args = parser.parse_args()
    figures = main(
        args.seed, args.steps, args.sft_steps, args.rollout_tasks, args.rollout_samples, args.limit,
        lora_rank=args.lora_rank, model=args.model,
    )  # fmt: skip
    print(json.dumps(figures))
