"""Live progress of a training run: one rich line per logged step with an ETA, every log row in `log.jsonl`
(kept across `--resume`), and a plot of its curves."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from transformers import TrainerCallback

REWARD_KEY = "reward"
"""GRPOTrainer's mean total reward over the step's completions."""
PASS_KEY = "sandbox/pass_rate"
"""TrlReward's fraction of completions that passed every hidden test."""
LOSS_KEY = "loss"
GRPO_HEADLINE = ((REWARD_KEY, "reward"), (PASS_KEY, "pass"), (LOSS_KEY, "loss"))
SFT_HEADLINE = ((LOSS_KEY, "loss"), ("mean_token_accuracy", "token acc"), ("learning_rate", "lr"))
BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int = 24) -> str:
    """The last `width` values as block characters scaled to [0, 1] (rewards live there)."""
    return "".join(BARS[min(len(BARS) - 1, max(0, int(value * len(BARS))))] for value in values[-width:])


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not math.isnan(value) else None


class StepLogCallback(TrainerCallback):
    """Prints the headline metrics and the ETA as each step is logged, appends the rows to `log.jsonl`.

    A row is a step when it has `step_key` (the trainer's final summary has none). On `--resume` the log keeps
    the rows up to the checkpoint's step, so the file reads as one uninterrupted run.
    """

    def __init__(
        self,
        log_path: Path,
        console: Console | None = None,
        headline: Sequence[tuple[str, str]] = GRPO_HEADLINE,
        step_key: str = REWARD_KEY,
        max_seconds: float | None = None,
    ) -> None:
        self.log_path = log_path
        self.max_seconds = max_seconds
        """The run's wall-time budget (rl.training.TimeBudget): the ETA never goes past it."""
        self.console = console or Console(highlight=False)
        self.headline = headline
        self.step_key = step_key
        self.rewards: list[float] = []
        self.started = time.monotonic()
        self.first_step = 0

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        # The trainer has loaded a resumed checkpoint's state by now: keep what happened before it.
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        earlier = read_log(self.log_path) if self.log_path.is_file() else []
        kept = [row for row in earlier if row.get("step", 0) <= state.global_step]
        self.log_path.write_text("".join(json.dumps(row) + "\n" for row in kept), encoding="utf-8")
        self.rewards = [row[REWARD_KEY] for row in kept if _number(row.get(REWARD_KEY)) is not None]
        self.started, self.first_step = time.monotonic(), state.global_step

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if not logs or self.step_key not in logs:
            return
        row = {
            "step": state.global_step,
            **{key: value for key, value in logs.items() if _number(value) is not None},
        }
        with self.log_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
        reward = _number(logs.get(REWARD_KEY))
        if reward is not None:
            self.rewards.append(reward)
        figures = "  ".join(
            f"{label} [cyan]{_fmt(_number(logs.get(key)), 4 if key == LOSS_KEY else 3)}[/]"
            for key, label in self.headline
            if key in logs
        )
        spark = f"  [dim]{sparkline(self.rewards)}[/]" if self.rewards else ""
        self.console.print(
            f"step [bold]{state.global_step:>4}[/]/{state.max_steps}  {figures}  "
            f"ETA {self._eta(state.global_step, state.max_steps)}{spark}"
        )

    def _eta(self, step: int, max_steps: int) -> str:
        done = step - self.first_step
        if done <= 0:
            return "?"
        elapsed = time.monotonic() - self.started
        seconds = round(elapsed / done * (max_steps - step))
        if self.max_seconds is not None:
            seconds = max(0, min(seconds, round(self.max_seconds - elapsed)))
        return f"{seconds // 60}m{seconds % 60:02d}s"


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "  n/a"
    return f"{value:.2e}" if 0 < abs(value) < 10**-digits else f"{value:.{digits}f}"


def read_log(log_path: Path) -> list[dict[str, Any]]:
    lines = log_path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def moving_average(values: list[float], window: int) -> list[float]:
    """Mean of each value and up to `window - 1` before it (the first points average fewer)."""
    averages = []
    for index in range(len(values)):
        recent = values[max(0, index - window + 1) : index + 1]
        averages.append(sum(recent) / len(recent))
    return averages


REWARD_SERIES = ((REWARD_KEY, "mean reward", "tab:blue"), (PASS_KEY, "pass rate", "tab:green"))
LOSS_SERIES = ((LOSS_KEY, "training loss", "tab:red"),)


def plot_curve(
    log_path: Path,
    png_path: Path,
    series: Sequence[tuple[str, str, str]] = REWARD_SERIES,
    title: str = "GRPO on the sandbox reward",
    unit_interval: bool = True,
) -> Path:
    """Each series per step (points) with its moving average (line), as a PNG; `unit_interval` fixes the
    y axis to [0, 1] (rewards and rates), else it fits the values (a loss)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt

    rows = read_log(log_path)
    figure, axes = plt.subplots(figsize=(8, 4.5))
    for key, label, color in series:
        points = [(row["step"], row[key]) for row in rows if key in row]
        if not points:
            continue
        steps, values = zip(*points, strict=True)
        axes.scatter(steps, values, s=10, alpha=0.35, color=color)
        window = max(1, len(values) // 10)
        axes.plot(
            steps, moving_average(list(values), window), color=color, label=f"{label} (avg of {window})"
        )
    axes.set(xlabel="step", ylabel="per-step mean" if unit_interval else "per-step value", title=title)
    if unit_interval:
        axes.set_ylim(-0.05, 1.05)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left" if unit_interval else "upper right")
    png_path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(png_path, dpi=120)
    plt.close(figure)
    return png_path
