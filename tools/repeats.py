"""Code that already failed its tests is not run again: the model reads that it repeated itself, with the
earlier result. A small model at low temperature often answers feedback with its failing code word for word
(12 of 22 revisions of the embedded model in bench.agent_vs_single). Telling it so did not stop it (33 of 59
revisions still repeated), but the sandbox run it would repeat is deterministic, so it is saved. One rule for the agent graph and the multi-turn rollouts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

RAN = "I ran your code against the tests."
REPEATED = (
    "This is the same code as an earlier attempt that failed, so I did not run it again. "
    "Write a different solution. The earlier result:"
)


def run_key(code: str, tests: str | None, files: Mapping[str, str]) -> str:
    """What makes two test runs the same run: the code (surrounding whitespace aside), own tests and files."""
    text = json.dumps([code.strip(), tests, sorted(files.items())])
    return hashlib.sha256(text.encode()).hexdigest()


def test_report(content: str, *, repeated: bool = False) -> str:
    """The user turn that reports a test run of the model's code, or the earlier result of a repeated one."""
    return f"{REPEATED if repeated else RAN}\n{content}"
