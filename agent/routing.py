"""Where the graph goes next: named, pure functions of the state."""

from __future__ import annotations

from typing import Literal

from agent.state import AgentState


def after_plan(state: AgentState) -> Literal["write", "finish"]:
    return "finish" if state.get("stop") else "write"


def after_write(state: AgentState) -> Literal["execute", "write", "finish"]:
    if state.get("stop"):
        return "finish"
    return "execute" if state.get("pending") else "write"


def after_revise(state: AgentState) -> Literal["execute", "revise", "finish"]:
    if state.get("stop"):
        return "finish"
    return "execute" if state.get("pending") else "revise"


def after_review(state: AgentState) -> Literal["revise", "finish"]:
    return "finish" if state.get("stop") else "revise"
