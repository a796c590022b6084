"""Tests that drive verl's own code; they run in the verl environment only (`make verl-env`, `make test`).

verl 0.9.1 pins transformers below the main environment's, so it has an environment of its own
(`.venv-verl`). Where verl is not installed these tests are not collected: `make test` runs them with
`.venv-verl/bin/pytest tests/rl_verl`.
"""

from __future__ import annotations

import importlib.util
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sandbox.pool import process_alive
from tests.rl_verl.paths import SUITE

collect_ignore_glob = [] if importlib.util.find_spec("verl") else ["test_*.py"]


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.rl_verl.batches import save_byte_tokenizer

    return save_byte_tokenizer(tmp_path_factory.mktemp("tokenizer"))


@pytest.fixture(scope="session")
def tokenizer(tokenizer_dir: Path) -> Any:
    from tests.rl_verl.batches import load_tokenizer

    return load_tokenizer(tokenizer_dir)


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sandloop export`'s verl parquet of the example suite, every task in the training split."""
    from rl.prompt_export import export_prompts
    from tasks import load_suite

    out = tmp_path_factory.mktemp("export")
    export_prompts(load_suite(SUITE), out, heldout_percent=0)
    return out / "verl" / "train.parquet"


@pytest.fixture(scope="session")
def verl_config(tokenizer_dir: Path) -> Callable[..., Any]:
    """verl's own trainer config (ppo_trainer.yaml through Hydra) with command-line style overrides."""
    import verl
    from hydra import compose, initialize_config_dir

    def make(*overrides: str) -> Any:
        config_dir = str(Path(verl.__file__).parent / "trainer" / "config")
        with initialize_config_dir(config_dir=config_dir, version_base=None):
            return compose(
                config_name="ppo_trainer",
                overrides=[f"actor_rollout_ref.model.path={tokenizer_dir}", *overrides],
            )

    return make


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    """A local Ray cluster for the session. Logical CPUs beyond the machine's: verl's reward actors each
    reserve one for scheduling, and they mostly wait on the sandbox."""
    import ray

    ray.init(num_cpus=8, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="session", autouse=True)
def no_orphaned_sandboxes() -> Iterator[None]:
    """Reward processes verl started (Ray actors, PRIME's forked children) are gone at the end; so must be
    the containers they opened, whether their process closed its pool or was killed."""
    started = datetime.now(UTC)
    yield
    from rl.process_pool import close_pool
    from sandbox.container import LABEL
    from sandbox.engine import connect
    from sandbox.pool import HOST_LABEL, OWNER_LABEL

    close_pool()  # this process's own, if a test scored in it
    client = connect(timeout_s=10)

    def orphans() -> list[str]:
        found = client.containers.list(all=True, filters={"label": [LABEL]}, ignore_removed=True)
        return [
            c.name
            for c in found
            if c.labels.get(HOST_LABEL) == socket.gethostname()
            and datetime.fromisoformat(c.attrs["Created"][:26].rstrip("Z") + "+00:00") >= started
            and not process_alive(int(c.labels.get(OWNER_LABEL, "0")))
        ]

    deadline = time.monotonic() + 30
    while (left := orphans()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"containers of reward processes that are gone: {left}"
