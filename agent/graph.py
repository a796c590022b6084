"""The agent's state machine, built in one place: plan → write → execute → review → (revise → execute …) → finish."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from agent import nodes, routing
from agent.context import AgentContext
from agent.state import AgentState


def build_graph() -> StateGraph[AgentState, AgentContext, AgentState, AgentState]:
    graph = StateGraph(AgentState, context_schema=AgentContext)
    graph.add_node("plan", nodes.plan)
    graph.add_node("write", nodes.write)
    graph.add_node("execute", nodes.execute)
    graph.add_node("review", nodes.review)
    graph.add_node("revise", nodes.revise)
    graph.add_node("finish", nodes.finish)
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", routing.after_plan)
    graph.add_conditional_edges("write", routing.after_write)
    graph.add_edge("execute", "review")
    graph.add_conditional_edges("review", routing.after_review)
    graph.add_conditional_edges("revise", routing.after_revise)
    graph.add_edge("finish", END)
    return graph
