"""The OpenAI backend against real vLLM servers of the QwQ-shaped tiny model (see vllm_fixtures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from transformers import AutoTokenizer

from agent.messages import Message
from agent.models.base import ModelReply, Sampling
from agent.models.config import ModelConfig
from agent.models.errors import ContextOverflowError, ModelError
from agent.models.openai_backend import OpenAIModel
from agent.reasoning import answer_code_block
from tests.agent.models.vllm_fixtures import CONTEXT_WINDOW, SERVED_NAME, VLLMServers, scripted

pytestmark = pytest.mark.slow

PROBLEM = [Message(role="user", content="Write add(a, b) returning the sum of two numbers.")]
THINKING = "The sum is a plus b. A draft:\n```python\nimport os\nos.remove('x')\n```\nNo, simpler."
ANSWER = "```python\ndef add(a, b):\n    return a + b\n```"
TOOL_CALL = '<tool_call>\n{"name": "run_python", "arguments": {"code": "print(2 + 2)"}}\n</tool_call>'
RUN_PYTHON = {
    "type": "function",
    "function": {
        "name": "run_python",
        "description": "Run Python code and return what it prints.",
        "parameters": {
            "type": "object",
            "properties": {"code": {"type": "string", "description": "The program."}},
            "required": ["code"],
        },
    },
}
# QwQ is sampled, never greedy; a grammar of one literal text leaves the sampler no choice of words anyway
SAMPLING = Sampling(temperature=0.6, top_p=0.95, top_k=40, max_tokens=96, seed=0)


def chat(url: str, output: str | None, **call: Any) -> ModelReply:
    extras = scripted(output) if output is not None else {}
    model = OpenAIModel(ModelConfig(backend="openai", model=SERVED_NAME, base_url=url, request_extras=extras))
    return model.chat(call.pop("messages", PROBLEM), sampling=call.pop("sampling", SAMPLING), **call)


def test_thinking_then_code_answer_split_by_the_server(vllm_servers: VLLMServers) -> None:
    reply = chat(vllm_servers.with_parsers, f"{THINKING}</think>\n\n{ANSWER}")
    assert reply.reasoning is not None and reply.reasoning.strip() == THINKING
    assert answer_code_block(reply.text) == "def add(a, b):\n    return a + b"
    assert "os.remove" not in reply.text
    assert not reply.thinking_cut
    assert reply.finish_reason == "stop"
    assert reply.prompt_tokens > 0 and reply.completion_tokens > 0


def test_reply_cut_inside_thinking_has_no_answer(vllm_servers: VLLMServers) -> None:
    reply = chat(
        vllm_servers.with_parsers,
        f"{THINKING}</think>\n\n{ANSWER}",
        sampling=SAMPLING.model_copy(update={"max_tokens": 6}),
    )
    assert reply.thinking_cut
    assert reply.finish_reason == "length"
    assert reply.text == ""
    assert reply.reasoning and THINKING.startswith(reply.reasoning.strip())


def test_native_tool_call_parsed_by_the_server(vllm_servers: VLLMServers) -> None:
    reply = chat(vllm_servers.with_parsers, f"Run it.</think>\n\n{TOOL_CALL}", tools=[RUN_PYTHON])
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [("run_python", {"code": "print(2 + 2)"})]
    assert reply.finish_reason == "tool_calls"
    assert "<tool_call>" not in reply.text
    assert reply.reasoning == "Run it."


def test_context_overflow_is_a_clear_error_naming_the_window(vllm_servers: VLLMServers) -> None:
    long_problem = [Message(role="user", content="word " * (2 * CONTEXT_WINDOW))]
    with pytest.raises(ContextOverflowError) as raised:
        chat(vllm_servers.with_parsers, None, messages=long_problem)
    assert raised.value.window == CONTEXT_WINDOW
    assert f"maximum context length is {CONTEXT_WINDOW}" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_template_opened_thinking_without_parser(vllm_servers: VLLMServers) -> None:
    """No reasoning parser: the text holds only `</think>`; thinking is neither answer nor history."""
    model = OpenAIModel(ModelConfig(backend="openai", model=SERVED_NAME, base_url=vllm_servers.plain))
    assert model.template_opens_thinking()
    reply = chat(vllm_servers.plain, f"{THINKING}</think>\n\n{ANSWER}")
    assert reply.reasoning == THINKING
    assert reply.text == ANSWER  # what the agent runs and keeps in the history
    assert answer_code_block(reply.text) == "def add(a, b):\n    return a + b"
    assert not reply.thinking_cut


def test_cut_without_parser_is_reported_not_taken_as_the_answer(
    vllm_servers: VLLMServers, qwq_dir: Path
) -> None:
    """Cut near the end of the thinking, after its draft code: no answer, nothing to run."""
    tokenizer = AutoTokenizer.from_pretrained(qwq_dir, local_files_only=True)
    near_the_end = len(tokenizer(THINKING, add_special_tokens=False).input_ids) - 3
    reply = chat(
        vllm_servers.plain,
        f"{THINKING}</think>\n\n{ANSWER}",
        sampling=SAMPLING.model_copy(update={"max_tokens": near_the_end}),
    )
    assert reply.thinking_cut
    assert reply.finish_reason == "length"
    assert reply.text == ""
    assert answer_code_block(reply.text) is None
    assert reply.reasoning and THINKING.startswith(reply.reasoning)
    assert "os.remove" in reply.reasoning  # the draft was there, and stays in the thinking


def test_text_tool_call_without_parser(vllm_servers: VLLMServers) -> None:
    """No tool parser on the server: the `<tool_call>` text comes back and agent.reasoning parses it."""
    reply = chat(vllm_servers.plain, f"Run it.</think>\n\n{TOOL_CALL}", tools=[RUN_PYTHON])
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [("run_python", {"code": "print(2 + 2)"})]
    assert reply.finish_reason == "tool_calls"
    assert reply.text == ""
    assert reply.reasoning == "Run it."


def test_min_p_and_the_presence_penalty_reach_the_server(vllm_servers: VLLMServers) -> None:
    """Both travel to vLLM's SamplingParams: in range they are taken; out of range vLLM's own validation
    refuses them by name (model_copy skips sandloop's check, as a hand-built request would). A refused min_p
    is then dropped, as the backend drops optional fields a server does not take; presence_penalty is not."""
    hot = Sampling(temperature=1.0, top_p=1.0, top_k=0, max_tokens=8)
    in_range = hot.model_copy(update={"min_p": 0.5, "presence_penalty": 0.5})
    assert chat(vllm_servers.with_parsers, None, sampling=in_range).completion_tokens > 0
    with pytest.raises(ModelError, match=r"HTTP 400.*presence_penalty"):
        chat(vllm_servers.with_parsers, None, sampling=hot.model_copy(update={"presence_penalty": 3.0}))
    model = OpenAIModel(ModelConfig(backend="openai", model=SERVED_NAME, base_url=vllm_servers.with_parsers))
    model.chat(PROBLEM, sampling=hot.model_copy(update={"min_p": 1.5}))
    assert model._rejected == {"min_p"}  # the server named it in its refusal
