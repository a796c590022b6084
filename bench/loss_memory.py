"""`python -m bench.loss_memory [--tokens T] [--sizes 2,8]`: peak memory of one GRPO-style loss pass of the
embedded SmolLM2-135M (forward, log-softmax over its 49k vocabulary, backward) over N sequences of T tokens,
each N in a fresh process: the figure behind `train grpo --micro-batch` (default 2 with `--multi-turn`).

Measured 2026-11-30, 1000 tokens: 2 sequences 5.5 GB peak RSS, 8 sequences 18.7 GB (the model alone 0.4 GB).
The multi-turn bench's first step (8 episodes of ~1000 tokens in one pass) was OOM-killed at 16.3 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys

from rich.console import Console
from rich.table import Table


def one_pass(sequences: int, tokens: int) -> float:
    """Peak RSS (MB) of this process after one forward and backward pass."""
    import torch
    from transformers import AutoModelForCausalLM

    from agent.models.embedded import default_model, embedded_model_dir

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(embedded_model_dir(default_model()), dtype=torch.float32)
    ids = torch.randint(0, model.config.vocab_size, (sequences, tokens))
    logits = model(input_ids=ids).logits
    torch.log_softmax(logits.float(), -1).gather(-1, ids[:, :, None]).mean().backward()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(tokens: int, sizes: list[int]) -> dict[str, object]:
    peaks = {}
    for size in sizes:  # a fresh process each: peak RSS only grows
        command = [sys.executable, "-m", "bench.loss_memory", "--one", str(size), "--tokens", str(tokens)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        peaks[size] = float(done.stdout.strip().splitlines()[-1])
    table = Table("sequences per pass", f"peak RSS (MB), {tokens} tokens each", box=None, header_style="bold")
    for size, peak in peaks.items():
        table.add_row(str(size), f"{peak:,.0f}")
    Console(highlight=False).print(table)
    return {"tokens": tokens, "peak_rss_mb": {str(size): round(peak) for size, peak in peaks.items()}}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--sizes", default="2,8", help="Sequences per pass, comma-separated.")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one is not None:
        print(one_pass(arguments.one, arguments.tokens))
    else:
        sizes = [int(part) for part in arguments.sizes.split(",")]
        print(json.dumps(main(arguments.tokens, sizes)))
