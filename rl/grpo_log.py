"""Live progress of a GRPO run: one rich line per logged step, every log row in `log.jsonl`, a reward plot."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from rich.console import Console
from transformers import TrainerCallback

REWARD_KEY = "reward"
"""GRPOTrainer's mean total reward over the step's completions."""
PASS_KEY = "sandbox/pass_rate"
"""TrlReward's fraction of completions that passed every hidden test."""
BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int = 24) -> str:
    """The last `width` values as block characters scaled to [0, 1] (rewards live there)."""
    return "".join(BARS[min(len(BARS) - 1, max(0, int(value * len(BARS))))] for value in values[-width:])


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not math.isnan(value) else None


class RewardCurveCallback(TrainerCallback):
    """Prints step, mean reward, pass rate and loss as each step is logged; appends the rows to `log.jsonl`."""

    def __init__(self, log_path: Path, console: Console | None = None) -> None:
        self.log_path = log_path
        self.console = console or Console(highlight=False)
        self.rewards: list[float] = []
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("", encoding="utf-8")  # one run per file: a rerun into OUT starts over

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if not logs or REWARD_KEY not in logs:  # the final train summary has no reward: not a step
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
        passed, loss = _number(logs.get(PASS_KEY)), _number(logs.get("loss"))
        self.console.print(
            f"step [bold]{state.global_step:>4}[/]/{state.max_steps}  "
            f"reward [cyan]{_fmt(reward)}[/]  pass {_fmt(passed)}  loss {_fmt(loss, 4)}  "
            f"[dim]{sparkline(self.rewards)}[/]"
        )


def _fmt(value: float | None, digits: int = 3) -> str:
    return "  n/a" if value is None else f"{value:.{digits}f}"


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


def plot_reward_curve(log_path: Path, png_path: Path, title: str = "GRPO on the sandbox reward") -> Path:
    """Mean reward and pass rate per step (points) with their moving average (lines), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt

    rows = read_log(log_path)
    figure, axes = plt.subplots(figsize=(8, 4.5))
    for key, label, color in ((REWARD_KEY, "mean reward", "tab:blue"), (PASS_KEY, "pass rate", "tab:green")):
        points = [(row["step"], row[key]) for row in rows if key in row]
        if not points:
            continue
        steps, values = zip(*points, strict=True)
        axes.scatter(steps, values, s=10, alpha=0.35, color=color)
        window = max(1, len(values) // 10)
        axes.plot(
            steps, moving_average(list(values), window), color=color, label=f"{label} (avg of {window})"
        )
    axes.set(xlabel="step", ylabel="per-step mean", title=title, ylim=(-0.05, 1.05))
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left")
    png_path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(png_path, dpi=120)
    plt.close(figure)
    return png_path
