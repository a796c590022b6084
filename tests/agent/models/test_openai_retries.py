"""Transient failures of a real HTTP server (resets, 503s, broken streams) retried with bounded backoff by
the OpenAI backend; refusals that are not transient (a context overflow) are not."""

from __future__ import annotations

import pytest

from agent.messages import Message
from agent.models.base import Sampling
from agent.models.config import ModelConfig
from agent.models.errors import ContextOverflowError, ModelError
from agent.models.openai_backend import OpenAIModel
from agent.models.retry import MODEL_RETRY, RetriesExhausted, call_with_retries
from tasks.infra_retry import InfraRetry
from tests.support.flaky_server import SERVED, WINDOW, Behaviour, Failure, flaky_server

QUICK = InfraRetry(max_attempts=3, backoff_s=0.01, backoff_max_s=0.02)
HELLO = [Message(role="user", content="Write add(a, b).")]
SAMPLING = Sampling(max_tokens=32)


def model_at(url: str) -> OpenAIModel:
    return OpenAIModel(ModelConfig(backend="openai", model=SERVED, base_url=url), retry=QUICK)


@pytest.mark.parametrize("failure", ["reset", "503", "broken_stream"])
def test_transient_failures_are_retried_until_the_server_answers(failure: Failure) -> None:
    behaviour = Behaviour(failure=failure, failing=2)
    with flaky_server(behaviour) as url:
        reply = model_at(url).chat(HELLO, sampling=SAMPLING)
    assert reply.text == behaviour.reply  # whole, once: a retried stream starts over
    assert behaviour.chat_requests == 3
    assert (reply.prompt_tokens, reply.completion_tokens) == (7, 5)


@pytest.mark.parametrize("failure", ["reset", "503", "broken_stream"])
def test_retries_are_bounded_and_the_error_is_one_line(failure: Failure) -> None:
    behaviour = Behaviour(failure=failure, failing=100)
    with flaky_server(behaviour) as url, pytest.raises(ModelError) as raised:
        model_at(url).chat(HELLO, sampling=SAMPLING)
    assert behaviour.chat_requests == QUICK.max_attempts  # the client adds no retries of its own
    said = str(raised.value)
    assert "(3 attempts)" in said and url in said and "\n" not in said


def test_a_context_overflow_is_not_transient() -> None:
    behaviour = Behaviour(failure="overflow", failing=100)
    with flaky_server(behaviour) as url, pytest.raises(ContextOverflowError) as raised:
        model_at(url).chat(HELLO, sampling=SAMPLING)
    assert behaviour.chat_requests == 1
    assert (raised.value.window, raised.value.prompt_tokens) == (WINDOW, 5000)
    assert "attempts" not in str(raised.value)


def test_the_probe_learns_the_window() -> None:
    with flaky_server(Behaviour()) as url:
        model = model_at(url)
        model.probe()
    assert model.context_window == WINDOW


def test_backoff_doubles_up_to_its_bound() -> None:
    waits: list[float] = []
    failures = iter(range(10))

    def flaky() -> str:
        if next(failures) < 5:
            raise ConnectionResetError("reset")
        return "answer"

    policy = InfraRetry(max_attempts=6, backoff_s=1.0, backoff_max_s=4.0)
    assert call_with_retries(flaky, policy, lambda e: True, wait=waits.append) == "answer"
    assert waits == [1.0, 2.0, 4.0, 4.0, 4.0]
    with pytest.raises(RetriesExhausted) as raised:
        call_with_retries(lambda: 1 / 0, MODEL_RETRY, lambda e: True, wait=waits.append)
    assert raised.value.attempts == MODEL_RETRY.max_attempts
    assert isinstance(raised.value.__cause__, ZeroDivisionError)
    with pytest.raises(ValueError):  # not transient: raised at once
        call_with_retries(lambda: int("x"), MODEL_RETRY, lambda e: False, wait=waits.append)
