"""`python -m bench.multi_turn_gain [--seconds S] [--limit N] [--samples K] [--eval-only]`: multi-turn agentic
GRPO vs single-turn GRPO at equal training wall time, measured by the agent loop's pass@1 on held-out tasks.

Both arms start from the embedded SmolLM2-135M and train on the generated suite's train split with the same
GRPO settings (2 prompts x 4 completions a step, <= 96 tokens a reply, learning rate, seed) for S seconds of
training wall time each (`TrainingRun.max_seconds`: the step end nearest S); the multi-turn arm's rollouts
are agent episodes (`rl/agent_rollout.py`: answer, public-test results, revision, <= 3 replies). The arms
train back to back, before any evaluation, so they share the machine's load as nearly as possible; their
process CPU seconds (the trainer process only: sandbox containers are other processes) show how fair the
wall-time split was. The base model and both trained models are then run through the agent loop by the
batch runner itself (what `sandloop run generated:heldout --mode agent --preset smollm2 --no-plan
--max-steps 3 --max-tokens 96 --model DIR` does, plus sampling seed 0; run dirs OUT/eval-*), one budget and
seed for all three, in rounds of 11 tasks: each round extends every column's run dir, so a run stopped
early still compares the columns on the same tasks.

Step costs measured on this 2-core, 24 GiB machine while four other jobs shared it (load average 10-14):
a single-turn step took 1016 s of wall time and ~380 CPU s; the first multi-turn step generated its 8
episodes (completions of 33-770 tokens, feedback included) in about 40 minutes and was then OOM-killed in
its loss pass at 16 GiB resident (other jobs held several GiB): at 8 completions a step the multi-turn arm
needs a smaller loss batch or shorter episodes on a CPU. An agent solve of a held-out task took ~64 s of
wall time under that load. bench.grpo_gain measured 30-60 s a single-turn step (64 tokens) on the quiet
machine. With the micro-batch of 2 (the default with multi-turn), on the machine shared by four benchmarks (load
4, OMP_NUM_THREADS=1): single-turn 10 steps in 595 s, multi-turn 2 steps in 541 s; the agent evaluation 32-50 s
a task; `--limit 33` took 90 min in all. Under load a step can outlast the whole budget: each arm then does one
step, and the comparison says little. Figures: docs/benchmarks.md.

Prints the three columns side by side, writes a reward curve per arm and one of both under OUT, and ends
with one JSON line holding `multi_turn_gain` (multi-turn pass@1 minus single-turn) and the raw figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from rich.console import Console
from rich.table import Table

from agent.config import AgentConfig
from agent.models.embedded import default_model, embedded_model_dir
from agent.models.presets import PresetOverrides, resolve_preset
from batch.config import RunConfig
from batch.execute import execute_run, prepare_run
from batch.summary import summarize
from batch.summary_file import write_run_summary
from rl.agent_rollout import MultiTurnSettings
from rl.grpo import GrpoSettings, run_grpo
from rl.train_log import PASS_KEY, REWARD_KEY, moving_average, read_log
from sandbox import PoolConfig, SandboxPool
from tasks.generated import generated_suite

DEFAULT_SECONDS = 600.0
"""Training wall time per arm."""
REPLY_TOKENS = 96
"""Tokens per reply, in training (each completion, each episode turn) and in the agent's evaluation."""
AGENT_STEPS = 3
"""Model calls per agent solve in the evaluation (`sandloop run --max-steps`): as many as a training episode."""
MAX_TURNS = 3
"""Replies per multi-turn training episode."""
LEARNING_RATE = 2e-5
"""As bench.grpo_gain: a few dozen steps must move the model."""
SEED = 0
"""Training seed (data order, sampling) and the agent's sampling seed in every evaluation."""
PRESET = "smollm2"
"""The embedded model's preset, named explicitly: a checkpoint directory's name would resolve to `generic`."""
SUITE = "generated:heldout"
WORKERS = 2
OUT = Path("runs/bench-multi-turn-gain")
TRAIN_FILE = "bench_train.json"
"""An arm's training figures, beside its model."""
ROUND_TASKS = 11
"""Held-out tasks per evaluation round (66 = 6 rounds): every column advances by a round at a time."""
ARMS = ("single-turn", "multi-turn")
COLUMNS = ("base", *ARMS)

console = Console(highlight=False)


class ArmResult(BaseModel):
    """What one column measured."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pass_at_1: float | None
    """The agent loop's held-out pass@1 (None: no sample got a verdict)."""
    tasks: int
    """Held-out tasks run."""
    passed: int
    """Samples that passed the hidden tests."""
    counted: int
    """Samples with a verdict."""
    pending: int
    """Samples left without a verdict (infra or model errors)."""
    eval_seconds: float
    """Wall time of the evaluation run."""
    steps: int = 0
    """Optimizer steps done in the training budget (0: the base model)."""
    train_seconds: float | None = 0.0
    """The trainer's own training-loop wall time (`train_runtime`; None: not recorded)."""
    train_cpu_seconds: float | None = 0.0
    """This process's CPU seconds over the whole training call (model load and save included; None: not
    recorded)."""
    train_reward: float | None = None
    """Mean reward over the training steps."""
    run_dir: str
    """The evaluation's run dir (`sandloop report RUN_DIR`)."""
    model: str | None = None
    """The trained model directory."""


def agent_config() -> AgentConfig:
    """One agent budget and seed for every column, from the embedded model's preset; no plan call, as the
    multi-turn rollouts have none (answer, test results, revision)."""
    overrides = PresetOverrides(max_tokens=REPLY_TOKENS, seed=SEED, plan=False)
    return AgentConfig.from_preset(resolve_preset("", PRESET).with_overrides(overrides), AGENT_STEPS, None)


def evaluate_agent(model: Path | None, name: str, limit: int | None, samples: int, out: Path) -> ArmResult:
    """The batch runner's agent run on the held-out split (the same code as `sandloop run`)."""
    config = RunConfig(
        suite=SUITE,
        backend="transformers",
        model=str(model) if model else None,
        mode="agent",
        samples=samples,
        limit=limit,
        agent=agent_config(),
    )
    started = time.perf_counter()
    prepared = prepare_run(config, out / f"eval-{name}")
    records = execute_run(prepared, WORKERS)
    summary = summarize(records, max_k=1)
    write_run_summary(config, prepared.run_dir, summary)
    seconds = time.perf_counter() - started
    pass_at_1 = summary.pass_at_k[0].value if summary.pass_at_k else None
    console.print(f"{name}: agent pass@1 {pass_at_1} ({summary.passed}/{summary.counted}, {seconds:.0f} s)")
    return ArmResult(
        pass_at_1=pass_at_1,
        tasks=len(prepared.tasks),
        passed=summary.passed,
        counted=summary.counted,
        pending=summary.samples - summary.counted,
        eval_seconds=round(seconds, 1),
        run_dir=str(prepared.run_dir),
    )


def train_arm(name: str, seconds: float, pool: SandboxPool, out: Path) -> dict[str, Any]:
    """One arm's GRPO run under the time budget (the model in OUT/ARM/final); its figures, also in TRAIN_FILE."""
    settings = GrpoSettings(
        model_dir=embedded_model_dir(default_model()),
        out=out / name,
        steps=100_000,  # the time budget ends the run
        max_seconds=seconds,
        save_steps=100_000,  # no intermediate checkpoints: only the final model is evaluated
        max_completion_length=REPLY_TOKENS,
        learning_rate=LEARNING_RATE,
        seed=SEED,
        multi_turn=MultiTurnSettings(max_turns=MAX_TURNS) if name == "multi-turn" else None,
    )
    console.print(f"[bold]{name}[/] GRPO for {seconds:.0f} s")
    cpu = time.process_time()
    outcome = run_grpo(settings, generated_suite("train"), pool, console)
    cpu = time.process_time() - cpu
    steps = [row for row in outcome.log_history if REWARD_KEY in row]
    runtime = next((row["train_runtime"] for row in outcome.log_history if "train_runtime" in row), 0.0)
    rewards = [float(row[REWARD_KEY]) for row in steps]
    console.print(f"{name}: {len(steps)} steps in {runtime:.0f} s of training, {cpu:.0f} CPU s")
    figures = {
        "steps": len(steps),
        "train_seconds": round(float(runtime), 1),
        "train_cpu_seconds": round(cpu, 1),
        "train_reward": round(sum(rewards) / len(rewards), 4) if rewards else None,
    }
    (out / name / TRAIN_FILE).write_text(json.dumps(figures) + "\n", encoding="utf-8")
    return figures


def plot_both(out: Path) -> Path:
    """Both arms' per-step pass rate (moving average) against training seconds' share of steps, one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4.5))
    for name, color in zip(ARMS, ("tab:blue", "tab:orange"), strict=True):
        rows = read_log(out / name / "log.jsonl")
        for key, style in ((REWARD_KEY, "-"), (PASS_KEY, ":")):
            points = [(row["step"], row[key]) for row in rows if key in row]
            if points:
                steps, values = zip(*points, strict=True)
                window = max(1, len(values) // 5)
                averaged = moving_average(list(values), window)
                axes.plot(steps, averaged, style, color=color, label=f"{name} {key} (avg of {window})")
    axes.set(xlabel="step", ylabel="training batch mean", title="GRPO at equal wall time: reward per step")
    axes.set_ylim(-0.05, 1.05)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left")
    path = out / "reward_curves.png"
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def _figure(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def side_by_side(results: dict[str, ArmResult]) -> Table:
    table = Table("held-out, agent loop", *COLUMNS, box=None, header_style="bold")
    rows: list[tuple[str, Any]] = [
        ("agent pass@1", lambda r: _figure(r.pass_at_1)),
        (
            "passed / counted",
            lambda r: f"{r.passed}/{r.counted}" + (f" ({r.pending} pending)" if r.pending else ""),
        ),
        ("training steps", lambda r: str(r.steps)),
        ("train seconds (wall)", lambda r: _figure(r.train_seconds, 0)),
        ("train CPU seconds", lambda r: _figure(r.train_cpu_seconds, 0)),
        ("mean training reward", lambda r: _figure(r.train_reward)),
        ("eval seconds", lambda r: f"{r.eval_seconds:.0f}"),
    ]
    for label, cell in rows:
        table.add_row(label, *(cell(results[name]) for name in COLUMNS))
    return table


def trained_figures(name: str, out: Path) -> dict[str, Any]:
    """An arm's training figures as its run wrote them (`--eval-only` reads them back)."""
    path = out / name / TRAIN_FILE
    if not (out / name / "final").is_dir():
        raise SystemExit(f"--eval-only: {out / name / 'final'} does not exist: train the arms first")
    if path.is_file():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    rows = read_log(out / name / "log.jsonl")  # a run stopped before writing its figures: steps only
    return {"steps": sum(REWARD_KEY in row for row in rows)}


def evaluate_in_rounds(
    models: dict[str, Path | None], limit: int | None, samples: int, out: Path
) -> dict[str, ArmResult]:
    """Every column on the first ROUND_TASKS held-out tasks, then every column on the next ones (each run
    dir extended, as `sandloop run --limit` does): a run stopped early leaves the columns comparable."""
    total = min(limit or len(generated_suite("heldout")), len(generated_suite("heldout")))
    results: dict[str, ArmResult] = {}
    for upto in [*range(ROUND_TASKS, total, ROUND_TASKS), total]:
        for name, model in models.items():
            spent = results[name].eval_seconds if name in results else 0.0
            evaluated = evaluate_agent(model, name, upto, samples, out)
            results[name] = evaluated.model_copy(
                update={"eval_seconds": round(spent + evaluated.eval_seconds, 1)}
            )
        passes = ", ".join(f"{name} {_figure(result.pass_at_1)}" for name, result in results.items())
        console.print(f"[bold]first {upto} of {total} tasks[/]: agent pass@1 {passes}")
    return results


def main(seconds: float, limit: int | None, samples: int, out: Path, eval_only: bool) -> dict[str, Any]:
    if not eval_only:
        for name in (*ARMS, *(f"eval-{column}" for column in COLUMNS)):
            # A fresh run: old checkpoints would be refused, old evaluations would resume a stale model's samples.
            shutil.rmtree(out / name, ignore_errors=True)
        with SandboxPool(PoolConfig(size=2)) as pool:
            for name in ARMS:
                train_arm(name, seconds, pool, out)
    figures = {name: trained_figures(name, out) for name in ARMS}
    models: dict[str, Path | None] = {"base": None, **{name: out / name / "final" for name in ARMS}}
    results = evaluate_in_rounds(models, limit, samples, out)
    for name in ARMS:
        results[name] = results[name].model_copy(update={**figures[name], "model": str(models[name])})
    curves = plot_both(out)
    console.print(side_by_side(results))
    console.print(
        f"{SUITE}: {results['base'].tasks} tasks x {samples} samples, agent <= {AGENT_STEPS} calls of <= "
        f"{REPLY_TOKENS} tokens (preset {PRESET}, seed {SEED}); each arm {seconds:.0f} s of GRPO (2 prompts x 4 "
        f"completions, multi-turn <= {MAX_TURNS} replies); machine shared with other jobs"
    )
    console.print(
        f"curves: {curves}, {out / ARMS[0] / 'reward_curve.png'}, {out / ARMS[1] / 'reward_curve.png'}"
    )
    single, multi = results["single-turn"].pass_at_1, results["multi-turn"].pass_at_1
    return {
        "multi_turn_gain": round(multi - single, 4) if multi is not None and single is not None else None,
        "seconds_per_arm": seconds,
        "heldout_tasks": results["base"].tasks,
        "samples_per_task": samples,
        "agent_steps": AGENT_STEPS,
        "reply_tokens": REPLY_TOKENS,
        "max_turns": MAX_TURNS,
        "learning_rate": LEARNING_RATE,
        "seed": SEED,
        **{name: result.model_dump() for name, result in results.items()},
        "curves": str(curves),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.multi_turn_gain", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="Training wall time per arm.")
    parser.add_argument("--limit", type=int, default=None, help="Only the first N held-out tasks.")
    parser.add_argument("--samples", type=int, default=1, help="Agent samples per held-out task.")
    parser.add_argument("--out", type=Path, default=OUT, help="Models, evaluation run dirs, curves.")
    parser.add_argument(
        "--eval-only",
        action="store_true",
        help="Evaluate the models an earlier run trained in OUT (its finished evaluation samples are kept).",
    )
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    figures = main(arguments.seconds, arguments.limit, arguments.samples, arguments.out, arguments.eval_only)
    print(json.dumps(figures))
