"""The agent's graph as drawn (no sandbox): a change to its routes shows up here."""

from __future__ import annotations

from pathlib import Path

from agent.graph import build_graph

SNAPSHOT = Path(__file__).with_name("graph.mmd")


def test_the_graph_drawing_matches_its_snapshot() -> None:
    drawing = build_graph().compile().get_graph().draw_mermaid()
    assert drawing == SNAPSHOT.read_text(), "graph changed: update tests/agent/graph.mmd if on purpose"
