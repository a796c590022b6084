"""Turn a model reply into actions: native or Hermes tool calls first, else the answer's fenced code block."""

from __future__ import annotations

import uuid
from typing import Any

from agent.models.base import ModelReply
from agent.reasoning import answer_code_block


def actions_from(reply: ModelReply, entry_point: str | None = None) -> list[dict[str, Any]]:
    """Tool calls as plain dicts (`id`, `name`, `arguments`, `native`); empty when the reply holds no action.

    Forgiving on purpose: small local models rarely follow a tool protocol, but they do write fenced code,
    and any fenced block counts as `run_tests(code)`.
    """
    if reply.tool_calls:
        return [
            {"id": c.id, "name": c.name, "arguments": c.arguments, "native": True} for c in reply.tool_calls
        ]
    code = answer_code_block(reply.text, entry_point)
    if code is None:
        return []
    return [
        {
            "id": f"code_{uuid.uuid4().hex[:8]}",
            "name": "run_tests",
            "arguments": {"code": code},
            "native": False,
        }
    ]
