"""`python -m bench.native_tools`: the agent in native-tool mode against a real vLLM OpenAI server of the embedded
model (`--enable-auto-tool-choice --tool-call-parser hermes`), beside the same agent asked for fenced code.

Each arm is the user's own command, `sandloop run SUITE --backend openai --base-url URL --mode agent`, with
`--native-tools` or `--fenced-code`, greedy, against one server started here. Every model reply of the
native arm is counted by how its action came: a tool call the server parsed, a `<tool_call>` the server left in
the text and the agent parsed, a fenced code block taken as `run_tests`, a malformed call (its error sent back
to the model), or no action at all. The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from agent.models.embedded import default_model, embedded_model_dir, require
from agent.models.vllm_server import HERMES_TOOLS, ServerSettings, VLLMServer
from bench.sandloop_run import sandloop_run

ARMS = {"native tools": "--native-tools", "fenced code": "--fenced-code"}


def run_arm(url: str, served: str, suite: str, limit: int, flag: str, out: Path) -> dict[str, Any]:
    """One `sandloop run` process; its summary and wall time."""
    arguments = [suite, "--backend", "openai", "--base-url", url, "--model", served, "--mode", "agent"]
    arguments += ["--limit", str(limit), "--workers", "8", "--temperature", "0", flag, "--out", str(out)]
    return sandloop_run(arguments)


def action_counts(run_dir: Path) -> Counter[str]:
    """Every model reply of the run's trajectories by how its action came."""
    counted: Counter[str] = Counter()
    for path in sorted((run_dir / "trajectories").glob("*.json")):
        for event in json.loads(path.read_text())["events"]:
            if event["type"] != "model" or event["node"] == "plan":
                continue
            counted["replies"] += 1
            calls, from_text = len(event["tool_calls"]), event.get("text_tool_calls", 0)
            counted["parsed by the server"] += calls - from_text
            counted["parsed from the text"] += from_text
            counted["malformed"] += event.get("malformed_tool_calls", 0)
            if not calls and event["actions"]:
                counted["fenced code"] += 1
            if not event["actions"]:
                counted["no action"] += 1
    return counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", default=default_model(), help="embedded model (default: the default one)")
    parser.add_argument("--suite", default="humaneval")
    parser.add_argument("--limit", type=int, default=20, help="first N tasks")
    parser.add_argument("--out", type=Path, default=Path("runs/bench-native-tools"))
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)

    served = require(options.model).hub_name.split("/")[-1]  # its family name picks the preset
    settings = ServerSettings(
        model_dir=embedded_model_dir(options.model), served_name=served, extra=tuple(HERMES_TOOLS)
    )
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    rows: dict[str, dict[str, Any]] = {}
    with VLLMServer(settings, options.out / "vllm-server.log") as server:
        ready_s = time.perf_counter() - started
        for arm, flag in ARMS.items():
            out = options.out / flag.removeprefix("--")
            summary = run_arm(server.url, served, options.suite, options.limit, flag, out)
            counts = action_counts(out)
            rows[arm] = {
                "pass1": summary["summary"]["pass_at_k"][0]["value"],
                "tokens": summary["summary"]["tokens"],
                "wall_s": summary["wall_s"],
                "actions": dict(counts),
            }

    table = Table(
        title=f"agent on {options.suite} (first {options.limit}), {options.model} behind vLLM + hermes"
    )
    kinds = [
        "replies",
        "parsed by the server",
        "parsed from the text",
        "fenced code",
        "malformed",
        "no action",
    ]
    for column in ("arm", "pass@1", *kinds, "tokens", "wall s"):
        table.add_column(column, justify="left" if column == "arm" else "right")
    for arm, row in rows.items():
        counts = row["actions"]
        table.add_row(
            arm,
            f"{row['pass1']:.3f}",
            *(str(counts.get(kind, 0)) for kind in kinds),
            str(row["tokens"]),
            f"{row['wall_s']:.0f}",
        )
    Console(width=200).print(table)
    print(f"server ready in {ready_s:.0f} s; load average {load_before:.1f} → {os.getloadavg()[0]:.1f}")
    print(json.dumps({"model": options.model, "suite": options.suite, "limit": options.limit, "arms": rows}))


if __name__ == "__main__":
    main()
