"""What defines a batch run, stored as RUN_DIR/config.json: resuming with anything else is refused, except a
run extended to more samples per task or more tasks (`-n`, `--limit` raised): only the missing samples run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.config import AgentConfig
from batch.errors import BatchError
from batch.run_lock import hold_lock

Mode = Literal["agent", "single-shot"]
CONFIG_FILE = "config.json"
LOCK_FILE = ".lock"
"""Held (flock) by the process running in the dir; it holds that process's pid."""


class RunConfig(BaseModel):
    """Everything that changes a run's results. How it is executed (workers, executor) is not here: a run
    may be resumed with other workers."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    suite: str
    """The suite as named on the command line (`humaneval`, `jsonl:PATH`, ...)."""
    backend: str
    """Model backend (`transformers`, `openai`, `vllm`; `oracle` measures infrastructure only)."""
    model: str | None = None
    """Model as given (None: the backend's default)."""
    base_url: str | None = None
    """OpenAI-compatible endpoint, for the openai backend."""
    mode: Mode = "agent"
    """`agent`: the LangGraph loop per sample; `single-shot`: one model call per sample."""
    samples: int = Field(1, ge=1)
    """Samples per task (n of pass@k)."""
    limit: int | None = Field(None, ge=1)
    """Only the first N tasks of the suite."""
    ids: list[str] | None = None
    """Only these task ids, in this order."""
    shard: str | None = None
    """Only shard `i/n` of the suite (tasks i, i+n, i+2n, ...; i from 0)."""
    agent: AgentConfig = Field(default_factory=AgentConfig)
    """Agent budget and sampling; single-shot mode uses its sampling only."""


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict) and data:
        flat: dict[str, Any] = {}
        for key, value in data.items():
            flat |= _flat(value, f"{prefix}{key}.")
        return flat
    return {prefix.rstrip("."): data}


def differences(stored: RunConfig, given: RunConfig) -> list[str]:
    """`field (stored → given)` for every field, dotted, that differs."""
    old, new = _flat(stored.model_dump(mode="json")), _flat(given.model_dump(mode="json"))
    return [
        f"{name} ({json.dumps(old.get(name))} → {json.dumps(new.get(name))})"
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name)
    ]


GROWABLE = ("samples", "limit")
"""Fields a resume may raise: they add samples to the run without changing what any sample is."""


def _grown(stored: RunConfig, given: RunConfig) -> list[str]:
    """The growable fields `given` lowers (a run is never cut back: its finished samples would be left out)."""
    shrunk = []
    if given.samples < stored.samples:
        shrunk.append(f"samples ({stored.samples} → {given.samples}: -n may only grow)")
    if given.limit is not None and (stored.limit is None or given.limit < stored.limit):
        shrunk.append(
            f"limit ({json.dumps(stored.limit)} → {json.dumps(given.limit)}: --limit may only grow)"
        )
    return shrunk


def extension_differences(stored: RunConfig, given: RunConfig) -> list[str]:
    """Why `given` may not resume (or extend) the run of `stored`: every differing field but a grown -n or
    --limit. Empty: it may."""
    unchanged = given.model_copy(update={name: getattr(stored, name) for name in GROWABLE})
    return differences(stored, unchanged) + _grown(stored, given)


def read_config(run_dir: Path) -> RunConfig | None:
    path = run_dir / CONFIG_FILE
    try:
        return RunConfig.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, ValidationError) as error:
        first = str(error).splitlines()[0]
        raise BatchError(f"{path}: not a run config ({first})") from None


def claim_run_dir(run_dir: Path, config: RunConfig) -> bool:
    """Make `run_dir` this config's, and this process's until it ends: refuse a dir another process runs in
    or one made with another config; True when resuming one. A resume with a larger -n or --limit extends
    the run: the stored config becomes `config`."""
    hold_lock(run_dir / LOCK_FILE, run_dir)
    stored = read_config(run_dir)
    if stored is not None:
        changed = extension_differences(stored, config)
        if changed:
            raise BatchError(
                f"{run_dir} holds a run with another config: {'; '.join(changed)}: "
                "resume with the same options (more samples or tasks may be added) or choose another --out"
            )
        if stored != config:
            _write_config(run_dir, config)
        return True
    run_dir.mkdir(parents=True, exist_ok=True)
    _write_config(run_dir, config)
    return False


def _write_config(run_dir: Path, config: RunConfig) -> None:
    temporary = run_dir / f".{CONFIG_FILE}.tmp"
    temporary.write_text(config.model_dump_json(indent=1) + "\n", encoding="utf-8")
    temporary.replace(run_dir / CONFIG_FILE)
