"""`python -m bench.humaneval_table`: HumanEval pass@1 of the embedded Qwen2.5-Coder models, greedy single-shot,
beside the maker's published figure (Qwen2.5-Coder technical report: 0.5B-Instruct 61.6, 1.5B-Instruct 70.7).

Each run is the user's own command, `sandloop run humaneval --mode single-shot --temperature 0` with the
model's preset otherwise (its reply limit included), in a fresh process, so the figure checks the prompts,
the answer extraction and the grading users get. One run per model and backend (`--backends vllm,transformers`
gives the wall time of the same 164 tasks both ways). Failing samples are counted by cause: replies cut at the
reply limit, programs that crash before the tests (syntax, imports), wrong answers, timeouts. The last line
printed is one JSON object with every figure.

Measured (docs/benchmarks.md), through vLLM on two cores, load included: the 0.5B 55.5 in 904 s, the 1.5B 68.9
in 2291 s.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from agent.models.embedded import EMBEDDED_MODELS, embedded
from bench.sandloop_run import sandloop_run

WORKERS = {"vllm": 32, "transformers": 1}
"""Samples in flight: vLLM batches them in one engine; transformers generates one at a time."""


def run_suite(model: str, backend: str, out: Path, limit: int | None) -> dict[str, Any]:
    """One `sandloop run` process; its summary and wall time."""
    arguments = ["humaneval", "--mode", "single-shot", "--temperature", "0", "--backend", backend]
    arguments += ["--model", model, "--workers", str(WORKERS[backend]), "--out", str(out)]
    return sandloop_run(arguments + (["--limit", str(limit)] if limit else []))


def causes(results: Path, reply_limit: int) -> Counter[str]:
    """Each failing sample's cause, from the run's results file."""
    counted: Counter[str] = Counter()
    for line in results.read_text().splitlines():
        record = json.loads(line)
        if record["passed"]:
            continue
        if record["tokens"] >= reply_limit:
            counted["cut at the reply limit"] += 1
        elif record["status"] == "error":
            counted["crashed before the tests"] += 1
        elif record["status"] == "failed":
            counted["wrong answer"] += 1
        else:
            counted[record["status"]] += 1
    return counted


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="qwen2.5-coder-0.5b", help="embedded models, comma-separated")
    parser.add_argument("--backends", default="vllm", help="vllm and/or transformers, comma-separated")
    parser.add_argument("--limit", type=int, default=None, help="first N tasks only (default: all 164)")
    parser.add_argument("--out", type=Path, default=Path("runs/bench-humaneval-table"))
    args = parser.parse_args()
    console = Console(highlight=False, width=200)
    table = Table(title="HumanEval pass@1, greedy single-shot (`sandloop run humaneval`)")
    for column in ("model", "backend", "pass@1", "maker's", "gap", "tokens", "wall", "tokens/s", "failures"):
        table.add_column(
            column, justify="right" if column not in ("model", "backend", "failures") else "left"
        )
    figures: dict[str, Any] = {"load_average": os.getloadavg()[0], "runs": []}
    for short in args.models.split(","):
        model = embedded(short)
        if model is None:
            raise SystemExit(f"--models: no embedded model {short!r} (one of {', '.join(EMBEDDED_MODELS)})")
        for backend in args.backends.split(","):
            out = args.out / f"{model.short}-{backend}"
            summary = run_suite(model.name, backend, out, args.limit)
            ours = 100 * summary["summary"]["pass_at_k"][0]["value"]
            reply_limit = summary["config"]["agent"]["sampling"]["max_tokens"]
            failing = causes(Path(summary["results"]), reply_limit)
            tokens = summary["summary"]["tokens"]
            maker = model.makers_humaneval
            row = {
                "model": model.short,
                "backend": backend,
                "tasks": summary["summary"]["tasks"],
                "pass1": round(ours, 1),
                "makers": maker,
                "gap": round(ours - maker, 1) if maker is not None else None,
                "tokens": tokens,
                "wall_s": summary["wall_s"],
                "tokens_per_s": round(tokens / summary["wall_s"], 1),
                "failures": dict(failing),
                "run_dir": str(out),
            }
            figures["runs"].append(row)
            table.add_row(
                model.short,
                backend,
                f"{ours:.1f}",
                f"{maker:.1f}" if maker is not None else "-",
                f"{row['gap']:+.1f}" if row["gap"] is not None else "-",
                str(tokens),
                f"{summary['wall_s']:.0f} s",
                f"{row['tokens_per_s']:.1f}",
                ", ".join(f"{name} {count}" for name, count in failing.most_common()),
            )
    console.print(table)
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
