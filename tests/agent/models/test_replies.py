"""Reply assembly shared by the backends, and the streamed-chunk accumulation of the OpenAI backend."""

from __future__ import annotations

import json
from typing import Any

from openai.types.chat import ChatCompletionChunk

from agent.messages import Message, ToolCall
from agent.models.openai_backend import _StreamState
from agent.models.replies import build_reply, opens_thinking
from agent.models.wire import openai_message


def test_answer_without_thinking() -> None:
    reply = build_reply("  just the answer \n", finish_reason="stop", prompt_tokens=5, completion_tokens=3)
    assert (reply.text, reply.reasoning, reply.thinking_cut) == ("just the answer", None, False)
    assert (reply.prompt_tokens, reply.completion_tokens) == (5, 3)


def test_thinking_opened_by_the_template() -> None:
    assert opens_thinking("<|im_start|>assistant\n<think>\n")
    assert not opens_thinking("<|im_start|>assistant\n")
    reply = build_reply("plan it\n</think>\n\nthe answer", finish_reason="stop", opened_by_template=True)
    assert (reply.reasoning, reply.text, reply.thinking_cut) == ("plan it", "the answer", False)


def test_cut_inside_thinking_has_no_answer() -> None:
    reply = build_reply("<think>still thinking about", finish_reason="length")
    assert reply.thinking_cut
    assert reply.text == ""
    assert reply.reasoning == "still thinking about"


def test_server_split_reasoning_cut_on_length() -> None:
    reply = build_reply("", reasoning="long thoughts", finish_reason="length")
    assert reply.thinking_cut and reply.reasoning == "long thoughts"
    assert not build_reply("done", reasoning="thoughts", finish_reason="stop").thinking_cut


def test_hermes_tool_calls_and_malformed_ones() -> None:
    raw = (
        'I will test.\n<tool_call>{"name": "run_tests", "arguments": {"code": "x = 1"}}</tool_call>\n'
        "<tool_call>{not json}</tool_call>"
    )
    reply = build_reply(raw, finish_reason="stop")
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [("run_tests", {"code": "x = 1"})]
    assert reply.finish_reason == "tool_calls"
    assert reply.text.startswith("I will test.")
    assert "malformed <tool_call>" in reply.text  # shown to the model, not silently dropped
    assert (reply.text_tool_calls, reply.malformed_tool_calls) == (1, 1)  # counted for bench.native_tools


def test_calls_the_server_parsed_are_not_counted_as_text_ones() -> None:
    server_call = ToolCall(id="c1", name="run_tests", arguments={"code": "x = 1"})
    reply = build_reply(
        "", finish_reason="tool_calls", tool_calls=[server_call], errors=["malformed tool call #1"]
    )
    assert reply.tool_calls == [server_call]
    assert (reply.text_tool_calls, reply.malformed_tool_calls) == (0, 1)


def test_openai_wire_form_encodes_arguments() -> None:
    call = ToolCall(id="c1", name="run_tests", arguments={"code": "print(1)"})
    assistant = openai_message(Message(role="assistant", tool_calls=[call]))
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == {"code": "print(1)"}
    tool = openai_message(Message(role="tool", content="ok", tool_call_id="c1", name="run_tests"))
    assert tool == {"role": "tool", "content": "ok", "tool_call_id": "c1"}


def chunk(
    delta: dict[str, Any] | None = None, finish: str | None = None, usage: Any = None
) -> ChatCompletionChunk:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return ChatCompletionChunk.model_validate(
        {
            "id": "x",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": choices,
            "usage": usage,
        }
    )


def test_stream_state_assembles_reasoning_content_and_tool_calls() -> None:
    state = _StreamState()
    state.add(chunk({"role": "assistant", "reasoning_content": "think "}))
    state.add(chunk({"reasoning": "more"}))
    state.add(chunk({"content": "Calling."}))
    first = {
        "index": 0,
        "id": "call_a",
        "type": "function",
        "function": {"name": "run_tests", "arguments": '{"co'},
    }
    state.add(chunk({"tool_calls": [first]}))
    state.add(chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'de": "x"}'}}]}))
    broken = {
        "index": 1,
        "id": "call_b",
        "type": "function",
        "function": {"name": "submit", "arguments": "{oops"},
    }
    state.add(chunk({"tool_calls": [broken]}, finish="tool_calls"))
    state.add(chunk(usage={"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}))

    calls, errors = state.tool_calls()
    assert [(c.id, c.name, c.arguments) for c in calls] == [("call_a", "run_tests", {"code": "x"})]
    assert len(errors) == 1 and errors[0].startswith("malformed tool call submit")
    assert "".join(state.reasoning) == "think more"
    assert (state.finish_reason, state.prompt_tokens, state.completion_tokens) == ("tool_calls", 11, 7)

    reply = build_reply(
        "".join(state.content),
        finish_reason="tool_calls",
        reasoning="".join(state.reasoning),
        tool_calls=calls,
        errors=errors,
    )
    assert reply.text.startswith("Calling.") and "malformed tool call submit" in reply.text
    assert reply.tool_calls == calls and reply.finish_reason == "tool_calls"


def test_stream_without_usage_counts_nothing() -> None:
    state = _StreamState()
    state.add(chunk({"content": "<think>a</think>b"}, finish="stop"))
    assert (state.prompt_tokens, state.completion_tokens) == (0, 0)
    reply = build_reply("".join(state.content), finish_reason=state.finish_reason or "stop")
    assert (reply.reasoning, reply.text) == ("a", "b")
