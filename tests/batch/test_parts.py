"""The small parts of a batch run: task selection, the executor seam, the model guard, the oracle."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from agent import prompts
from agent.batch.errors import BatchError
from agent.batch.executor import LocalExecutor, make_executor
from agent.batch.guard import SerializedModel, is_thread_safe, shareable
from agent.batch.oracle import NO_ANSWER, OracleModel
from agent.batch.selection import parse_shard, select
from agent.messages import Message
from agent.models.base import ModelReply, Sampling
from agent.reasoning import last_code_block
from agent.scripted import ScriptedModel
from tasks import load_suite
from tests.batch.conftest import example_tasks

SAMPLING = Sampling()


def test_selection_by_limit_ids_and_shard() -> None:
    tasks = load_suite("humaneval")
    ids = [task.id for task in tasks]
    assert [t.id for t in select(tasks, limit=3)] == ids[:3]
    assert [t.id for t in select(tasks, ids=["HumanEval/7", "HumanEval/2"])] == ["HumanEval/7", "HumanEval/2"]
    shards = [[t.id for t in select(tasks, shard=f"{i}/3")] for i in range(3)]
    assert sorted(i for shard in shards for i in shard) == sorted(ids)  # the shards cover the suite once
    assert shards[1][:2] == [ids[1], ids[4]]
    assert select(tasks) == tasks


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"ids": ["HumanEval/0", "nope"]}, "no task 'nope'"),
        ({"shard": "3/3"}, "expected i/n with 0 <= i < n"),
        ({"shard": "one/two"}, "expected i/n"),
        ({"limit": 2, "shard": "0/2"}, "give at most one"),
    ],
)
def test_bad_selections_are_one_line_errors(choice: dict[str, Any], message: str) -> None:
    with pytest.raises(BatchError, match=message):
        select(load_suite("humaneval"), **choice)


def test_parse_shard() -> None:
    assert parse_shard("2/8") == (2, 8)


def test_the_local_executor_returns_every_result() -> None:
    executor = make_executor("local", 3)
    assert sorted(executor.map_unordered(lambda x: x * x, list(range(20)))) == [x * x for x in range(20)]


@pytest.mark.parametrize("error", [ValueError("bug"), KeyboardInterrupt()])
def test_an_error_in_a_sample_stops_the_run_and_drops_samples_not_started(error: BaseException) -> None:
    started: list[int] = []

    def work(item: int) -> int:
        started.append(item)
        if item == 2:
            raise error
        return item

    results: list[int] = []
    with pytest.raises(type(error)):
        results.extend(LocalExecutor(1).map_unordered(work, list(range(50))))
    assert {0, 1} <= set(results) <= {0, 1, 3}
    assert len(started) <= 4  # two in flight per worker: at most one more started after the failing one


class Overlap:
    """A model that notes how many of its calls run at the same time; with `meet`, each call waits inside
    until that many calls are inside together."""

    name = "overlap"

    def __init__(self, thread_safe: bool, meet: int | None = None) -> None:
        self.thread_safe = thread_safe
        self.inside = self.most = 0
        self._lock = threading.Lock()
        self._barrier = threading.Barrier(meet, timeout=30) if meet else None

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        if self._barrier is not None:
            self._barrier.wait()
        else:
            time.sleep(0.01)  # room for other threads to come in if nothing keeps them out
        with self._lock:
            self.inside -= 1
        return ModelReply(text="x")


def _hammer(model: Any, threads: int, calls: int) -> None:
    def call() -> None:
        for _ in range(calls):
            model.chat([], sampling=SAMPLING)

    started = [threading.Thread(target=call) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()


def test_a_thread_safe_model_is_called_concurrently() -> None:
    model = Overlap(thread_safe=True, meet=2)
    _hammer(shareable(model), threads=2, calls=1)  # both calls must be inside at once to return
    assert model.most == 2


def test_a_model_that_is_not_thread_safe_is_called_one_at_a_time() -> None:
    model = Overlap(thread_safe=False)
    _hammer(shareable(model), threads=6, calls=3)
    assert model.most == 1


def test_which_models_are_shared_as_they_are() -> None:
    oracle = OracleModel(example_tasks())
    assert is_thread_safe(oracle) and shareable(oracle) is oracle
    scripted = ScriptedModel([], name="s")
    wrapped = shareable(scripted)
    assert isinstance(wrapped, SerializedModel) and wrapped.name == "s"


def test_the_oracle_finds_every_humaneval_task_from_its_statement() -> None:
    tasks = load_suite("humaneval")
    oracle = OracleModel(tasks)
    for task in tasks:
        for prompt in ("", f"\n\n{prompts.WRITE}", f"\n\n{prompts.PLAN}"):  # single-shot, agent write, plan
            messages = [
                Message(role="system", content=prompts.SYSTEM),
                Message(role="user", content=prompts.problem_statement(task) + prompt),
            ]
            code = last_code_block(oracle.chat(messages, sampling=SAMPLING).text)
            assert (code or "").strip() == (task.reference_solution or "").strip(), task.id


def test_the_oracle_has_no_answer_for_an_unknown_problem() -> None:
    reply = OracleModel(example_tasks()).chat(
        [Message(role="user", content="Sort a list.")], sampling=SAMPLING
    )
    assert reply.text == NO_ANSWER
    assert last_code_block(reply.text) is None
