"""`sandloop train`: mounted as a sub-app with the documented options; bad input is one line (no model, no
sandbox: nothing runs)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner


def test_the_cli_mounted_as_train_refuses_an_unknown_split_in_one_line(tmp_path: Path) -> None:
    import typer

    from cli import train_cmd

    root = typer.Typer()  # as cli/main.py mounts it: app.add_typer(train_cmd.app, name="train")
    root.add_typer(train_cmd.app, name="train")
    result = CliRunner().invoke(root, ["train", "grpo", "generated:test", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown split 'test'" in result.output
    assert not list(tmp_path.iterdir())


def test_the_cli_is_a_sub_app_with_the_documented_options() -> None:
    import typer

    from cli.train_cmd import app

    group = typer.main.get_command(app)
    command = getattr(group, "commands", {}).get("grpo")  # a group: `train grpo` once mounted
    assert command is not None
    options = {name for param in command.params for name in param.opts}
    wanted = {"--steps", "-n", "--num-generations", "--max-tokens", "--learning-rate", "--out", "--limit"}
    assert wanted | {"--model", "--preset", "--temperature", "--workers"} <= options
    assert {"--multi-turn", "--max-turns"} <= options
    assert [param.name for param in command.params if param.param_type_name == "argument"] == ["suite"]


def test_max_turns_below_one_is_refused_in_one_line(tmp_path: Path) -> None:
    from cli.train_cmd import app

    result = CliRunner().invoke(
        app, ["grpo", "--multi-turn", "--max-turns", "0", "--out", str(tmp_path)], prog_name="train"
    )
    assert result.exit_code == 2
    assert "--max-turns" in result.output
    assert not list(tmp_path.iterdir())


def test_grpo_trains_on_the_train_split_only() -> None:
    from cli.train_cmd import training_tasks
    from tasks import load_suite
    from tasks.splits import task_split

    everything = load_suite("generated:all")
    tasks, heldout = training_tasks("generated:all", 20, None)
    assert {task_split(task) for task in tasks} == {"train"}
    assert len(tasks) + heldout == len(everything) and heldout == len(load_suite("generated:heldout"))
    assert training_tasks("generated:all", 0, 3)[0] == tasks[:3], "--limit counts training tasks"
    assert training_tasks("generated:all", 0, None)[1] == heldout, (
        "named held-out tasks stay out at any share"
    )


def test_grpo_on_a_suite_with_no_training_task_is_refused_in_one_line(tmp_path: Path) -> None:
    from cli.train_cmd import app
    from tasks import load_suite

    heldout = len(load_suite("generated:heldout"))
    result = CliRunner().invoke(app, ["grpo", "generated:heldout", "--out", str(tmp_path)], prog_name="train")
    assert result.exit_code == 2
    assert (
        f"generated:heldout: no training tasks ({heldout} held out at --heldout-percent 20)" in result.output
    )
    assert not list(tmp_path.iterdir())
