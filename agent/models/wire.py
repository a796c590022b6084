"""Messages in the OpenAI wire form that servers and vLLM's `LLM.chat` take."""

from __future__ import annotations

import json
from typing import Any

from agent.messages import Message


def openai_message(message: Message) -> dict[str, Any]:
    """`Message.as_chat()`, with tool-call arguments as a JSON string as the OpenAI schema wants them."""
    chat = message.as_chat()
    for call in chat.get("tool_calls", []):
        call["function"]["arguments"] = json.dumps(call["function"]["arguments"])
    if message.role == "tool":
        chat.pop("name", None)  # the schema's tool message has no `name`; strict servers reject it
    return chat


def openai_messages(messages: list[Message]) -> list[dict[str, Any]]:
    return [openai_message(m) for m in messages]
