"""One token-budget rule for every command: `--max-tokens` bounds a reply, `--max-total-tokens` the whole
solve (default: steps × per reply), and both are recorded in the config a run or trajectory stores."""

from __future__ import annotations

from agent.budget import Budget, Spent, exhausted, reply_limit
from agent.config import AgentConfig
from agent.models.base import Sampling
from agent.models.presets import PresetOverrides
from batch.config import RunConfig
from cli.run_cmd import Mode, run_config


def test_the_whole_budget_defaults_to_full_replies_at_every_step() -> None:
    config = AgentConfig.with_budget(6, 512, None, Sampling(temperature=0.6), plan=False)
    assert (config.max_total_tokens, config.sampling.max_tokens, config.plan) == (3072, 512, False)
    explicit = AgentConfig.with_budget(6, 512, 1000, Sampling())
    assert (explicit.max_total_tokens, explicit.sampling.max_tokens) == (1000, 512)


def test_run_and_rollouts_options_record_both_limits() -> None:
    options = ("toy", "oracle", None, None, Mode.agent, 1, None, None, None, None)
    per_reply = PresetOverrides(max_tokens=64)
    config = run_config(*options, per_reply, 4, 100)
    assert (config.agent.max_total_tokens, config.agent.sampling.max_tokens) == (100, 64)
    assert run_config(*options, per_reply, 4, None).agent.max_total_tokens == 4 * 64
    stored = config.model_dump(mode="json")["agent"]
    assert stored["max_total_tokens"] == 100 and stored["sampling"]["max_tokens"] == 64


def test_a_config_stored_before_the_rename_reads_the_same() -> None:
    old = AgentConfig().model_dump(mode="json")
    old["max_tokens"] = old.pop("max_total_tokens")
    old["max_tokens"] = 3072
    assert AgentConfig.model_validate(old).max_total_tokens == 3072
    run = RunConfig.model_validate({"suite": "toy", "backend": "oracle", "agent": old})
    assert run.agent.max_total_tokens == 3072


def test_a_limit_reached_stops_and_a_reply_never_outruns_what_is_left() -> None:
    limits = Budget(max_calls=4, max_tokens=100, max_seconds=60.0)
    assert not exhausted(Spent(3, 99, 59.9), limits)
    assert all(exhausted(spent, limits) for spent in (Spent(4, 0, 0), Spent(0, 100, 0), Spent(0, 0, 60.0)))
    assert [reply_limit(Spent(1, used), limits, 64) for used in (0, 36, 50, 99, 120)] == [64, 64, 50, 1, 1]


def test_the_solve_and_the_multi_turn_rollout_read_the_same_rule() -> None:
    from rl.agent_rollout import MultiTurnSettings

    solve = AgentConfig.with_budget(4, 64, 100, Sampling(), max_seconds=30.0)
    assert solve.budget == Budget(4, 100, 30.0)
    assert MultiTurnSettings(max_turns=3, max_episode_tokens=500).budget == Budget(3, 500)
