"""Find the Debian mirror this machine's own apt sources use (never a host name written in code)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import ImageBuildFailed

MIRROR_ENV = "SANDLOOP_DEBIAN_MIRROR"


@dataclass(frozen=True)
class AptSource:
    uri: str
    suites: tuple[str, ...]


def _one_line_sources(text: str) -> list[AptSource]:
    found: list[AptSource] = []
    for line in text.splitlines():
        words = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()  # drop [options]
        if len(words) >= 3 and words[0] == "deb":
            found.append(AptSource(uri=words[1], suites=(words[2],)))
    return found


def _deb822_sources(text: str) -> list[AptSource]:
    found: list[AptSource] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes") == "no":
            continue
        suites = tuple(fields.get("suites", "").split())
        found.extend(AptSource(uri=uri, suites=suites) for uri in fields.get("uris", "").split())
    return found


def apt_sources(apt_dir: Path = Path("/etc/apt")) -> list[AptSource]:
    sources: list[AptSource] = []
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*"))]
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".sources":
            sources += _deb822_sources(text)
        elif path.name == "sources.list" or path.suffix == ".list":
            sources += _one_line_sources(text)
    return sources


def debian_mirror(suite: str, apt_dir: Path = Path("/etc/apt")) -> str:
    """The mirror serving `suite` in this machine's apt sources (or $SANDLOOP_DEBIAN_MIRROR)."""
    if os.environ.get(MIRROR_ENV):
        return os.environ[MIRROR_ENV]
    sources = [s for s in apt_sources(apt_dir) if "security" not in s.uri]
    for source in sources:
        if suite in source.suites:
            return source.uri
    for source in sources:
        if source.uri.rstrip("/").endswith("/debian"):
            return source.uri
    raise ImageBuildFailed(
        f"no Debian mirror for {suite!r} in {apt_dir}/sources.list or sources.list.d: set {MIRROR_ENV}"
    )
