"""One vocabulary across the commands: the shared options by the same names, `--version`, examples in every
`--help`, `tasks list` naming the suites, and presets that resolve (or refuse) before anything runs."""

from __future__ import annotations

from typing import Any

import pytest
import typer

from cli.main import app
from cli.options import HELDOUT_PERCENT, SHARED_MODEL_OPTIONS, SHARED_SAMPLING_OPTIONS
from tests.support.cli_process import sandloop

BATCH = {
    "--backend",
    "--base-url",
    "-n",
    "--workers",
    "--max-total-tokens",
    "--max-seconds",
    "--native-tools",
}
"""Options every command that runs the agent over a suite has."""
GENERATING = {
    ("solve",): {
        "--backend",
        "--base-url",
        "--max-total-tokens",
        "--max-seconds",
        "--plan",
        "--native-tools",
        "--system-prompt",
    },
    ("run",): BATCH | {"--plan"},
    ("rollouts",): BATCH,
    ("train", "grpo"): {"-n", "--workers", "--system-prompt"},
}


def command(*path: str) -> Any:
    """The click command typer builds (typer may vendor its own click: no isinstance here)."""
    found: Any = typer.main.get_command(app)
    for name in path:
        found = found.commands[name]
    return found


def option_names(found: Any) -> set[str]:
    return {name for param in found.params for name in [*param.opts, *param.secondary_opts]}


@pytest.mark.parametrize("path", sorted(GENERATING))
def test_every_generating_command_has_the_shared_options(path: tuple[str, ...]) -> None:
    names = option_names(command(*path))
    missing = ({*SHARED_MODEL_OPTIONS, *SHARED_SAMPLING_OPTIONS} | GENERATING[path]) - names
    assert not missing, f"{' '.join(path)} lacks {sorted(missing)}"


def test_the_shared_options_mean_the_same_everywhere() -> None:
    """Same help text and type for each shared option in every command (declared once, in cli/options.py)."""
    for option in [*SHARED_MODEL_OPTIONS, *SHARED_SAMPLING_OPTIONS, "-n", "--workers"]:
        seen = {}
        for path in GENERATING:
            for param in command(*path).params:
                if option in param.opts and option not in ("--out", "-n", "--workers", "--model"):
                    seen[path] = (param.help, param.min, param.max, param.rich_help_panel)
        assert len(set(seen.values())) <= 1, f"{option} differs: {seen}"


def test_no_command_keeps_a_private_sampling_default() -> None:
    for path in GENERATING:
        for param in command(*path).params:
            if param.name in {"temperature", "top_p", "top_k", "min_p", "max_tokens", "max_seconds", "plan"}:
                assert param.default is None, f"{' '.join(path)} --{param.name} defaults to {param.default}"


def test_the_held_out_share_defaults_to_the_splits_own() -> None:
    from tasks.splits import HELDOUT_PERCENT as SPLITS_DEFAULT

    assert HELDOUT_PERCENT == SPLITS_DEFAULT
    for path in (("export",), ("rollouts",), ("train", "grpo")):
        [option] = [param for param in command(*path).params if param.name == "heldout_percent"]
        assert option.default == SPLITS_DEFAULT


def test_the_suite_is_positional_and_out_is_the_output_everywhere() -> None:
    for path in [("solve",), ("run",), ("rollouts",), ("export",), ("train", "grpo")]:
        names = option_names(command(*path))
        assert "--out" in names and "--run-dir" not in {
            name
            for param in command(*path).params
            if not getattr(param, "hidden", False)
            for name in param.opts
        }
    for path in [("run",), ("rollouts",), ("export",), ("evaluate",), ("train", "grpo"), ("tasks", "check")]:
        arguments = [p.name for p in command(*path).params if p.param_type_name == "argument"]
        assert arguments[0] == "suite", path


@pytest.mark.parametrize(
    "path",
    [
        ("solve",),
        ("run",),
        ("rollouts",),
        ("evaluate",),
        ("report",),
        ("export",),
        ("serve",),
        ("train", "grpo"),
        ("tasks", "list"),
        ("tasks", "check"),
    ],
)
def test_every_command_help_has_examples(path: tuple[str, ...]) -> None:
    epilog = command(*path).epilog or ""
    assert epilog.startswith("Examples:") and f"sandloop {' '.join(path)}" in epilog


def test_version() -> None:
    from importlib.metadata import version

    done = sandloop("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"sandloop {version('sandloop')}"


def test_tasks_list_without_a_suite_lists_the_suites() -> None:
    done = sandloop("tasks", "list")
    assert done.returncode == 0, done.stderr
    for suite in ("humaneval", "generated[:train|heldout|all]", "mbpp:PATH", "stdio:PATH", "PATH.jsonl"):
        assert suite in done.stdout


def test_tasks_list_takes_the_generated_suite_and_a_plain_jsonl_path() -> None:
    generated = sandloop("tasks", "list", "generated:heldout", "--limit", "2")
    assert generated.returncode == 0, generated.stderr
    assert len([line for line in generated.stdout.splitlines() if "function" in line]) == 2
    plain = sandloop("tasks", "list", "docs/examples/tasks.jsonl")
    assert plain.returncode == 0, plain.stderr
    assert "is_even" in plain.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", "generated", "--model", "Qwen/QwQ-32B", "--temperature", "0"],
            "QwQ must not be decoded greedily",
        ),
        (["run", "generated", "--preset", "nope"], "--preset 'nope': expected one of qwq,"),
        (["rollouts", "generated", "--out", "x", "--preset", "qwq", "--temperature", "0"], "greedily"),
        (["solve", "x", "--model", "Qwen/QwQ-32B", "--temperature", "0"], "QwQ must not be decoded greedily"),
        (
            ["train", "grpo", "--model", "Qwen/QwQ-32B", "--temperature", "0"],
            "QwQ must not be decoded greedily",
        ),
    ],
)
def test_greedy_qwq_and_unknown_presets_are_refused_in_one_line(args: list[str], message: str) -> None:
    done = sandloop(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and message in done.stderr
