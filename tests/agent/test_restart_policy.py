"""The restart policy: one setting (`Restart`) read by the one rule (agent.nodes.restarting); configs stored
when it was a bool read as the policy they ran with."""

from __future__ import annotations

from agent.config import AgentConfig
from agent.models.presets import PRESETS
from agent.restart_policy import Restart


def test_a_config_stored_with_the_restart_bool_reads_as_its_policy() -> None:
    old = AgentConfig().model_dump(mode="json")
    del old["restart"]
    for flag, policy in ((True, Restart.ON_REPEAT), (False, Restart.NEVER)):
        assert AgentConfig.model_validate(old | {"restart_on_repeat": flag}).restart is policy


def test_a_preset_policy_reaches_the_config() -> None:
    preset = PRESETS["qwen2.5-coder"]
    assert AgentConfig.from_preset(preset, 4, None).restart is preset.restart


def test_the_agent_bench_names_a_run_dir_for_every_policy() -> None:
    from bench.agent_vs_single import RESTART_TAGS

    assert set(RESTART_TAGS) == set(Restart)
    assert len(set(RESTART_TAGS.values())) == len(Restart)  # distinct dirs: no policy resumes another's run
