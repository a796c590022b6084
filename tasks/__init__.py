"""Task suites as one TaskSpec shape (HumanEval, MBPP, contest, own JSONL), graded in the sandbox."""

from tasks.errors import TaskError
from tasks.grading import grade, job_for, program_for
from tasks.spec import TaskSpec, TestSet
from tasks.suites import load_suite, load_task

__all__ = ["TaskError", "TaskSpec", "TestSet", "grade", "job_for", "load_suite", "load_task", "program_for"]
