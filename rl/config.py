"""How completions are turned into rewards: the outcome mode, the optional format term, infra retries."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tasks.infra_retry import InfraRetry

RewardMode = Literal["pass_fraction", "all_or_nothing"]


class FormatTerm(BaseModel):
    """Added to the outcome reward according to the completion's shape (penalties are <= 0, the bonus >= 0)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    no_code_block: float = Field(-0.1, le=0)
    """Added when the answer (after `</think>`) has no fenced Python block."""
    unterminated_thinking: float = Field(-0.1, le=0)
    """Added when the completion was cut inside its thinking: it has no answer at all."""
    well_formed: float = Field(0.0, ge=0)
    """Added when the thinking is closed and the answer has a code block, whatever the tests say."""


class RewardConfig(BaseModel):
    """The reward of one completion: outcome (from the sandbox) plus the optional format term."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: RewardMode = "pass_fraction"
    """`pass_fraction`: passed tests over all tests; `all_or_nothing`: 1.0 only when every test passed."""
    format_term: FormatTerm | None = None
    """None: no format term (the reward is the outcome alone)."""
    opened_by_template: bool = False
    """The chat template opens `<think>` itself (QwQ): completions start inside the thinking, and one
    without `</think>` was cut there. False: a completion without `</think>` is all answer."""
    infra_retry_s: float = Field(120.0, ge=0)
    """How long, after a batch ran, sandbox infrastructure errors are retried before they are left unscored."""
    infra_max_attempts: int | None = Field(None, ge=1)
    """Most runs of one completion's job, the first included; None: as many as the deadline allows."""
    infra_backoff_s: float = Field(1.0, gt=0)
    """First wait before retrying infrastructure errors; doubled after each round."""
    infra_backoff_max_s: float = Field(10.0, gt=0)
    """Longest wait between two retry rounds."""
    pool_size: int | None = Field(None, ge=1, le=256)
    """Containers of the pool a loaded reward makes for its process (verl); None: `SANDLOOP_REWARD_POOL_SIZE`,
    else the usable cores divided by `workers_per_node` (at least 1). Ignored where a pool is handed in (TRL)."""
    workers_per_node: int | None = Field(None, ge=1, le=1024)
    """Reward processes on one node, each with its own pool (verl: `reward.num_workers` over the nodes; times
    `reward.num_workers` again with `reward_manager.name=remote`). None: `SANDLOOP_REWARD_WORKERS_PER_NODE`,
    else 8 (verl's default `reward.num_workers`)."""

    sandbox_urls: tuple[str, ...] = ()
    """`sandloop serve` URLs a loaded reward grades on instead of a pool of its own (verl); empty:
    `SANDLOOP_SANDBOX_URLS` (comma-separated), else a local pool. Ignored where a pool is handed in (TRL)."""
    sandbox_token_env: str = "SANDLOOP_SANDBOX_TOKEN"
    """Environment variable holding those servers' bearer token."""

    @model_validator(mode="after")
    def _backoff_order(self) -> Self:
        if self.infra_backoff_max_s < self.infra_backoff_s:
            raise ValueError("infra_backoff_max_s must be at least infra_backoff_s")
        return self

    @property
    def infra_retry(self) -> InfraRetry:
        """These settings as the one retry policy (tasks/infra_retry.py)."""
        return InfraRetry(
            max_attempts=self.infra_max_attempts,
            deadline_s=self.infra_retry_s,
            backoff_s=self.infra_backoff_s,
            backoff_max_s=self.infra_backoff_max_s,
        )
