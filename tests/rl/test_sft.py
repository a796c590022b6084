"""`sandloop train sft` for real: TRL's SFTTrainer on the embedded SmolLM2 (CPU), trained on the SFT export of a
real `rollouts` run; its model loads everywhere, names its base model, and a crashed run resumes exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("trl")

from rl.sft import SftSettings, build_trainer, read_sft_rows, run_sft  # only once TRL is known to import
from rl.training import TrainingError, checkpoints
from tests.support.cli_process import sandloop

pytestmark = [pytest.mark.slow, pytest.mark.docker]

ROOT = Path(__file__).parents[2]
SUITE = f"jsonl:{ROOT / 'docs' / 'examples' / 'tasks.jsonl'}"
BASE = "HuggingFaceTB/SmolLM2-135M-Instruct"


@pytest.fixture(scope="module")
def sft_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SFT export of a real rollouts run (the oracle answers), held-out rows included on purpose."""
    out = tmp_path_factory.mktemp("rollouts")
    command = ["rollouts", SUITE, "--out", str(out), "--backend", "oracle", "-n", "2", "--workers", "2"]
    done = sandloop(*command, "--heldout-percent", "34", "--include-heldout")
    assert done.returncode == 0, done.stderr
    return out / "sft.jsonl"


def settings(sft_file: Path, out: Path, **fields: Any) -> SftSettings:
    from agent.models.embedded import TINY_MODEL, embedded_model_dir

    values: dict[str, Any] = {"steps": 3, "save_steps": 2, "batch_size": 2, "max_length": 256} | fields
    return SftSettings(data=sft_file, model_dir=embedded_model_dir(TINY_MODEL), out=out, **values)


def train_sft(sft_file: Path, out: Path, *extra: str) -> Any:
    """`sandloop train sft`, two steps of two conversations of at most 256 tokens, in its own process."""
    common = ["--steps", "2", "--batch-size", "2", "--max-length", "256"]
    return sandloop("train", "sft", "--data", str(sft_file), "--out", str(out), *common, *extra)


def weights(directory: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(directory / "model.safetensors"))


@pytest.fixture(scope="module")
def straight_run(sft_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three steps with no interruption: the reference a resumed run must reproduce."""
    out = tmp_path_factory.mktemp("sft-straight")
    run_sft(settings(sft_file, out))
    return out


def test_the_cli_trains_on_the_training_split_and_its_model_loads(sft_file: Path, tmp_path: Path) -> None:
    from agent.messages import Message
    from agent.models.base import Sampling
    from agent.models.config import ModelConfig, load_model

    rows = [json.loads(line) for line in sft_file.read_text().splitlines()]
    heldout = sum(row["split"] == "heldout" for row in rows)
    assert heldout and heldout < len(rows)  # both kinds present: the held-out ones must be left out
    out = tmp_path / "sft"
    done = train_sft(sft_file, out)
    assert done.returncode == 0, done.stderr
    assert f"{len(rows) - heldout} training conversations ({heldout} held-out left out)" in done.stdout
    logged = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [row["step"] for row in logged] == [1, 2]
    assert all(row["loss"] > 0 for row in logged)
    assert [line.split()[1] for line in done.stdout.splitlines() if line.startswith("step")] == ["1/2", "2/2"]
    assert "ETA" in done.stdout
    assert (out / "loss_curve.png").read_bytes().startswith(b"\x89PNG")
    assert f"base_model: {BASE}" in (out / "final" / "README.md").read_text()
    assert checkpoints(out) == []  # 2 steps, saving every 50: no copy of the final model beside it
    model = load_model(ModelConfig(backend="transformers", model=str(out / "final")))
    reply = model.chat(
        [Message(role="user", content="Write add(a, b).")], sampling=Sampling(temperature=0.0, max_tokens=8)
    )
    assert reply.completion_tokens > 0


def test_checkpoints_stay_on_the_save_interval(straight_run: Path) -> None:
    assert [path.name for path in checkpoints(straight_run)] == ["checkpoint-2"]  # not the end's checkpoint-3
    saved = json.loads((straight_run / "checkpoint-2" / "trainer_state.json").read_text())
    assert saved["global_step"] == 2
    assert (straight_run / "checkpoint-2" / "optimizer.pt").is_file()  # resumable, not weights only


def test_a_crashed_run_resumes_exactly(
    sft_file: Path, straight_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch
    from transformers import TrainerCallback

    from rl import sft

    class Crash(TrainerCallback):  # the process dies after checkpoint-2 was written, before step 3 ends
        def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if state.global_step == 2:
                raise RuntimeError("killed")

    out = tmp_path / "crashed"
    build = sft.build_trainer

    def crashing(*args: Any, **kwargs: Any) -> Any:
        trainer = build(*args, **kwargs)
        trainer.add_callback(Crash())
        return trainer

    with monkeypatch.context() as patched:
        patched.setattr(sft, "build_trainer", crashing)
        with pytest.raises(RuntimeError, match="killed"):
            run_sft(settings(sft_file, out))
    assert not (out / "final").exists()
    with pytest.raises(TrainingError, match="--resume"):
        run_sft(settings(sft_file, out))  # a plain rerun would mix two runs: refused in one line
    resumed = run_sft(settings(sft_file, out, resume=True))
    assert [row["step"] for row in map(json.loads, resumed.log.read_text().splitlines())] == [1, 2, 3]
    expected, got = weights(straight_run / "final"), weights(resumed.final_dir)
    assert expected.keys() == got.keys()
    for name, tensor in expected.items():
        assert torch.allclose(tensor, got[name], atol=1e-6), name


def test_a_bad_line_is_one_error_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "sft.jsonl"
    bad.write_text('{"task_id": "a", "split": "train", "messages": []}\n', encoding="utf-8")
    done = sandloop("train", "sft", "--data", str(bad), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert f"{bad}:1: messages:" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_an_export_row_must_end_on_the_answer(tmp_path: Path) -> None:
    bad = tmp_path / "sft.jsonl"
    messages = [{"role": "assistant", "content": "x = 1"}, {"role": "user", "content": "passed"}]
    bad.write_text("\n" + json.dumps({"task_id": "a", "split": "train", "messages": messages}) + "\n")
    with pytest.raises(TrainingError) as raised:
        read_sft_rows(bad)
    assert str(raised.value) == (
        f"{bad}:2: messages: Value error, the last message is a 'user' turn, not the assistant's answer"
    )


def test_the_loss_is_taken_on_the_answer_only(sft_file: Path, tmp_path: Path) -> None:
    """TRL's own tokenizing and collator: the labels are the last assistant turn's tokens, the prompt's are
    ignored (-100)."""
    data = read_sft_rows(sft_file)
    trainer = build_trainer(settings(sft_file, tmp_path / "out"), data)
    row = trainer.train_dataset[0]
    labels = trainer.data_collator([row])["labels"][0].tolist()
    learned = trainer.processing_class.decode([label for label in labels if label != -100])
    answer, prompt = data.rows[0].messages[-1]["content"], data.rows[0].messages[-2]["content"]
    assert answer.strip() in learned
    assert prompt.strip() not in learned
    assert labels[0] == -100 and labels.count(-100) > len(labels) // 2


def test_lora_trains_adapters_only_and_final_holds_them_merged(sft_file: Path, tmp_path: Path) -> None:
    """`--lora-rank`: peft adapters on every linear layer; OUT/adapter is peft's, OUT/final a plain model whose
    attention and MLP weights moved while the embeddings (no adapter there) stayed the base's."""
    from agent.models.config import ModelConfig, load_model
    from agent.models.embedded import TINY_MODEL, embedded_model_dir

    out = tmp_path / "sft-lora"
    done = train_sft(sft_file, out, "--lora-rank", "4", "--learning-rate", "1e-3")
    assert done.returncode == 0, done.stderr
    assert "LoRA rank 4" in done.stdout
    adapter = json.loads((out / "adapter" / "adapter_config.json").read_text())
    assert adapter["r"] == 4 and adapter["lora_alpha"] == 8 and adapter["peft_type"] == "LORA"
    assert not (out / "final" / "adapter_config.json").exists()  # merged: no peft needed to load it
    base, trained = weights(embedded_model_dir(TINY_MODEL)), weights(out / "final")
    assert trained.keys() == base.keys()
    moved = [name for name in base if not base[name].equal(trained[name])]
    assert any("q_proj" in name for name in moved) and any("down_proj" in name for name in moved)
    assert all("embed_tokens" not in name and "norm" not in name for name in moved), moved
    assert load_model(ModelConfig(backend="transformers", model=str(out / "final"))).name
