"""The history fitted to a context window (agent.history): the trimming rule, the reply cap, the overflow retry."""

from __future__ import annotations

import pytest

from agent.history import (
    STUB_OBSERVATION,
    STUB_REPLY,
    chat_within_window,
    estimate_tokens,
    fit,
    shortenings,
    upper_bound_tokens,
)
from agent.messages import Message, ToolCall
from agent.models.base import Sampling
from agent.models.errors import ContextOverflowError, overflow_error
from agent.scripted import ScriptedModel

SYSTEM = Message(role="system", content="You write Python.")
PROBLEM = Message(role="user", content="Write add(a, b). Public tests: assert add(1, 2) == 3")


def code(version: int) -> Message:
    return Message(
        role="assistant", content=f"```python\ndef add(a, b):\n    return a - b  # v{version}\n```"
    )


def feedback(version: int, words: int = 60) -> Message:
    return Message(role="user", content=f"Run {version} failed: " + "traceback line " * words)


def words(messages: list[Message]) -> int:
    return sum(len(m.content.split()) for m in messages)


def conversation(turns: int) -> list[Message]:
    """System, problem, a plan, then `turns` rounds of code and its (long) feedback."""
    messages = [SYSTEM, PROBLEM, Message(role="assistant", content="I will add them. " * 10)]
    for turn in range(1, turns + 1):
        messages += [code(turn), feedback(turn)]
    return messages


def test_a_history_that_fits_is_sent_as_it_is() -> None:
    messages = conversation(2)
    fitted = fit(messages, window=10_000, max_tokens=100, measure=words)
    assert fitted.messages == messages
    assert fitted.max_tokens == 100
    assert fitted.shortened == 0


def test_older_observations_become_stubs_first_keeping_the_anchors() -> None:
    messages = conversation(4)
    window = words(messages) - 100 + 50  # a little over what fits with a 50-token reply
    fitted = fit(messages, window=window, max_tokens=50, measure=words)
    sent = fitted.messages
    assert sent[:2] == [SYSTEM, PROBLEM]  # system prompt and problem, verbatim
    assert sent[-2:] == [code(4), feedback(4)]  # the latest code and its feedback, verbatim
    assert sent[4].content == STUB_OBSERVATION  # the oldest observation went first
    assert sent[6] == feedback(2)  # only as much as needed: the next one is still whole
    assert words(sent) <= window - 50
    assert fitted.max_tokens == 50
    assert fitted.shortened == 1
    assert messages == conversation(4)  # the history itself is untouched


def test_then_older_replies_then_whole_turns_with_a_note() -> None:
    messages = conversation(6)
    latest = [code(6), feedback(6)]
    window = words([SYSTEM, PROBLEM, *latest]) + 40 + 30  # room for a note and almost nothing else
    fitted = fit(messages, window=window, max_tokens=30, measure=words)
    sent = fitted.messages
    assert sent[0] == SYSTEM
    assert sent[1].content.startswith(PROBLEM.content)
    assert "earlier turns left out]" in sent[1].content
    assert sent[-2:] == latest
    assert [m.role for m in sent[2:]] == ["assistant", "user"] * (
        (len(sent) - 2) // 2
    )  # turns still alternate
    assert all(m.content in (STUB_OBSERVATION, STUB_REPLY) for m in sent[2:-2])
    assert words(sent) <= window - 30


def test_every_version_is_no_longer_than_the_one_before() -> None:
    versions = shortenings(conversation(5))
    sizes = [words(version) for version in versions]
    assert sizes == sorted(sizes, reverse=True)
    assert len(versions) > 10


def test_kept_messages_are_cut_in_the_middle_last() -> None:
    huge = Message(role="user", content="start " + "x" * 20_000 + " end")
    messages = [SYSTEM, PROBLEM, code(1), huge]
    fitted = fit(
        messages, window=4_000, max_tokens=100, measure=lambda m: sum(len(x.content) for x in m) // 4
    )
    last = fitted.messages[-1].content
    assert last.startswith("start ") and last.endswith(" end")
    assert "characters cut" in last
    assert fitted.messages[2] == code(1)


def test_native_tool_turns_keep_their_ids_when_stubbed() -> None:
    call = ToolCall(id="call_1", name="run_tests", arguments={"code": "def add(a, b): return a - b " * 30})
    messages = [
        SYSTEM,
        PROBLEM,
        Message(role="assistant", content="trying " * 50, tool_calls=[call]),
        Message(role="tool", tool_call_id="call_1", name="run_tests", content="failed " * 80),
        Message(role="assistant", tool_calls=[call.model_copy(update={"id": "call_2"})]),
        Message(role="tool", tool_call_id="call_2", name="run_tests", content="failed again"),
    ]
    fitted = fit(messages, window=60, max_tokens=10, measure=words)
    stubbed_call, stubbed_result = fitted.messages[2], fitted.messages[3]
    assert stubbed_call.content == STUB_REPLY
    assert [(c.id, c.arguments) for c in stubbed_call.tool_calls] == [("call_1", {})]
    assert (stubbed_result.tool_call_id, stubbed_result.content) == ("call_1", STUB_OBSERVATION)
    assert fitted.messages[4:] == messages[4:]


def test_the_reply_gets_what_the_window_leaves_and_at_least_its_reserve() -> None:
    messages = conversation(3)
    size = words(messages)
    fitted = fit(messages, window=2 * size + 10, max_tokens=5 * size, measure=words)
    assert fitted.messages == messages  # the prompt leaves the reply half the window
    assert fitted.max_tokens == size + 10  # and the reply is capped to the rest
    tight = fit(messages, window=size + 20, max_tokens=100, measure=words)
    assert tight.max_tokens >= min(100, (size + 20) // 2)
    assert tight.shortened > 0


def test_a_problem_too_long_for_any_window_is_sent_shortest_for_the_backend_to_refuse() -> None:
    messages = [SYSTEM, Message(role="user", content="word " * 500)]
    fitted = fit(messages, window=100, max_tokens=20, measure=words)
    assert fitted.messages == messages  # nothing to stub or drop: the problem is kept whole
    assert fitted.max_tokens == 1


def test_the_estimate_never_counts_fewer_than_the_bound_allows() -> None:
    messages = conversation(3)
    assert 0 < estimate_tokens(messages) < upper_bound_tokens(messages)


def test_overflow_refusals_name_window_and_prompt() -> None:
    vllm = (
        "This model's maximum context length is 1024 tokens. However, your prompt contains 2050 input tokens"
    )
    openai = "maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens."
    for refusal, window, prompt in ((vllm, 1024, 2050), (openai, 128000, 130000)):
        error = overflow_error("said", refusal)
        assert error is not None and (error.window, error.prompt_tokens) == (window, prompt)
    assert overflow_error("said", "some other refusal") is None


class ByteTokens(ScriptedModel):
    """A model that cannot count for the caller and takes one token per byte: the estimate under-counts."""

    def count_prompt_tokens(self, messages: list[Message], *, tools: object = None) -> int | None:
        return None

    @staticmethod
    def _words(messages: list[Message]) -> int:
        return sum(len(m.content.encode()) for m in messages)


SAMPLING = Sampling(max_tokens=64)


def test_a_refused_request_is_shortened_and_sent_once_more() -> None:
    messages = conversation(5)
    window = (estimate_tokens(messages) + ByteTokens._words(messages)) // 2 + 64
    model = ByteTokens(["```python\ndef add(a, b):\n    return a + b\n```"], context_window=window)
    assert estimate_tokens(messages) + 64 <= window < model._words(messages) + 64  # under-counted, refused
    reply, fitted = chat_within_window(model, messages, tools=None, sampling=SAMPLING)
    assert "return a + b" in reply.text
    assert model.calls[0] == messages  # first sent whole, and refused
    assert len(model.calls) == 2 and model.calls[1] == fitted.messages
    assert fitted.shortened > 0 and fitted.after_overflow
    assert model._words(fitted.messages) + fitted.max_tokens <= window


def test_a_second_refusal_is_raised() -> None:
    messages = [SYSTEM, Message(role="user", content="word " * 3_000)]
    model = ByteTokens(["never"], context_window=1_000)
    with pytest.raises(ContextOverflowError):
        chat_within_window(model, messages, tools=None, sampling=SAMPLING)


def test_a_model_with_an_unknown_window_gets_the_request_as_it_is() -> None:
    model = ScriptedModel(["ok"])
    messages = conversation(8)
    _, fitted = chat_within_window(model, messages, tools=None, sampling=SAMPLING)
    assert model.calls == [messages]
    assert (fitted.window, fitted.max_tokens) == (None, 64)
