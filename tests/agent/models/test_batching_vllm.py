"""Batched generation with the real in-process vLLM engine: settings reach `vllm.LLM`, many threads' calls
are answered by few engine calls, and a batch run through the batcher records what the serial path records."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.messages import Message
from agent.models.base import ModelReply, Sampling
from agent.models.batching import BatchingModel
from agent.models.errors import ContextOverflowError
from agent.models.serialized import SerializedModel, shareable
from agent.models.vllm_backend import VLLMModel
from batch.config import Mode, RunConfig
from batch.run import run_batch
from batch.sample import SampleRunner
from batch.workers import LocalExecutor
from sandbox import SandboxPool
from tasks.infra_retry import InfraRetry
from tests.agent.models.vllm_fixtures import CONTEXT_WINDOW, ENGINE_MEMORY_FRACTION, scripted
from tests.support.batch_run import EXAMPLES, example_tasks

pytestmark = pytest.mark.slow
SUM_LIST = "```python\ndef sum_list(numbers):\n    return sum(numbers)\n```"
SAMPLING = Sampling(temperature=0.6, top_p=0.95, top_k=40, max_tokens=64, seed=0)


def test_engine_settings_reach_the_real_engine(vllm_engine: VLLMModel, qwq_dir: Path) -> None:
    import torch

    config = vllm_engine._llm.llm_engine.vllm_config
    assert config.model_config.max_model_len == CONTEXT_WINDOW == vllm_engine.context_window
    assert config.model_config.enforce_eager is True
    assert config.model_config.tokenizer == str(qwq_dir)
    assert config.model_config.dtype == torch.bfloat16  # `auto`: the model's own
    assert config.parallel_config.tensor_parallel_size == 1
    assert config.cache_config.gpu_memory_utilization == ENGINE_MEMORY_FRACTION


def test_concurrent_calls_are_answered_by_batched_engine_calls(vllm_engine: VLLMModel) -> None:
    engine = vllm_engine.using(scripted(f"Short.</think>\n\n{SUM_LIST}"))
    batcher = BatchingModel(engine, window_s=2.0, max_batch=6)  # the batch closes once all six wait
    # prompts of different lengths and samplings: each caller must get the reply to its own prompt
    prompts = [[Message(role="user", content="Sum a list. " + "Please. " * n)] for n in range(6)]
    samplings = [SAMPLING.model_copy(update={"temperature": 0.3 + 0.1 * n, "seed": n}) for n in range(6)]
    start = threading.Barrier(6, timeout=60)

    def call(n: int) -> ModelReply:
        start.wait()
        return batcher.chat(prompts[n], sampling=samplings[n])

    try:
        with ThreadPoolExecutor(6) as threads:
            replies = list(threads.map(call, range(6)))
    finally:
        batcher.close()
    assert all(reply.text == SUM_LIST and reply.reasoning == "Short." for reply in replies)
    alone = engine.chat_batch(prompts, SAMPLING)  # the same prompts in one call, in order
    assert [reply.prompt_tokens for reply in replies] == [reply.prompt_tokens for reply in alone]
    assert len({reply.prompt_tokens for reply in replies}) == 6
    stats = batcher.stats()
    assert stats.requests == 6 and stats.engine_calls < 6 and stats.largest > 1


def test_seeded_prompts_longer_than_one_engine_step_all_get_replies(vllm_engine: VLLMModel) -> None:
    """vLLM's CPU build killed its engine ("CPU Generator does not use offset") when a seeded request's prompt
    was split over engine steps, as 32 HumanEval prompts in flight are: its engines run without chunked
    prefill."""
    scheduler = vllm_engine._llm.llm_engine.vllm_config.scheduler_config
    assert scheduler.enable_chunked_prefill is False
    words = CONTEXT_WINDOW - 128
    count = scheduler.max_num_batched_tokens // words + 2  # more prompt tokens than one step takes
    prompts = [[Message(role="user", content=f"{n} " + "word " * words)] for n in range(count)]
    replies = vllm_engine.chat_batch(prompts, SAMPLING.model_copy(update={"max_tokens": 4}))
    assert len(replies) == count
    assert all(reply.completion_tokens > 0 for reply in replies)
    assert sum(reply.prompt_tokens for reply in replies) > scheduler.max_num_batched_tokens


def test_a_prompt_the_engine_refuses_fails_only_its_caller(vllm_engine: VLLMModel) -> None:
    engine = vllm_engine.using(scripted(f"Short.</think>\n\n{SUM_LIST}"))
    batcher = BatchingModel(engine, window_s=2.0, max_batch=3)
    prompts = [
        [Message(role="user", content=text)] for text in ("Sum a list.", "word " * 2 * CONTEXT_WINDOW, "Sum.")
    ]
    start = threading.Barrier(3, timeout=60)

    def call(n: int) -> ModelReply | Exception:
        start.wait()
        try:
            return batcher.chat(prompts[n], sampling=SAMPLING)
        except ContextOverflowError as error:
            return error

    try:
        with ThreadPoolExecutor(3) as threads:
            first, refused, last = threads.map(call, range(3))
    finally:
        batcher.close()
    assert isinstance(first, ModelReply) and first.text == SUM_LIST
    assert isinstance(last, ModelReply) and last.text == SUM_LIST
    assert isinstance(refused, ContextOverflowError) and refused.window == CONTEXT_WINDOW


def _run(
    engine: VLLMModel, shared: SerializedModel | BatchingModel, pool: SandboxPool, run_dir: Path, mode: Mode
) -> list[tuple[object, ...]]:
    tasks = example_tasks()
    agent = AgentConfig(plan=False, max_steps=2, sampling=SAMPLING)
    config = RunConfig(suite=EXAMPLES, backend="vllm", model=engine.name, mode=mode, samples=2, agent=agent)
    workers = 3 if isinstance(shared, BatchingModel) else 1
    sampler = SampleRunner(shared, pool, config, run_dir, InfraRetry(backoff_s=0.0))
    records = run_batch(tasks, config, sampler, run_dir, LocalExecutor(workers))
    return [(r.task_id, r.sample, r.status, r.passed, r.code, r.tokens, r.exit_status) for r in records]


@pytest.mark.docker
@pytest.mark.parametrize("mode", ["single-shot", "agent"])
def test_a_batch_run_through_the_batcher_records_what_the_serial_path_records(
    vllm_engine: VLLMModel, pool: SandboxPool, tmp_path: Path, mode: Mode
) -> None:
    engine = vllm_engine.using(scripted(f"Short.</think>\n\n{SUM_LIST}"))
    batched = shareable(engine)  # what `run` and `rollouts` build for a batched backend
    assert isinstance(batched, BatchingModel)
    try:
        through_batches = _run(engine, batched, pool, tmp_path / "batched", mode)
    finally:
        batched.close()
    serial = _run(engine, SerializedModel(engine), pool, tmp_path / "serial", mode)
    assert through_batches == serial
    assert [(task, passed) for task, _, _, passed, *_ in serial] == [
        ("sum_list", True),
        ("sum_list", True),
        ("is_even", False),
        ("is_even", False),
        ("reverse_words", False),
        ("reverse_words", False),
    ]
    stats = batched.stats()
    # three workers, one engine thread: replies came from engine calls of more than one conversation
    assert stats.engine_calls < stats.requests and stats.largest > 1
