"""Typed tools the agent calls over a sandbox handle (built in the agent issue)."""
