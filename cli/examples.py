"""Examples shown under each command's `--help` (typer epilogs), kept together so they read as one tool."""

from __future__ import annotations


def examples(*lines: str) -> str:
    """An epilog: one example command per paragraph (rich help keeps paragraphs apart)."""
    return "Examples:\n\n" + "\n\n".join(lines)


SOLVE = examples(
    'sandloop solve "Write is_even(n) that returns True for even n."',
    "sandloop solve --task humaneval#HumanEval/0 --max-steps 4 --out runs/solve",
    "sandloop solve --task humaneval#HumanEval/0 --backend openai --base-url http://127.0.0.1:8000/v1 "
    "--model Qwen/QwQ-32B",
)
RUN = examples(
    "sandloop run humaneval --limit 10 -n 4 --out runs/he",
    "sandloop run tasks.jsonl --backend openai --base-url http://127.0.0.1:8000/v1 --model Qwen/QwQ-32B "
    "-n 8 --workers 16",
)
ROLLOUTS = examples(
    "sandloop rollouts generated --out runs/rollouts -n 4 --limit 20",
    "sandloop rollouts tasks.jsonl --out runs/qwq --backend openai --model Qwen/QwQ-32B -n 8 --workers 16",
)
GRPO = examples(
    "sandloop train grpo --steps 40 --out runs/grpo",
    "sandloop train grpo generated --model path/to/model -n 8 --max-tokens 256 --temperature 0.7 --out runs/grpo",
)
EVALUATE = examples("sandloop evaluate humaneval samples.jsonl --workers 8")
REPORT = examples("sandloop report runs/he", "sandloop report runs/he --compare runs/he-before")
EXPORT = examples(
    "sandloop export generated:all --out data", "sandloop export mbpp:mbpp.jsonl --out data --limit 100"
)
SERVE = examples(
    "sandloop serve --port 8080",
    "sandloop serve --host 0.0.0.0 --token $SANDLOOP_SERVE_TOKEN --languages all",
)
TASKS_LIST = examples(
    "sandloop tasks list", "sandloop tasks list humaneval --limit 5", "sandloop tasks list tasks.jsonl"
)
TASKS_CHECK = examples("sandloop tasks check humaneval", "sandloop tasks check tasks.jsonl --limit 3")
SANDBOX = examples("sandloop sandbox build", "sandloop sandbox run prog.py --stdin input.txt")
