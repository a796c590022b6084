"""`python -m bench.grpo_gain [--seeds 0,1] [--steps N] [--lora-rank R] [--limit N] [--model M]`: held-out pass@1
and mean reward, before and after N GRPO steps, for each training seed, with the gains' mean and spread over seeds.

The embedded default model (Qwen2.5-Coder-0.5B-Instruct) is sampled on the generated suite's held-out tasks as
its preset says (temperature 0.7, top-p 0.8, top-k 20), replies cut at TOKENS (the preset's 1024 would make a
GRPO step take many minutes on a CPU), SAMPLES draws per task, through vLLM (`rl.heldout.evaluate`,
backend vllm: one engine per evaluation, stopped before training goes on); trained with TRL's GRPOTrainer on the
train split with the sandbox reward on the CPU, with LoRA adapters (rank R on every linear layer; `--lora-rank
0`: full fine-tuning), once per seed, then each trained model (adapters merged) is sampled the same way.
GRPO trains only on the train tasks the starting model passes sometimes but not always (FILTER_SAMPLES draws,
rl.difficulty): the others give a group no reward spread, so no gradient.

Seeds: the training seed (data order, rollout sampling) varies; the evaluation's sampling seeds are fixed
(EVAL_SEED) in every evaluation. The "before" evaluation is therefore the same model sampled with the same
seeds for every training seed: it is run once and shared, not repeated. The spread is the training seed's
alone (evaluation sampling noise is not in it). Spread = sample std (n-1) and min..max over seeds.
Printed per seed: the figures, the GRPO wall time and seconds a step, and the peak resident memory of this
process (training runs in it; the vLLM engine's processes are apart and not in it).

Cost: see docs/benchmarks.md (figures of the SmolLM2-135M runs this bench had before are there too).
Each seed's curve is saved as a PNG under OUT/seed-S; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from rich.console import Console
from rich.table import Table

from agent.models.embedded import default_model, embedded_model_dir
from agent.models.presets import ModelPreset, PresetOverrides, resolve_preset
from bench.seed_spread import Spread, spread
from rl.difficulty import cached_pass_rates, with_signal
from rl.grpo import GrpoSettings, run_grpo
from rl.heldout import EvalResult, EvalSettings, evaluate
from rl.sft import SftSettings
from rl.training import LoraSettings
from sandbox import PoolConfig, Sandbox, SandboxPool
from tasks.generated import generated_suite
from tasks.spec import TaskSpec

DEFAULT_STEPS = 10
DEFAULT_SEEDS = (0, 1)
SAMPLES = 2
FILTER_SAMPLES = 4
"""Draws per training task of the starting model whose pass rate picks the tasks GRPO trains on
(rl.difficulty): a task passed 4 of 4 (or 0 of 4) times gives a group of 4 no reward spread."""
TOKENS = 256
"""Reply limit of the rollouts and the evaluations: the 0.5B's single-shot replies on the held-out split average
55 tokens (bench.agent_vs_single, 132 replies), so few are cut, while a step's longest completion stays short."""
EVAL_SEED = 0
"""The evaluation's sampling seed, the same for every model: see the module docstring."""
LORA_RANK = 16
LEARNING_RATE = 2e-5
"""Full fine-tuning: twice the CLI default, since a few dozen steps must move a model that GRPO usually moves
over thousands."""
LORA_LEARNING_RATE = 1e-4
"""LoRA's usual order (adapters start at zero and move only through their low-rank product)."""
OUT = Path("runs/bench-grpo-gain")
RATES = Path("runs/pass-rates")
"""Where the starting model's pass rates on the train tasks are kept (`Recipe.training_tasks`)."""
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
    step_seconds: float
    """Its wall time per step."""
    peak_rss_gib: float
    """This process's peak resident memory when the run ended (the highest so far: training runs here)."""
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
    headers = (
        "seed",
        *(label for _, label in METRICS),
        "pass@1 gain",
        "reward gain",
        "train s",
        "s/step",
        "peak GiB",
    )
    table = Table(*headers, box=None, header_style="bold")
    table.add_row("before", *(f"{getattr(before, key):.3f}" for key, _ in METRICS), "", "", "", "", "")
    for run in runs:
        gain = gains(before, run)
        table.add_row(
            str(run.seed),
            *(f"{getattr(run.after, key):.3f}" for key, _ in METRICS),
            f"{gain['pass_at_1_gain']:+.3f}",
            f"{gain['mean_reward_gain']:+.3f}",
            f"{run.train_seconds:.0f}",
            f"{run.step_seconds:.0f}",
            f"{run.peak_rss_gib:.1f}",
        )
    return table


def peak_rss_gib() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


class Recipe(BaseModel):
    """How the benches of the learning signal sample, evaluate and train a model (grpo_gain, sft_chain)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    model: str
    preset: ModelPreset
    """The model's preset, replies cut at TOKENS."""
    evaluation: EvalSettings
    lora: LoraSettings | None
    learning_rate: float

    @classmethod
    def of(cls, model: str | None, lora_rank: int) -> Recipe:
        model = model or default_model()
        preset = resolve_preset(model).with_overrides(PresetOverrides(max_tokens=TOKENS))
        lora = LoraSettings(rank=lora_rank) if lora_rank else None
        return cls(
            model=model,
            preset=preset,
            evaluation=EvalSettings.from_preset(preset, samples=SAMPLES, seed=EVAL_SEED, backend="vllm"),
            lora=lora,
            learning_rate=LORA_LEARNING_RATE if lora else LEARNING_RATE,
        )

    def grpo(self, model_dir: Path, out: Path, steps: int, seed: int) -> GrpoSettings:
        """The GRPO run of every arm: only the starting model, the output and the seed differ."""
        return GrpoSettings.from_preset(
            self.preset,
            model_dir=model_dir,
            out=out,
            steps=steps,
            learning_rate=self.learning_rate,
            seed=seed,
            lora=self.lora,
        )

    def sft(self, data: Path, model_dir: Path, out: Path, steps: int, seed: int) -> SftSettings:
        """The SFT run of the cold-start chain: the same adapters and learning rate as the GRPO arms (SFT's default
        rate is full fine-tuning's, too small for adapters that start at zero)."""
        return SftSettings(
            data=data, model_dir=model_dir, out=out, steps=steps, seed=seed, max_length=1024, lora=self.lora,
            learning_rate=self.learning_rate,
        )  # fmt: skip

    def training_tasks(
        self, model_dir: Path, train: Sequence[TaskSpec], pool: Sandbox, saved: Path | None = None
    ) -> list[TaskSpec]:
        """The train tasks the starting model passes sometimes, not always (rl.difficulty: measured once, saved
        under RATES unless told where, reused by any bench that trains the same model the same way)."""
        settings = self.evaluation.model_copy(update={"samples": FILTER_SAMPLES})
        started = time.perf_counter()
        saved = saved or RATES / f"{model_dir.name}-train.json"
        rates = cached_pass_rates(saved, model_dir, train, pool, settings)
        kept = with_signal(train, rates)
        counts = Counter(rates.rates[task.id] for task in train)
        histogram = ", ".join(f"{rate:.2f}: {counts[rate]}" for rate in sorted(counts))
        console.print(
            f"train tasks with a GRPO signal: {len(kept)} of {len(train)} (pass rate over {FILTER_SAMPLES} draws "
            f"-> tasks: {histogram}; {time.perf_counter() - started:.0f} s)"
        )
        return kept

    def describe(self) -> str:
        tuning = f"LoRA rank {self.lora.rank}" if self.lora else "full fine-tuning"
        return f"{self.model}, replies <= {TOKENS} tokens, {tuning}, learning rate {self.learning_rate:g}"


def main(
    seeds: list[int],
    steps: int,
    limit: int | None = None,
    out: Path = OUT,
    lora_rank: int = LORA_RANK,
    model: str | None = None,
) -> dict[str, object]:
    recipe = Recipe.of(model, lora_rank)
    heldout, train = generated_suite("heldout")[:limit], generated_suite("train")
    base = embedded_model_dir(recipe.model)
    settings = recipe.evaluation
    runs: list[SeedRun] = []
    with SandboxPool(PoolConfig(size=2)) as pool:
        started = time.perf_counter()
        before = evaluate(base, heldout, pool, settings)
        eval_s = time.perf_counter() - started
        console.print(f"before (shared by every seed): {before.model_dump()} ({eval_s:.0f} s)")
        train = recipe.training_tasks(base, train, pool)
        for seed in seeds:
            started = time.perf_counter()
            grpo = recipe.grpo(base, out / f"seed-{seed}", steps, seed)
            outcome = run_grpo(grpo, train, pool, console)
            train_s = time.perf_counter() - started
            peak = peak_rss_gib()
            after = evaluate(outcome.final_dir, heldout, pool, settings)
            run = SeedRun(
                seed=seed,
                after=after,
                train_seconds=round(train_s, 1),
                step_seconds=round(train_s / steps, 1),
                peak_rss_gib=round(peak, 2),
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
        f"{len(heldout)} held-out tasks x {SAMPLES} samples (eval seed {EVAL_SEED}); {steps} GRPO steps per seed "
        f"on {len(train)} train tasks; "
        f"{recipe.describe()}; one evaluation {eval_s:.0f} s"
    )
    return {
        "model": recipe.model,
        "steps": steps,
        "seeds": seeds,
        "lora_rank": lora_rank,
        "max_tokens": TOKENS,
        "learning_rate": recipe.learning_rate,
        "heldout_tasks": len(heldout),
        "train_tasks": len(train),
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
    parser.add_argument("--lora-rank", type=int, default=LORA_RANK, help="LoRA rank; 0: full fine-tuning")
    parser.add_argument("--model", default=None, help="embedded model (default: the embedded default)")
    parser.add_argument("--out", type=Path, default=OUT, help="one model directory per seed under it")
    arguments = parser.parse_args()
    result = main(
        arguments.seeds, arguments.steps, arguments.limit, arguments.out, arguments.lora_rank, arguments.model
    )
    print(json.dumps(result))
