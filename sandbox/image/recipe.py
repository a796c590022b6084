"""What goes into the sandbox image, and the content hash that names it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

SUITE = "bookworm"
PACKAGES = ("python3", "python3-numpy")
"""Debian's python3 plus what coding tasks commonly import; the same Python on every build route (the executor
is Python, so every image has it)."""
LANGUAGE_PACKAGES: dict[str, tuple[str, ...]] = {
    "python": (),
    "cpp": ("g++", "libc6-dev"),
    "c": ("gcc", "libc6-dev"),
    "java": ("openjdk-17-jdk-headless",),
    "go": ("golang-go",),
    "rust": ("rustc",),
    "nodejs": ("nodejs",),
    "bash": (),
}
"""Debian packages each language needs beside PACKAGES (bash is in every Debian root file system)."""
LANGUAGES = tuple(LANGUAGE_PACKAGES)
NATIVE_BINARIES = ("cpp", "c", "go", "rust")
"""Languages whose compiled program is a file executed from the scratch dir."""
DEFAULT_LANGUAGES = ("python",)
JOB_USER, JOB_UID = "sandbox", 10001
EXECUTOR_SOURCE = Path(__file__).with_name("executor.py")
PROTOCOL_SOURCE = Path(__file__).with_name("executor_protocol.py")
"""The frames' shapes and version: imported by the executor, so shipped beside it."""
EXECUTOR_DIR = "/opt/sandloop"
EXECUTOR_IN_IMAGE = f"{EXECUTOR_DIR}/executor.py"
REPOSITORY, BASE_REPOSITORY = "sandloop-sandbox", "sandloop-base"
LANGUAGES_LABEL = "sandloop.languages"
RECIPE_VERSION = 1
"""Bump when the build steps change in a way the fields above do not show."""


def language_set(languages: Iterable[str] | None = None) -> tuple[str, ...]:
    """`languages` checked, with python, in a canonical order (`all` for every one); ValueError names an
    unknown one."""
    wanted = set(languages or DEFAULT_LANGUAGES)
    if "all" in wanted:
        wanted = set(LANGUAGES)
    unknown = sorted(wanted - set(LANGUAGES))
    if unknown:
        raise ValueError(f"unknown language {unknown[0]!r}: choose from {', '.join(LANGUAGES)} or all")
    return tuple(name for name in LANGUAGES if name in wanted | {"python"})


def packages(languages: Iterable[str] | None = None) -> tuple[str, ...]:
    extra = sorted({p for name in language_set(languages) for p in LANGUAGE_PACKAGES[name]})
    return PACKAGES + tuple(p for p in extra if p not in PACKAGES)


def _digest(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:12]


def base_recipe(languages: Iterable[str] | None = None) -> bytes:
    fields = {
        "suite": SUITE,
        "packages": packages(languages),
        "user": [JOB_USER, JOB_UID],
        "version": RECIPE_VERSION,
    }
    return json.dumps(fields, sort_keys=True).encode()


def base_tag(languages: Iterable[str] | None = None) -> str:
    """The Debian root file system with the job user: rebuilt only when the package recipe changes."""
    return f"{BASE_REPOSITORY}:{_digest(base_recipe(languages))}"


def executor_files() -> dict[str, str]:
    """What goes into EXECUTOR_DIR, by file name."""
    return {source.name: source.read_text() for source in (EXECUTOR_SOURCE, PROTOCOL_SOURCE)}


def image_tag(languages: Iterable[str] | None = None) -> str:
    """The runnable image: the base plus the executor files; its tag changes with any of them (the language
    set is part of the base recipe, so of the tag)."""
    files = executor_files()
    parts = (base_recipe(languages), *(files[name].encode() for name in sorted(files)))
    return f"{REPOSITORY}:{_digest(*parts)}"
