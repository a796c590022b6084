"""Typed tools the agent calls over a sandbox handle: run_python, run_tests, write_file, read_file, submit.

They know the sandbox and the task's public tests, never the agent's graph or the hidden tests.
"""

from tools.calls import TOOL_NAMES, ToolOutcome, call_tool, tool_schemas
from tools.context import ToolContext

__all__ = ["TOOL_NAMES", "ToolContext", "ToolOutcome", "call_tool", "tool_schemas"]
