"""A solve killed mid-run (SIGKILL, no cleanup) resumes from its last completed step when run again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.scripted import ScriptedModel
from agent.solve import solve
from sandbox import SandboxPool
from tests.support.toy_tasks import make_add_task

pytestmark = pytest.mark.docker
ROOT = Path(__file__).parents[2]
RIGHT = "```python\ndef add(a, b):\n    return a + b\n```"

# Plans, writes wrong code (run in the sandbox), then hangs in the revision call until killed.
FIRST_RUN = """
import sys, time
from pathlib import Path
from agent.config import AgentConfig
from agent.solve import solve
from agent.scripted import ScriptedModel
from sandbox import PoolConfig, SandboxPool
from tests.support.toy_tasks import make_add_task

class Hangs(ScriptedModel):
    def chat(self, messages, *, tools=None, sampling):
        if len(self.calls) == 2:
            Path(sys.argv[1], "hanging").write_text("x")
            time.sleep(600)
        return super().chat(messages, tools=tools, sampling=sampling)

model = Hangs(["a plan", "```python\\ndef add(a, b):\\n    return a - b\\n```"])
with SandboxPool(PoolConfig(size=1)) as pool:
    solve(make_add_task(), model, pool, AgentConfig(), run_dir=Path(sys.argv[1]), run_id="resumable")
"""


def test_a_killed_solve_resumes_where_it_stopped(pool: SandboxPool, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen([sys.executable, "-c", FIRST_RUN, str(tmp_path)], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "hanging").exists():
            assert first.poll() is None, "the first run ended before it could be killed"
            assert time.monotonic() < deadline, "the first run never reached its third model call"
            time.sleep(0.1)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait()
    saved = json.loads((tmp_path / "resumable.json").read_text())
    assert saved["exit_status"] is None
    assert [e["type"] for e in saved["events"]] == ["model", "model", "tool", "review"]

    model = ScriptedModel([RIGHT])
    result = solve(make_add_task(), model, pool, AgentConfig(), run_dir=tmp_path, run_id="resumable")
    assert result.resumed
    assert result.exit_status == "solved", json.loads(result.trajectory_path.read_text())["events"][4:]
    assert len(model.calls) == 1  # plan and the first attempt were not redone
    assert result.steps == 3
    assert "assertion failed: -1 == 3" in model.calls[0][-1].content  # the revision sees the old verdict
    again = solve(
        make_add_task(), ScriptedModel([]), pool, AgentConfig(), run_dir=tmp_path, run_id="resumable"
    )
    assert again.exit_status == "solved"  # a finished solve is not run again
