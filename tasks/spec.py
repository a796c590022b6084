"""The one task shape every suite loads into: a problem, its tests and how long a run may take."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sandbox.models import IOCase, Language

TaskKind = Literal["function", "stdio"]


class TestSet(BaseModel):
    """The tests of one grading level: function-style test code, or stdin/stdout cases."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
    __test__ = False  # not a pytest class

    code: str | None = None
    """Function-style test code: asserts and/or `def check(candidate)` (run in the program's namespace)."""
    cases: list[IOCase] = Field(default_factory=list)
    """Stdin/stdout cases, each run on its own and compared modulo trailing white space."""
    setup: str = ""
    """Function tests only: code run in the program's own namespace after the answer, before the test code
    (MBPP's `test_setup_code`), so the answer, the setup and the tests share its names."""

    @property
    def empty(self) -> bool:
        """No test to run: neither test code nor a case (the one "does this task have tests" rule)."""
        return not (self.code or self.cases)


class TaskSpec(BaseModel):
    """One coding problem of a suite, with public tests (may be shown) and hidden tests (grade)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    id: str = Field(min_length=1)
    """The task's id inside its suite (`HumanEval/0`, an MBPP task_id, a contest problem id)."""
    suite: str = Field(min_length=1)
    """The suite as named on the command line (`humaneval`, `mbpp:PATH`): `SUITE#ID` loads this task again."""
    prompt: str
    """The problem statement shown to the model (for HumanEval, the starter code itself)."""
    kind: TaskKind
    """`function`: test code calls the program's functions; `stdio`: it reads stdin, writes stdout."""
    language: Language = "python"
    """The language answers are written in (and graded in); other than python, stdio tasks only."""
    entry_point: str | None = None
    """Top-level name the tests call (a function, or `Solution` for LeetCode-style classes)."""
    starter_code: str = ""
    """Code the answer continues or completes (HumanEval's prompt code, a LiveCodeBench starter)."""
    public_tests: TestSet
    """Tests that may be shown to the model (docstring examples, the first assert, sample cases). A function
    task may have none: the agent then checks its answer with tests of its own."""
    hidden_tests: TestSet
    """The tests that grade an answer."""
    reference_solution: str | None = None
    """A known-good program, graded as an answer by `sandloop tasks check`."""
    reference_language: Language | None = None
    """The reference solution's language when the data says it differs from `language`."""
    time_limit_s: float = Field(gt=0, le=3600)
    """Wall-clock limit of one graded run: the whole test code of a function task, each stdio case."""
    memory_mb: int = Field(512, ge=64, le=65536)
    """Memory a run may use (the sandbox pool's per-container limit)."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """What the source says beyond the above (difficulty, url, the record's `file:line`), for reports. One key
    is read: `split` ("train" or "heldout") fixes the task's split in the training exports and `train grpo`
    whatever `--heldout-percent` says (`tasks.splits.task_split`; the generated suite sets it)."""

    @model_validator(mode="after")
    def _tests_fit_the_kind(self) -> Self:
        if self.kind == "function" and self.language != "python":
            raise ValueError(f"field 'language': function tasks are Python only, not {self.language}")
        for name in ("public_tests", "hidden_tests"):
            tests: TestSet = getattr(self, name)
            if self.kind == "function" and tests.cases:
                raise ValueError(f"field '{name}': a function task has test code, not stdin/stdout cases")
            if self.kind == "stdio" and (tests.code is not None or tests.setup or not tests.cases):
                raise ValueError(
                    f"field '{name}': a stdio task needs stdin/stdout cases and no test code or setup"
                )
        return self


def languages_needed(tasks: Iterable[TaskSpec], *, references: bool = False) -> tuple[Language, ...]:
    """The languages a pool must run to grade answers to `tasks` (and their reference solutions)."""
    needed: set[Language] = {"python"}
    for task in tasks:
        needed.add(task.language)
        if references and task.reference_language is not None:
            needed.add(task.reference_language)
    return tuple(sorted(needed))
