"""What the agent says to the model. Kept short: small local models lose the thread in long prompts."""

from __future__ import annotations

from tasks.spec import TaskSpec

SYSTEM = (
    "You are an expert Python programmer. You solve the problem the user gives you.\n"
    "Write your solution as one ```python code block holding the whole solution. Every code block you write is "
    "run against the public tests and you will see the results; fix your code until they pass."
)
SYSTEM_WITH_TOOLS = (
    "You are an expert Python programmer. You solve the problem the user gives you. You can call tools: "
    "run_tests(code) runs your solution against the public tests, run_python(code, stdin) runs a program, "
    "write_file / read_file keep helper files, submit(code) hands in your final solution. "
    "A ```python code block in your reply counts as run_tests(code)."
)
PLAN = "Before writing code, outline your approach in a few short sentences. Do not write the code yet."
WRITE = "Now write the whole solution in one ```python code block."
REVISE = "The tests do not pass yet. Fix the solution and reply with the whole corrected solution in one ```python code block."
CONTINUE = "Go on. When your solution is ready, reply with the whole solution in one ```python code block."
NO_ACTION = (
    "I found no ```python code block in your reply, so nothing was run. Reply with the whole solution in one "
    "```python code block."
)
THINKING_CUT = (
    "Your reply was cut off while you were still thinking, so there is no answer to run. Think less and reply "
    "with the whole solution in one ```python code block."
)


def problem_statement(task: TaskSpec) -> str:
    """The problem and its public tests, as the model sees them (hidden tests never appear here)."""
    parts = [task.prompt.strip()]
    if task.kind == "function" and task.starter_code and task.starter_code.strip() != task.prompt.strip():
        parts.append(f"Complete this code:\n```python\n{task.starter_code.rstrip()}\n```")
    public = task.public_tests
    if public.code:
        parts.append(f"Public tests:\n```python\n{public.code.strip()}\n```")
    for number, case in enumerate(public.cases[:3], start=1):
        parts.append(
            f"Example {number} input:\n```\n{case.input.rstrip()}\n```\nExpected output:\n```\n{case.output.rstrip()}\n```"
        )
    if public.empty:
        parts.append("There are no public tests: include asserts that check your solution after it.")
    return "\n\n".join(parts)


def first_messages(
    task: TaskSpec, *, native_tools: bool = False, instruction: str | None = None, system_prompt: bool = True
) -> list[dict[str, str]]:
    """The opening of every conversation about a task (agent, single-shot, rollouts, GRPO and held-out
    prompts): the system prompt, then the problem with its public tests; `instruction` (the agent's first
    step) follows the problem in the same user message. Without `system_prompt` (a family whose card forbids
    one, DeepSeek-R1) the instructions open the user message instead."""
    system = SYSTEM_WITH_TOOLS if native_tools else SYSTEM
    problem = problem_statement(task)
    user = f"{problem}\n\n{instruction}" if instruction else problem
    if not system_prompt:
        return [{"role": "user", "content": f"{system}\n\n{user}"}]
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
