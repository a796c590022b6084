"""The Debian mirror is read from the machine's apt sources, in both of apt's formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.errors import ImageBuildFailed
from sandbox.image.mirror import MIRROR_ENV, debian_mirror


def apt_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_deb822_sources_prefer_the_suite_and_skip_security(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    folder = apt_dir(
        tmp_path,
        {
            "sources.list.d/debian.sources": (
                "Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\n\n"
                "# a comment\nTypes: deb deb-src\nURIs: http://mirror.invalid/debian\n"
                "Suites: bookworm bookworm-updates\nComponents: main\n"
            )
        },
    )
    assert debian_mirror("bookworm", folder) == "http://mirror.invalid/debian"


def test_one_line_sources_with_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    folder = apt_dir(
        tmp_path,
        {
            "sources.list": "# deb http://old.invalid/debian buster main\ndeb [arch=amd64] http://m.invalid/debian bookworm main\n"
        },
    )
    assert debian_mirror("bookworm", folder) == "http://m.invalid/debian"


def test_no_debian_source_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    folder = apt_dir(tmp_path, {"sources.list": "deb http://ppa.invalid/ubuntu jammy main\n"})
    with pytest.raises(ImageBuildFailed, match=MIRROR_ENV):
        debian_mirror("bookworm", folder)


def test_the_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MIRROR_ENV, "http://override.invalid/debian")
    assert debian_mirror("bookworm", tmp_path) == "http://override.invalid/debian"
