"""What goes into the sandbox image, and the content hash that names it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

SUITE = "bookworm"
PACKAGES = ("python3", "python3-numpy")
"""Debian's python3 plus what coding tasks commonly import; the same Python on every build route."""
JOB_USER, JOB_UID = "sandbox", 10001
EXECUTOR_SOURCE = Path(__file__).with_name("executor.py")
PROTOCOL_SOURCE = Path(__file__).with_name("executor_protocol.py")
"""The frames' shapes and version: imported by the executor, so shipped beside it."""
EXECUTOR_DIR = "/opt/sandloop"
EXECUTOR_IN_IMAGE = f"{EXECUTOR_DIR}/executor.py"
REPOSITORY, BASE_REPOSITORY = "sandloop-sandbox", "sandloop-base"
RECIPE_VERSION = 1
"""Bump when the build steps change in a way the fields above do not show."""


def _digest(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:12]


def base_recipe() -> bytes:
    fields = {"suite": SUITE, "packages": PACKAGES, "user": [JOB_USER, JOB_UID], "version": RECIPE_VERSION}
    return json.dumps(fields, sort_keys=True).encode()


def base_tag() -> str:
    """The Debian root file system with the job user: rebuilt only when the package recipe changes."""
    return f"{BASE_REPOSITORY}:{_digest(base_recipe())}"


def executor_files() -> dict[str, str]:
    """What goes into EXECUTOR_DIR, by file name."""
    return {source.name: source.read_text() for source in (EXECUTOR_SOURCE, PROTOCOL_SOURCE)}


def image_tag() -> str:
    """The runnable image: the base plus the executor files; its tag changes with any of them."""
    files = executor_files()
    return f"{REPOSITORY}:{_digest(base_recipe(), *(files[name].encode() for name in sorted(files)))}"
