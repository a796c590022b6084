"""The oracle model answers a known task's statement with its reference solution."""

from __future__ import annotations

from agent import prompts
from agent.messages import Message
from agent.models.base import Sampling
from agent.models.oracle import NO_ANSWER, OracleModel
from agent.reasoning import answer_code_block
from tasks import load_suite
from tests.support.batch_run import example_tasks

SAMPLING = Sampling()


def test_the_oracle_finds_every_humaneval_task_from_its_statement() -> None:
    tasks = load_suite("humaneval")
    oracle = OracleModel(tasks)
    for task in tasks:
        for prompt in ("", f"\n\n{prompts.WRITE}", f"\n\n{prompts.PLAN}"):  # single-shot, agent write, plan
            messages = [
                Message(role="system", content=prompts.SYSTEM),
                Message(role="user", content=prompts.problem_statement(task) + prompt),
            ]
            code = answer_code_block(oracle.chat(messages, sampling=SAMPLING).text)
            assert (code or "").strip() == (task.reference_solution or "").strip(), task.id


def test_the_oracle_has_no_answer_for_an_unknown_problem() -> None:
    reply = OracleModel(example_tasks()).chat(
        [Message(role="user", content="Sort a list.")], sampling=SAMPLING
    )
    assert reply.text == NO_ANSWER
    assert answer_code_block(reply.text) is None
