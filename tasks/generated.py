"""A generated training suite: a few hundred easy function-writing problems with tests, the same everywhere.

Every problem instantiates one template (add two ints, reverse a string, filter evens, clamp, ...) with a
function name, a prompt phrasing and test inputs drawn from `random.Random(SEED + index)`: the suite is the
same on every run and machine. Expected values come from running the template's own reference source, so a
test can never disagree with its reference solution.

The split is by a stable hash of the task id (about 20% held out), so adding problems never moves old ones.
The shipped files `tasks/data/generated-{train,heldout}.jsonl` are this module's output; each task's suite is
`jsonl:<that file>`, so `SUITE#ID` names it again from the repository root.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tasks.calls import call_asserts
from tasks.spec import TaskSpec, TestSet
from tasks.splits import SplitName, split_of

Split = SplitName | Literal["all"]
Args = tuple[Any, ...]

SEED = 20_250_601
COUNT = 300
PUBLIC_TESTS = 2
HIDDEN_TESTS = 6
TIME_LIMIT_S = 5.0
DATA_DIR = Path(__file__).parent / "data"
DATA_DIR_NAME = "tasks/data"  # as the suite names it: relative to the repository root
PHRASINGS = (
    "Write a Python function `{signature}` that {description}.",
    "Implement `{signature}`: it {description}.",
    "Define a function `{signature}` which {description}.",
)


@dataclass(frozen=True)
class Template:
    """One kind of problem: its family, the names its function may take, and the reference body."""

    key: str
    family: str
    names: tuple[str, ...]
    params: str
    """The signature after the name: `(a: int, b: int) -> int`."""
    description: str
    """Third person, after "that": `returns the sum of a and b`."""
    body: str
    """The reference body, one or more lines indented by four spaces."""
    inputs: Callable[[random.Random], Args]


def _ints(low: int = -50, high: int = 50) -> Callable[[random.Random], Args]:
    return lambda rng: (rng.randint(low, high), rng.randint(low, high))


def _int(low: int = -50, high: int = 50) -> Callable[[random.Random], Args]:
    return lambda rng: (rng.randint(low, high),)


WORDS = ("apple", "banana", "level", "python", "hello", "radar", "stack", "queue", "noon", "moon", "abc", "")


def _word(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(WORDS)
    return "".join(rng.choice("abcdeioxyz") for _ in range(rng.randint(1, 7)))


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS[:-1]) for _ in range(rng.randint(1, 4)))


def _nums(rng: random.Random, low: int = -20, high: int = 20) -> list[int]:
    return [rng.randint(low, high) for _ in range(rng.randint(1, 7))]


def _dupes(rng: random.Random) -> list[int]:
    return [rng.randint(0, 5) for _ in range(rng.randint(0, 8))]


def _two_distinct(rng: random.Random) -> Args:
    nums = _nums(rng)
    return ([*nums, max(nums) + rng.randint(1, 5)],)


def _range(rng: random.Random) -> Args:
    low = rng.randint(-10, 10)
    return (low, low + rng.randint(0, 12))


# A few one-step problems (so an untrained tiny model is not at zero) and mostly two-step ones (so that it
# has something to learn). The description follows "that": third person, present tense.
TEMPLATES: tuple[Template, ...] = (
    # arithmetic on ints
    Template("multiply", "arithmetic", ("multiply", "times", "product"), "(a: int, b: int) -> int",
             "returns the product of a and b", "    return a * b", _ints(-12, 12)),
    Template("abs_diff", "arithmetic", ("abs_diff", "distance"), "(a: int, b: int) -> int",
             "returns the absolute difference of a and b", "    return abs(a - b)", _ints()),
    Template("double_sum", "arithmetic", ("double_sum", "twice_sum"), "(a: int, b: int) -> int",
             "returns twice the sum of a and b", "    return 2 * (a + b)", _ints()),
    Template("sum_squares2", "arithmetic", ("sum_of_squares", "square_sum"), "(a: int, b: int) -> int",
             "returns a squared plus b squared", "    return a * a + b * b", _ints(-15, 15)),
    Template("digit_sum", "arithmetic", ("digit_sum", "sum_digits"), "(n: int) -> int",
             "returns the sum of the decimal digits of n (ignoring its sign)",
             "    return sum(int(d) for d in str(abs(n)))", _int(-9999, 9999)),
    Template("last_digit", "arithmetic", ("last_digit", "ones_digit"), "(n: int) -> int",
             "returns the last decimal digit of n (ignoring its sign)", "    return abs(n) % 10",
             _int(-9999, 9999)),
    Template("range_sum", "arithmetic", ("range_sum", "sum_between"), "(a: int, b: int) -> int",
             "returns the sum of all integers from a to b inclusive (a <= b)", "    return sum(range(a, b + 1))",
             _range),
    Template("floor_average", "arithmetic", ("floor_average", "mean_down"), "(a: int, b: int) -> int",
             "returns the average of a and b rounded down to an integer", "    return (a + b) // 2", _ints()),
    Template("cube_minus", "arithmetic", ("cube_minus_self", "cube_less_x"), "(x: int) -> int",
             "returns x cubed minus x", "    return x ** 3 - x", _int(-12, 12)),
    # string transforms
    Template("reverse", "string", ("reverse", "reverse_string", "backwards"), "(s: str) -> str",
             "returns the string s reversed", "    return s[::-1]", lambda rng: (_word(rng),)),
    Template("count_vowels", "string", ("count_vowels", "vowel_count"), "(s: str) -> int",
             "returns how many vowels (a, e, i, o, u) the lower-case string s contains",
             "    return sum(ch in 'aeiou' for ch in s)", lambda rng: (_word(rng),)),
    Template("capitalize_words", "string", ("capitalize_words", "title_words"), "(s: str) -> str",
             "returns s with the first letter of every space-separated word in upper case",
             "    return ' '.join(w[:1].upper() + w[1:] for w in s.split(' '))",
             lambda rng: (_sentence(rng),)),
    Template("reverse_words", "string", ("reverse_words", "words_backwards"), "(s: str) -> str",
             "returns the space-separated words of s in reverse order, joined by single spaces",
             "    return ' '.join(reversed(s.split()))", lambda rng: (_sentence(rng),)),
    Template("remove_vowels", "string", ("remove_vowels", "strip_vowels"), "(s: str) -> str",
             "returns s without its vowels (a, e, i, o, u)",
             "    return ''.join(ch for ch in s if ch not in 'aeiou')", lambda rng: (_word(rng),)),
    Template("first_last", "string", ("first_and_last", "ends"), "(s: str) -> str",
             "returns the first character of the non-empty string s followed by its last character",
             "    return s[0] + s[-1]", lambda rng: (_word(rng) or "q",)),
    Template("mask_char", "string", ("mask_char", "hide_char"), "(s: str, c: str) -> str",
             "returns s with every occurrence of the character c replaced by '*'",
             "    return s.replace(c, '*')", lambda rng: (_word(rng), rng.choice("aeonxyz"))),
    Template("count_words", "string", ("count_words", "word_count"), "(s: str) -> int",
             "returns the number of space-separated words in s", "    return len(s.split())",
             lambda rng: (_sentence(rng),)),
    Template("is_palindrome", "string", ("is_palindrome", "reads_same_backwards"), "(s: str) -> bool",
             "returns True when s reads the same forwards and backwards, else False", "    return s == s[::-1]",
             lambda rng: (_word(rng),)),
    # list operations
    Template("evens", "list", ("filter_evens", "only_evens", "even_numbers"), "(nums: list[int]) -> list[int]",
             "returns the even numbers of nums, in order", "    return [x for x in nums if x % 2 == 0]",
             lambda rng: (_nums(rng),)),
    Template("dedupe", "list", ("dedupe", "unique", "remove_duplicates"), "(nums: list[int]) -> list[int]",
             "returns nums without repeated values, keeping the first occurrence of each in order",
             "    seen = []\n    for x in nums:\n        if x not in seen:\n            seen.append(x)\n    return seen",
             lambda rng: (_dupes(rng),)),
    Template("sum_squares", "list", ("sum_squares", "squares_total"), "(nums: list[int]) -> int",
             "returns the sum of the squares of the numbers in nums", "    return sum(x * x for x in nums)",
             lambda rng: (_nums(rng),)),
    Template("sum_evens", "list", ("sum_evens", "even_total"), "(nums: list[int]) -> int",
             "returns the sum of the even numbers in nums", "    return sum(x for x in nums if x % 2 == 0)",
             lambda rng: (_nums(rng),)),
    Template("count_negatives", "list", ("count_negatives", "negatives"), "(nums: list[int]) -> int",
             "returns how many numbers in nums are below zero", "    return sum(x < 0 for x in nums)",
             lambda rng: (_nums(rng),)),
    Template("product", "list", ("product_of", "multiply_all"), "(nums: list[int]) -> int",
             "returns the product of all numbers in nums (1 for an empty list)",
             "    result = 1\n    for x in nums:\n        result *= x\n    return result",
             lambda rng: (_nums(rng, -6, 6)[:5],)),
    Template("second_largest", "list", ("second_largest", "runner_up"), "(nums: list[int]) -> int",
             "returns the second largest distinct value in nums (which holds at least two distinct values)",
             "    return sorted(set(nums))[-2]", _two_distinct),
    Template("running_sum", "list", ("running_sum", "prefix_sums"), "(nums: list[int]) -> list[int]",
             "returns the running totals of nums: element i is the sum of nums[0] to nums[i]",
             "    total, sums = 0, []\n    for x in nums:\n        total += x\n        sums.append(total)\n"
             "    return sums", lambda rng: (_nums(rng),)),
    Template("spread", "list", ("spread", "value_range"), "(nums: list[int]) -> int",
             "returns the largest number in the non-empty list nums minus the smallest",
             "    return max(nums) - min(nums)", lambda rng: (_nums(rng),)),
    # simple conditionals
    Template("fizzbuzz", "conditional", ("fizzbuzz", "fizz_buzz"), "(n: int) -> str",
             "returns 'FizzBuzz' when n is divisible by 15, 'Fizz' when by 3, 'Buzz' when by 5, else str(n)",
             "    if n % 15 == 0:\n        return 'FizzBuzz'\n    if n % 3 == 0:\n        return 'Fizz'\n"
             "    if n % 5 == 0:\n        return 'Buzz'\n    return str(n)", _int(1, 60)),
    Template("leap_year", "conditional", ("is_leap_year", "leap"), "(year: int) -> bool",
             "returns True when year is a leap year of the Gregorian calendar, else False",
             "    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)",
             lambda rng: (rng.choice((rng.randint(1800, 2100), rng.choice((1900, 2000, 2100, 1600)))),)),
    Template("max3", "conditional", ("max_of_three", "largest_of_three"), "(a: int, b: int, c: int) -> int",
             "returns the largest of a, b and c", "    return max(a, b, c)",
             lambda rng: (rng.randint(-20, 20), rng.randint(-20, 20), rng.randint(-20, 20))),
    Template("grade", "conditional", ("letter_grade", "grade"), "(score: int) -> str",
             "returns 'A' for a score of 90 or more, 'B' for 80 or more, 'C' for 70 or more, else 'F'",
             "    if score >= 90:\n        return 'A'\n    if score >= 80:\n        return 'B'\n"
             "    if score >= 70:\n        return 'C'\n    return 'F'", _int(40, 100)),
    Template("is_even", "conditional", ("is_even", "even"), "(n: int) -> bool",
             "returns True when n is even, else False", "    return n % 2 == 0", _int()),
    Template("sign", "conditional", ("sign", "signum"), "(n: int) -> int",
             "returns 1 when n is positive, -1 when it is negative and 0 when it is zero",
             "    if n > 0:\n        return 1\n    if n < 0:\n        return -1\n    return 0", _int(-9, 9)),
    Template("clamp", "conditional", ("clamp", "limit"), "(x: int, low: int, high: int) -> int",
             "returns x limited to the range from low to high (low when x is below it, high when above)",
             "    return max(low, min(x, high))",
             lambda rng: (rng.randint(-20, 20), rng.randint(-10, 0), rng.randint(1, 10))),
    Template("both_positive", "conditional", ("both_positive", "all_positive"), "(a: int, b: int) -> bool",
             "returns True when a and b are both greater than zero, else False", "    return a > 0 and b > 0",
             _ints(-5, 5)),
)  # fmt: skip


def _reference(template: Template, name: str) -> str:
    return f"def {name}{template.params}:\n{template.body}\n"


def _function(source: str, name: str) -> Callable[..., Any]:
    # Our own constant reference source, run here once so that the expected values follow from it.
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    function: Callable[..., Any] = namespace[name]
    return function


def _calls(
    template: Template, function: Callable[..., Any], rng: random.Random
) -> list[tuple[list[Any], Any]]:
    """HIDDEN_TESTS calls with distinct arguments (draws that repeat an earlier call are skipped)."""
    calls: list[tuple[list[Any], Any]] = []
    for _ in range(HIDDEN_TESTS * 20):
        arguments = list(template.inputs(rng))
        if all(arguments != seen for seen, _ in calls):
            calls.append((arguments, function(*arguments)))
        if len(calls) == HIDDEN_TESTS:
            break
    return calls


def suite_name(split: SplitName) -> str:
    return f"jsonl:{DATA_DIR_NAME}/generated-{split}.jsonl"


def generate_task(index: int) -> TaskSpec:
    """Problem number `index`: its template cycles, its name, phrasing and inputs come from its own seed."""
    rng = random.Random(SEED + index)
    template = TEMPLATES[index % len(TEMPLATES)]
    name = template.names[(index // len(TEMPLATES)) % len(template.names)]
    reference = _reference(template, name)
    calls = _calls(template, _function(reference, name), rng)
    task_id = f"gen-{index:03d}-{name}"
    phrasing = rng.choice(PHRASINGS)
    split = split_of(task_id)
    return TaskSpec(
        id=task_id,
        suite=suite_name(split),
        prompt=phrasing.format(signature=f"{name}{template.params}", description=template.description),
        kind="function",
        entry_point=name,
        public_tests=TestSet(code=call_asserts(name, calls[:PUBLIC_TESTS])),
        hidden_tests=TestSet(code=call_asserts(name, calls)),
        reference_solution=reference,
        time_limit_s=TIME_LIMIT_S,
        metadata={"family": template.family, "template": template.key, "split": split},
    )


def generated_suite(split: Split = "all") -> list[TaskSpec]:
    """The generated problems of one split (or all of them), in index order."""
    tasks = [generate_task(index) for index in range(COUNT)]
    return [task for task in tasks if split == "all" or task.metadata["split"] == split]


def jsonl_text(split: Split) -> str:
    """The split as sandloop JSONL (`tasks/jsonl.py`): one `TaskSpec` per line."""
    return "".join(task.model_dump_json() + "\n" for task in generated_suite(split))


def write_jsonl(path: Path, split: Split) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(jsonl_text(split), encoding="utf-8")
    return path


def shipped_path(split: SplitName) -> Path:
    return DATA_DIR / f"generated-{split}.jsonl"


if __name__ == "__main__":  # regenerate the shipped files: python -m tasks.generated
    for part in ("train", "heldout"):
        print(write_jsonl(shipped_path(part), part))
