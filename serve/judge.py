"""SandboxFusion's judging rules for `/submit`, lenient on purpose: they are the protocol, not sandloop's.

sandloop's own graders compare exactly (`sandbox/stdio_judge.py`); these rules only answer clients that
asked for SandboxFusion's: code extraction (`default_extract_helper`) and output comparison
(`check_stdio_test_case`): whole output stripped, line by line, each line stripped and case-folded, numbers
equal within a relative 1e-5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FENCED = re.compile(r"```([^\n]*)\n(.*?)\n\s*```", re.DOTALL)
UNCLOSED_FENCE = re.compile(r"```([^\n]*)\n(.*)", re.DOTALL)
# A Python definition with its body: optional import/comment lines, `def`/`class`, then indented lines.
PYTHON_DEFINITION = re.compile(
    r"(?:^(?:import|from|#)[^\n]+\n)*^(?:def|class) [^\n]+\n(?:\s+[^\n]+\n)+", re.M
)
PYTHON_TAGS = frozenset({"python", "Python", "py", "Python3", "python3", "PY"})
FENCED_PRIORITY, UNCLOSED_PRIORITY, HEURISTIC_PRIORITY = 30, 20, 10
RELATIVE_TOLERANCE = 1e-5


@dataclass(frozen=True)
class _Block:
    priority: int
    language: str
    code: str


def _tagged(tag: str) -> str:
    return "python" if tag.strip() in PYTHON_TAGS else tag.strip()


def _blocks(completion: str, language: str) -> list[_Block]:
    blocks = [_Block(FENCED_PRIORITY, _tagged(tag), code) for tag, code in FENCED.findall(completion)]
    if language == "python":
        dense = "\n".join(line for line in completion.split("\n") if line.strip()) + "\n"
        blocks += [_Block(HEURISTIC_PRIORITY, "python", code) for code in PYTHON_DEFINITION.findall(dense)]
    blocks += [
        _Block(UNCLOSED_PRIORITY, _tagged(tag), code) for tag, code in UNCLOSED_FENCE.findall(completion)
    ]
    return blocks


def extract_code(completion: str, language: str) -> str:
    """The code SandboxFusion would run: the first block of the best kind, in the language when one is."""
    blocks = _blocks(completion, language)
    if not blocks:
        return ""
    best = max(block.priority for block in blocks)
    candidates = [block for block in blocks if block.priority == best]
    in_language = [block for block in candidates if block.language == language]
    return (in_language or candidates)[0].code


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _lines_equal(got: str, want: str) -> bool:
    got, want = got.lower(), want.lower()
    if got.strip() == want.strip():
        return True
    got_number, want_number = _number(got), _number(want)
    if got_number is None or want_number is None:
        return False
    return abs(got_number - want_number) / max(abs(want_number), 1e-10) < RELATIVE_TOLERANCE


def outputs_match(actual: str, expected: str) -> bool:
    """SandboxFusion's stdout comparison."""
    got, want = actual.strip().split("\n"), expected.strip().split("\n")
    if len(got) - len(want) == 1 and got[-1] == "":
        got = got[:-1]
    if len(want) - len(got) == 1 and want[-1] == "":
        want = want[:-1]
    return len(got) == len(want) and all(_lines_equal(g, w) for g, w in zip(got, want, strict=True))
