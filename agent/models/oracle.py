"""A model backend that answers every task with its reference solution: for measuring the infrastructure
(agent graph, checkpoints, sandbox, results files) with the model's cost taken out. Never a real result."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.prompts import problem_statement
from tasks.spec import TaskSpec

NO_ANSWER = "I have no reference solution for this problem."


class OracleModel(ChatModel):
    """Finds the task from the problem statement in the prompt and replies with its reference solution in a
    fenced block (a task without one gets a reply with no code)."""

    thread_safe = True  # a dict lookup: no state changes after construction

    def __init__(self, tasks: Iterable[TaskSpec], name: str = "oracle") -> None:
        self.name = name
        # Indexed by first line (many share one, `from typing import List`): a lookup compares a few in full.
        self._by_head: dict[str, list[tuple[str, str | None]]] = {}
        for task in tasks:
            statement = problem_statement(task)
            self._by_head.setdefault(_first_line(statement), []).append((statement, task.reference_solution))

    def answer_for(self, text: str) -> str | None:
        """The reference solution of the task whose statement `text` starts with (the longest one matching)."""
        candidates = [
            (statement, answer)
            for statement, answer in self._by_head.get(_first_line(text), [])
            if text.startswith(statement)
        ]
        return max(candidates, key=lambda pair: len(pair[0]))[1] if candidates else None

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        started = time.perf_counter()
        # The agent sends the statement first and follows it with its own instruction in the same message.
        answer = next(
            (found for m in messages if m.role == "user" and (found := self.answer_for(m.content))), None
        )
        text = f"```python\n{answer.rstrip()}\n```" if answer else NO_ANSWER
        return ModelReply(
            text=text,
            prompt_tokens=sum(len(m.content.split()) for m in messages),
            completion_tokens=len(text.split()),  # words: there is no tokenizer behind an oracle
            latency_s=time.perf_counter() - started,
        )


def _first_line(text: str) -> str:
    return text.partition("\n")[0]
