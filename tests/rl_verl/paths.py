"""Where the verl tests find sandloop's files (plain constants: the conftest and the tests share them)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parents[2]
SUITE = f"jsonl:{ROOT / 'docs' / 'examples' / 'tasks.jsonl'}"
VERL_REWARD_FILE = ROOT / "rl" / "verl_reward.py"
