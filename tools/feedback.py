"""What the model reads back from a run: status, verdicts and a bounded excerpt of the output."""

from __future__ import annotations

from sandbox import JobResult


def head_and_tail(text: str, limit: int) -> str:
    """Long text cut to its head and tail, with a note saying how much was left out."""
    if len(text) <= limit:
        return text
    half = limit // 2
    cut = len(text) - 2 * half
    return f"{text[:half]}\n[... {cut} characters cut ...]\n{text[-half:]}"


def describe(result: JobResult, limit: int) -> str:
    lines = [f"status: {result.status}"]
    if result.exit_code is not None and result.exit_code != 0:
        lines.append(f"exit code: {result.exit_code}")
    if result.tests:
        passed = sum(v.passed for v in result.tests)
        lines.append(f"tests: {passed}/{len(result.tests)} passed")
        lines += [f"- {v.name}: {v.detail}" for v in result.tests if not v.passed][:10]
    elif result.message:
        lines.append(f"problem: {result.message}")
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if text.strip():
            lines.append(f"{name}:\n{head_and_tail(text.rstrip(), limit // 2)}")
    if not result.stdout.strip() and not result.stderr.strip():
        lines.append("(no output)")
    return "\n".join(lines)
