"""The agent: a LangGraph plan-write-execute-revise loop over a reasoning model (built in the agent issue)."""
