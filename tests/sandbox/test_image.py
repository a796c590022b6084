"""The image is named by its content and built only when that changes."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from sandbox.image import recipe
from sandbox.image.build import build_image


def test_the_tag_follows_the_executor_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    current = recipe.image_tag()
    changed = tmp_path / "executor.py"
    changed.write_text(recipe.EXECUTOR_SOURCE.read_text() + "\n# changed\n")
    monkeypatch.setattr(recipe, "EXECUTOR_SOURCE", changed)
    assert recipe.image_tag() != current
    assert recipe.base_tag().startswith("sandloop-base:")


def test_the_tag_follows_the_protocol_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    current = recipe.image_tag()
    changed = tmp_path / "executor_protocol.py"
    changed.write_text(recipe.PROTOCOL_SOURCE.read_text() + "\n# changed\n")
    monkeypatch.setattr(recipe, "PROTOCOL_SOURCE", changed)
    assert recipe.image_tag() != current


@pytest.mark.docker
def test_building_a_current_image_does_nothing(docker_client: docker.DockerClient) -> None:
    lines: list[str] = []
    tag = build_image(docker_client, log=lines.append)
    assert tag == recipe.image_tag()
    assert lines == [f"{tag} is up to date"]  # no debootstrap, no docker build


@pytest.mark.docker
def test_the_image_has_debians_python_and_the_job_user(docker_client: docker.DockerClient) -> None:
    output = docker_client.containers.run(
        recipe.image_tag(),
        [
            "python3",
            "-c",
            "import sys, numpy, pwd; print(sys.version_info[:2], pwd.getpwnam('sandbox').pw_uid)",
        ],
        network_mode="none",
        remove=True,
    )
    assert output.decode().strip() == f"(3, 11) {recipe.JOB_UID}"
