"""`python -m bench.batched_generation`: generated tokens per second of the embedded model through in-process vLLM
at 1, 8 and 32 samples in flight, beside transformers generating one sample at a time, same prompts, same run.

The model is the embedded default (`embedded:Qwen2.5-Coder-0.5B-Instruct` unless `--model`): vLLM loads its
dequantized copy in bf16 (`max_model_len` 2048, `enforce_eager`), as `sandloop run --backend vllm` does;
transformers loads the same copy as `sandloop solve` does (fp32, `model.generate`). The prompts are HumanEval
problems as the agent opens them (system prompt, problem); sample i has seed i on every path. In flight: one
thread per sample, each calling `chat` through the micro-batcher that `run` and `rollouts` use
(`agent.models.batching`), so the engine gets them as one `LLM.chat`. Replies end at the model's own end of turn
or at `--max-tokens`, so a batch lasts as long as its longest reply, as in a real run.

transformers runs first and is freed before vLLM starts (they never share the cores). The load average is
printed beside the figures. The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import gc
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
from agent.models.embedded import default_model
from agent.models.presets import preset_for
from agent.models.vllm_backend import VLLMModel
from tasks.suites import load_suite

ENGINE = VLLMEngine(max_model_len=2048, enforce_eager=True)


def problems(count: int) -> list[list[Message]]:
    tasks = load_suite("humaneval")[:count]
    return [[Message.model_validate(message) for message in prompts.first_messages(task)] for task in tasks]


def samplings(model: str, count: int, max_tokens: int) -> list[Sampling]:
    """The model's preset sampling (what `sandloop run` samples with), sample n seeded n."""
    preset = preset_for(model)
    return [preset.model_copy(update={"max_tokens": max_tokens, "seed": n}) for n in range(count)]


def measured(replies: list[ModelReply], wall_s: float) -> dict[str, Any]:
    tokens = sum(reply.completion_tokens for reply in replies)
    return {
        "samples": len(replies),
        "tokens": tokens,
        "wall_s": round(wall_s, 2),
        "tokens_per_s": round(tokens / wall_s, 2),
    }


def one_at_a_time(
    model: ChatModel, conversations: list[list[Message]], sampled: list[Sampling]
) -> dict[str, Any]:
    started = time.perf_counter()
    replies = [model.chat(messages, sampling=s) for messages, s in zip(conversations, sampled, strict=True)]
    return measured(replies, time.perf_counter() - started)


def in_flight(
    engine: VLLMModel, conversations: list[list[Message]], sampled: list[Sampling]
) -> dict[str, Any]:
    batcher = BatchingModel(engine)
    try:
        with ThreadPoolExecutor(len(conversations)) as workers:
            started = time.perf_counter()
            replies = list(
                workers.map(
                    lambda n: batcher.chat(conversations[n], sampling=sampled[n]), range(len(sampled))
                )
            )
            wall = time.perf_counter() - started
    finally:
        batcher.close()
    stats = batcher.stats()
    return measured(replies, wall) | {"engine_calls": stats.engine_calls, "largest_batch": stats.largest}


def transformers_serial(model: str, count: int, max_tokens: int) -> tuple[dict[str, Any], float]:
    """`count` samples one after another with transformers; the figures and the load time."""
    loaded = time.perf_counter()
    chat_model = load_model(ModelConfig(model=model, backend="transformers"))
    load_s = time.perf_counter() - loaded
    conversations, sampled = problems(count), samplings(model, count, max_tokens)
    chat_model.chat(conversations[0], sampling=sampled[0].model_copy(update={"max_tokens": 4}))  # warm-up
    figures = one_at_a_time(chat_model, conversations, sampled)
    del chat_model
    gc.collect()
    return figures, load_s


def vllm_in_flight(model: str, widths: list[int], max_tokens: int) -> tuple[dict[int, dict[str, Any]], float]:
    """For each width, that many samples in flight at once; the figures by width and the engine's load time."""
    loaded = time.perf_counter()
    engine = load_model(ModelConfig(model=model, backend="vllm", vllm=ENGINE))
    assert isinstance(engine, VLLMModel)
    load_s = time.perf_counter() - loaded
    try:
        engine.chat(problems(1)[0], sampling=samplings(model, 1, 4)[0])  # warm-up
        by_width = {}
        for width in widths:
            conversations, sampled = problems(width), samplings(model, width, max_tokens)
            by_width[width] = (
                one_at_a_time(engine, conversations, sampled)
                if width == 1
                else in_flight(engine, conversations, sampled)
            )
    finally:
        engine.close()
    return by_width, load_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", default=default_model(), help="model (default: the embedded default)")
    parser.add_argument("--in-flight", default="1,8,32", help="vLLM widths, comma-separated")
    parser.add_argument("--serial-samples", type=int, default=4, help="samples transformers generates")
    parser.add_argument("--max-tokens", type=int, default=256, help="most tokens per reply")
    options = parser.parse_args()
    widths = [int(width) for width in options.in_flight.split(",")]

    console = Console(width=200)
    load_before = os.getloadavg()[0]
    serial, serial_load_s = transformers_serial(options.model, options.serial_samples, options.max_tokens)
    by_width, vllm_load_s = vllm_in_flight(options.model, widths, options.max_tokens)
    load_after = os.getloadavg()[0]

    table = Table(title=f"{options.model}, HumanEval prompts, replies of at most {options.max_tokens} tokens")
    for column in ("", "samples", "generated tokens", "wall s", "tokens/s", "vs transformers serial"):
        table.add_column(column, justify="right")
    rows = [("transformers, one at a time", serial)]
    rows += [(f"vLLM, {width} in flight", figures) for width, figures in by_width.items()]
    for label, figures in rows:
        ratio = figures["tokens_per_s"] / serial["tokens_per_s"]
        table.add_row(
            label,
            str(figures["samples"]),
            str(figures["tokens"]),
            str(figures["wall_s"]),
            str(figures["tokens_per_s"]),
            f"{ratio:.1f}x",
        )
    console.print(table)
    console.print(
        f"load: transformers {serial_load_s:.0f} s, vLLM engine {vllm_load_s:.0f} s; load average "
        f"{load_before:.1f} → {load_after:.1f} on {os.cpu_count()} cores, OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )
    widest = max(widths)
    figures = {
        "model": options.model,
        "max_tokens": options.max_tokens,
        "transformers_serial": serial,
        "vllm": {str(width): result for width, result in by_width.items()},
        "speedup_widest": round(by_width[widest]["tokens_per_s"] / serial["tokens_per_s"], 2),
        "load_s": {"transformers": round(serial_load_s, 1), "vllm": round(vllm_load_s, 1)},
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "cores": os.cpu_count(),
    }
    print(json.dumps(figures))


if __name__ == "__main__":  # vLLM's engine starts processes of its own: only run from here
    main()
