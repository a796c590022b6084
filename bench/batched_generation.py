"""`python -m bench.batched_generation`: generated tokens per second of in-process vLLM with 8 samples in flight
vs one at a time, same model, same engine, same run.

The model is the embedded one (its dequantized copy, bf16, `max_model_len` 2048, `enforce_eager`), as the vLLM
tests load it. The prompts are the first HumanEval problems as the agent opens them (system prompt, problem).
One at a time: one `chat` after another. In flight: one thread per sample, each calling `chat` through the
micro-batcher that `run` and `rollouts` use (`agent.models.batching`), which hands the engine one `LLM.chat` of
all of them. Sample i has seed i both ways. The load average is printed beside the figures: other processes on
the machine slow both, not always equally. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rich.console import Console
from rich.table import Table

from agent import prompts
from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.models.batching import BatchingModel
from agent.models.config import ModelConfig, VLLMEngine, load_model
from agent.models.vllm_backend import VLLMModel
from tasks.suites import load_suite

ENGINE = VLLMEngine(max_model_len=2048, enforce_eager=True)


def load_engine() -> VLLMModel:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "2")  # GiB: plenty for 8 × 2048 tokens of a 135M model
    model = load_model(ModelConfig(backend="vllm", dtype="bfloat16", vllm=ENGINE))
    assert isinstance(model, VLLMModel)
    return model


def problems(count: int) -> list[list[Message]]:
    tasks = load_suite("humaneval")[:count]
    return [[Message.model_validate(message) for message in prompts.first_messages(task)] for task in tasks]


def measured(replies: list[ModelReply], wall_s: float) -> dict[str, Any]:
    tokens = sum(reply.completion_tokens for reply in replies)
    return {"tokens": tokens, "wall_s": round(wall_s, 2), "tokens_per_s": round(tokens / wall_s, 2)}


def one_at_a_time(
    model: ChatModel, conversations: list[list[Message]], samplings: list[Sampling]
) -> dict[str, Any]:
    started = time.perf_counter()
    replies = [
        model.chat(messages, sampling=sampling)
        for messages, sampling in zip(conversations, samplings, strict=True)
    ]
    return measured(replies, time.perf_counter() - started)


def in_flight(
    engine: VLLMModel, conversations: list[list[Message]], samplings: list[Sampling]
) -> dict[str, Any]:
    batcher = BatchingModel(engine)
    try:
        with ThreadPoolExecutor(len(conversations)) as workers:
            started = time.perf_counter()
            replies = list(
                workers.map(
                    lambda n: batcher.chat(conversations[n], sampling=samplings[n]), range(len(samplings))
                )
            )
            wall = time.perf_counter() - started
    finally:
        batcher.close()
    stats = batcher.stats()
    return measured(replies, wall) | {"engine_calls": stats.engine_calls, "largest_batch": stats.largest}


def combined(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one way together: their tokens over their wall time."""
    tokens, wall = sum(run["tokens"] for run in runs), sum(run["wall_s"] for run in runs)
    together = {"tokens": tokens, "wall_s": round(wall, 2), "tokens_per_s": round(tokens / wall, 2)}
    if "engine_calls" in runs[0]:
        together["engine_calls"] = sum(run["engine_calls"] for run in runs)
        together["largest_batch"] = max(run["largest_batch"] for run in runs)
    return together


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=8, help="samples in flight (and one at a time)")
    parser.add_argument("--max-tokens", type=int, default=64, help="tokens per reply")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of both ways, alternating (ABBA)")
    options = parser.parse_args()

    console = Console()
    loaded = time.perf_counter()
    engine = load_engine()
    load_s = time.perf_counter() - loaded
    conversations = problems(options.samples)
    samplings = [
        Sampling(temperature=0.6, top_p=0.95, top_k=40, max_tokens=options.max_tokens, seed=n)
        for n in range(options.samples)
    ]
    engine.chat(conversations[0], sampling=samplings[0].model_copy(update={"max_tokens": 4}))  # warm-up
    load_before = os.getloadavg()[0]
    # rounds in ABBA order: a load that rises or falls during the run weighs on both ways alike
    runs: dict[str, list[dict[str, Any]]] = {"serial": [], "batched": []}
    for round_ in range(options.rounds):
        for way in ("serial", "batched") if round_ % 2 == 0 else ("batched", "serial"):
            measure = one_at_a_time if way == "serial" else in_flight
            runs[way].append(measure(engine, conversations, samplings))
    serial, batched = combined(runs["serial"]), combined(runs["batched"])
    load_after = os.getloadavg()[0]
    engine.close()

    speedup = round(batched["tokens_per_s"] / serial["tokens_per_s"], 2)
    table = Table(
        title=f"in-process vLLM, embedded model, {options.samples} samples × {options.max_tokens} tokens, "
        f"{options.rounds} round(s)"
    )
    for column in ("", "generated tokens", "wall s", "tokens/s", "engine calls"):
        table.add_column(column, justify="right")
    table.add_row(
        "one at a time",
        str(serial["tokens"]),
        str(serial["wall_s"]),
        str(serial["tokens_per_s"]),
        str(options.samples * options.rounds),
    )
    table.add_row(
        f"{options.samples} in flight",
        str(batched["tokens"]),
        str(batched["wall_s"]),
        str(batched["tokens_per_s"]),
        str(batched["engine_calls"]),
    )
    console.print(table)
    console.print(
        f"speed-up {speedup}x; engine load {load_s:.0f} s; load average {load_before:.1f} → {load_after:.1f} "
        f"on {os.cpu_count()} cores"
    )
    figures = {
        "samples": options.samples,
        "max_tokens": options.max_tokens,
        "rounds": options.rounds,
        "one_at_a_time": serial,
        "in_flight": batched,
        "speedup": speedup,
        "engine_load_s": round(load_s, 1),
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "cores": os.cpu_count(),
    }
    print(json.dumps(figures))


if __name__ == "__main__":  # vLLM's engine starts processes of its own: only run from here
    main()
