"""sandloop's in-container executor (stdlib only; baked into the sandbox image).

It runs as PID 1 of a sandbox container, reads jobs as length-prefixed JSON frames on the host's Unix socket
(or stdin) and answers each with one frame there (or on stdout). Every program run happens in a freshly forked child that drops to the unprivileged
`sandbox` user, so the warm interpreter is reused and no new Python starts per job. After every run all
processes but this one are killed (kill(-1) from PID 1 reaches setsid escapes too) and the scratch
file systems are emptied, so no job sees another's processes or files.

For function tests the child never decides a verdict, and it does not know what a pass would be (a blind
judge). This process parses the tests and keeps each assert's structure (not / and / or / comparison chains,
their operators) and every constant operand (what `ast.literal_eval` accepts: literals, containers of literals,
negative numbers). The child's code holds only a thunk for each other operand (`candidate(3)`): it sends their
values, as plain built-in types, with the job's secret over fd 3, and this process puts them into its own
structure and compares. An object with a lying `__eq__`, an early exit, a fake success message, a stolen secret
or a forged observation therefore cannot produce a pass without the expected values, which the child's
memory does not hold: before any candidate code runs the child empties the plan cache's sealed side and
the plan, job and answer its executor frames hold. An observation that does not fit the assert (wrong number of values, an
unknown assert, a line out of the harness's order or not the harness's) is a failed check, never a pass.

Semantics kept: operands run in Python's order, an operand that raises fails its check with that error. An
and/or is lazy where the child can decide its parts (no constant in them): a later part runs only if Python
would run it. Where a part has a constant the child cannot decide, so it runs every later operand; this
process, which short-circuits on its own structure, ignores the values and errors it does not need. The
difference from Python: such an operand runs although Python would skip it (`f(x) == 1 or g(x) == 2` runs
g(x) when f(x) == 1), and so can hang or exit where Python would not have run it; a comparison chain's later
operands likewise all run.

Residual gap, known: the judge only hides what is a constant operand in the test text. An expected value the
tests compute or bind to a name (`candidate(x) == reference(x)`, `expected = [...]`, a loop over (input,
output) pairs, `== (3 + 5, 3 * 5)`) or that sits inside a non-constant operand (`abs(candidate(x) - 0.25) <
1e-9`, `math.isclose(candidate(x), 2.25)`) is evaluated in the candidate's process, where the candidate can
read it, and a program that steals the secret can send a matching forged value. A constant-free and/or part
that the child decides on shows the child under which truthiness evaluation goes on (for `not f(x) and
g(x)`, that f(x) should be falsy). A program that patches the harness inside its process can also withhold
observations, so an assert in a loop may count fewer executions than ran (each assert still needs one
observed, passing execution). Raw memory reads (ctypes over /proc/self/maps) may still find freed copies of
the test text that this process held when it forked; closing that needs forking jobs from a process that
never read the tests.
"""

from __future__ import annotations

import ast
import atexit
import binascii
import builtins
import collections
import contextlib
import gc
import importlib
import json
import marshal
import math
import os
import pwd
import re
import resource
import selectors
import shutil
import signal
import socket
import stat
import struct
import sys
import time
import traceback
import types
from typing import Any

try:
    from sandbox.image import executor_protocol as wire
except ModuleNotFoundError:  # in the image, where the protocol module sits beside this file
    import executor_protocol as wire  # type: ignore[no-redef]

# The child-side harness below runs in the same process as candidate code, which may patch the `builtins`
# module or stdlib modules between two asserts. It therefore uses only the built-ins bound here as module
# globals (looked up before built-ins) and the functions captured below, all taken before any candidate ran.
_HARNESS_BUILTINS = [
    *("abs", "all", "any", "bool", "bytes", "callable", "complex", "dict", "enumerate", "float", "frozenset"),
    *("hasattr", "int", "isinstance", "len", "list", "repr", "set", "str", "tuple", "type", "zip"),
    *("BaseException", "Exception", "TypeError", "ValueError", "KeyError"),
]
globals().update({name: getattr(builtins, name) for name in _HARNESS_BUILTINS})
_write = os.write
_b64encode, _b64decode = binascii.b2a_base64, binascii.a2b_base64
_escape_string = json.encoder.encode_basestring_ascii  # the C implementation where there is one
_int_repr = int.__repr__

PRELOADED = ("bisect", "functools", "heapq", "itertools", "re", "string", "typing")
"""Modules most solutions import: loaded once here so forked children get them for free. Not `random`: it
maps OpenSSL (through hashlib), which makes every fork slower than the import it would save."""
MAX_FRAME_BYTES = 64 * 1024 * 1024
SCRATCH_DIRS = ("/tmp", "/dev/shm")
WORK_DIR = "/tmp/job"
BUILD_DIR = "/tmp/build"
"""A compiled program, root-owned and read-only to jobs; kept between frames only for the same program."""
RESULTS_FD = 3
RESULTS_LIMIT_BYTES = 16 * 1024 * 1024
STOP_FACTOR = 16  # output beyond this many times the kept head stops the job
MAX_VALUE_DEPTH = 64
FILE_SIZE_LIMIT = 64 * 1024 * 1024
OPEN_FILES_LIMIT = 256
COMPARE_OPS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
OOM_COUNTER_FILES = (
    "/sys/fs/cgroup/memory.events",  # cgroup v2
    "/sys/fs/cgroup/memory/memory.oom_control",  # cgroup v1
)


class Language:
    """How to compile (in the work dir, as the job user) and run one language's single source file."""

    def __init__(self, source: str, tool: str, compile_argv: list[str] | None, run_argv: list[str]) -> None:
        self.source = source
        self.tool = tool
        """The program whose presence says the image has this language."""
        self.compile_argv = compile_argv
        self.run_argv = run_argv

    def installed(self) -> bool:
        return shutil.which(self.tool, path=JOB_ENVIRONMENT["PATH"]) is not None


LANGUAGES = {
    "cpp": Language(
        "main.cpp", "g++", ["g++", "-O2", "-std=gnu++17", "-pipe", "-o", "main", "main.cpp"], ["./main"]
    ),
    "c": Language(
        "main.c", "gcc", ["gcc", "-O2", "-std=gnu11", "-pipe", "-o", "main", "main.c", "-lm"], ["./main"]
    ),
    "java": Language(
        "Main.java",
        "javac",
        [
            "javac",
            "-J-XX:+UseSerialGC",
            "-J-XX:TieredStopAtLevel=1",
            "-encoding",
            "UTF-8",
            "-d",
            ".",
            "Main.java",
        ],
        ["java", "-XX:+UseSerialGC", "-Xss64m", "-cp", ".", "Main"],
    ),
    "go": Language("main.go", "go", ["go", "build", "-o", "main", "main.go"], ["./main"]),
    "rust": Language(
        "main.rs", "rustc", ["rustc", "-O", "--edition", "2021", "-o", "main", "main.rs"], ["./main"]
    ),
    "nodejs": Language("main.js", "node", None, ["node", "main.js"]),
    "bash": Language("main.sh", "bash", None, ["bash", "main.sh"]),
}
"""Beside python, which runs in this warm interpreter. Compiled programs run from BUILD_DIR (their cwd)."""
COMPILE_CPU_FACTOR = 2  # compilers use several threads (javac, go): CPU time may pass the wall-clock limit
CPU_ACCOUNTING_SLACK_S = 0.01  # rusage's user and system times are each cut to microseconds
_JAVA_CLASS = re.compile(r"public\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][\w$]*)")


def cpu_limit_s(cpu_time_s: float) -> int:
    """The child's RLIMIT_CPU: whole seconds, at least one."""
    return max(1, math.ceil(cpu_time_s))


def java_main_class(source: str) -> str:
    """The public class the source declares (its file must be named after it), else Main."""
    found = _JAVA_CLASS.search(source)
    return found.group(1) if found else "Main"


def language_steps(language: Language, source: str) -> tuple[str, list[str] | None, list[str]]:
    """The source file name, compile command and run command for this program."""
    if language.tool != "javac":
        return language.source, language.compile_argv, language.run_argv
    main = java_main_class(source)
    compile_argv = [*(language.compile_argv or [])[:-1], f"{main}.java"]
    return f"{main}.java", compile_argv, [*language.run_argv[:-1], main]


# ---------------------------------------------------------------- framing


def read_exact(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> bytes | None:
    header = read_exact(fd, 4)
    if header is None:
        return None
    (size,) = struct.unpack(">I", header)
    if size > MAX_FRAME_BYTES:
        raise ValueError(f"frame of {size} bytes exceeds {MAX_FRAME_BYTES}")
    return read_exact(fd, size)


def write_frame(fd: int, payload: bytes) -> None:
    view = memoryview(struct.pack(">I", len(payload)) + payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


# ---------------------------------------------------------------- plain values

_BUILTIN_BASES: tuple[type[Any], ...] = (
    bool,
    int,
    float,
    complex,
    str,
    bytes,
    tuple,
    list,
    dict,
    set,
    frozenset,
)
_COLLECTION_TYPES = (collections.OrderedDict, collections.defaultdict, collections.Counter, collections.deque)


def encode_value(value: Any, depth: int = 0) -> Any:
    """A JSON form of `value` that only plain built-in types survive.

    Exact types are checked (never isinstance), so a subclass that overrides comparison is converted through
    its built-in base or rejected; the parent then compares real built-ins.
    """
    if depth > MAX_VALUE_DEPTH:
        raise TypeError("value nested too deeply to compare")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if abs(value) < 2**53 else {"int": str(value)}
    if kind is float:
        return {"float": value.hex()}
    if kind is complex:
        return {"complex": [value.real.hex(), value.imag.hex()]}
    if kind is bytes:
        return {"bytes": _b64encode(value, newline=False).decode("ascii")}
    if kind is list:
        return [encode_value(item, depth + 1) for item in value]
    if kind is tuple:
        return {"tuple": [encode_value(item, depth + 1) for item in value]}
    if kind is set or kind is frozenset:
        return {kind.__name__: [encode_value(item, depth + 1) for item in value]}
    if kind is dict:
        return {"dict": [[encode_value(k, depth + 1), encode_value(v, depth + 1)] for k, v in value.items()]}
    if kind in _COLLECTION_TYPES:
        return encode_value(list(value) if kind is collections.deque else dict(value), depth)
    if type(kind).__module__ == "builtins" and hasattr(value, "item") and kind.__module__ == "numpy":
        return encode_value(value.item(), depth)  # numpy scalar: its Python value, re-checked
    for builtin in _BUILTIN_BASES:
        if isinstance(value, builtin):
            return encode_value(builtin(value), depth)  # a subclass loses its overrides
    raise TypeError(f"value of type {kind.__qualname__} is not a plain built-in value")


def decode_value(data: Any) -> Any:
    if data is None or isinstance(data, bool | str | int):
        return data
    if isinstance(data, list):
        return [decode_value(item) for item in data]
    if isinstance(data, dict) and len(data) == 1:
        ((tag, payload),) = data.items()
        if tag == "int":
            return int(payload)
        if tag == "float":
            return float.fromhex(payload)
        if tag == "complex":
            return complex(float.fromhex(payload[0]), float.fromhex(payload[1]))
        if tag == "bytes":
            return _b64decode(payload)
        if tag == "tuple":
            return tuple(decode_value(item) for item in payload)
        if tag == "set":
            return {decode_value(item) for item in payload}
        if tag == "frozenset":
            return frozenset(decode_value(item) for item in payload)
        if tag == "dict":
            return {decode_value(k): decode_value(v) for k, v in payload}
    raise ValueError("malformed value")


def compare(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    if op == ">=":
        return bool(left >= right)
    if op == "is":
        return left is right
    if op == "is not":
        return left is not right
    if op == "in":
        return bool(left in right)
    if op == "not in":
        return bool(left not in right)
    raise ValueError(f"unknown comparison {op!r}")


# ---------------------------------------------------------------- the blind judge (parent side)
#
# Each assert condition is split in two. This process keeps its structure (not / and / or / comparison chains
# and their operators) and every operand that is a constant expression (what `ast.literal_eval` accepts); the
# child's code keeps only a thunk for each other operand, numbered in Python's evaluation order ("slots"). The
# child sends one entry per slot: {"v": plain value}, {"x": the error it raised} or null (not evaluated).

Operand = tuple[str, Any]
"""("const", value): kept here, never in the child; or ("slot", number): a value the child observes."""
Node = tuple[Any, ...]
"""("val", operand) | ("not", node) | ("and" | "or", (node, ...)) | ("cmp", (op, ...), (operand, ...))."""
Gate = tuple[int, Node, bool, int]
"""(slot position, a constant-free and/or part, the truthiness that continues, the slot position to skip to)."""


class Unfit(Exception):
    """An observation that does not fit this process's plan of the assert: a failed check, never a pass."""


class OperandRaised(Exception):
    """An operand the verdict needs raised in the child: the check failed with that error."""


def _operand(operand: Operand, slots: list[Any]) -> Any:
    kind, payload = operand
    if kind == "const":
        return payload
    entry = slots[payload]
    if entry is None:
        raise Unfit(f"operand {payload + 1} was not evaluated")
    if "x" in entry:
        raise OperandRaised(entry["x"])
    return decode_value(entry["v"])


def judge(node: Node, slots: list[Any]) -> bool:
    """Whether an assert holds, from its structure and constants here and the slots' decoded built-ins; and /
    or and comparison chains stop where Python's would, so a slot not needed is never read."""
    kind = node[0]
    if kind == "val":
        return bool(_operand(node[1], slots))
    if kind == "not":
        return not judge(node[1], slots)
    if kind == "and":
        return all(judge(part, slots) for part in node[1])
    if kind == "or":
        return any(judge(part, slots) for part in node[1])
    if kind == "cmp":
        left = _operand(node[2][0], slots)
        for op, operand in zip(node[1], node[2][1:], strict=True):
            right = _operand(operand, slots)
            if not compare(op, left, right):
                return False
            left = right
        return True
    raise ValueError(f"unknown assert node {kind!r}")


def explain(node: Node, slots: list[Any]) -> str:
    """What a failed assert saw, for the reader: `assertion failed: 4 == 5` (the expected value is kept here)."""
    if node[0] == "cmp":
        values = [_shown(operand, slots) for operand in node[2]]
        parts = [values[0]] + [f"{op} {value}" for op, value in zip(node[1], values[1:], strict=True)]
        return "assertion failed: " + " ".join(parts)
    if node[0] == "val":
        return f"assertion failed: the value was {_shown(node[1], slots)}"
    return "assertion failed"


def _shown(operand: Operand, slots: list[Any]) -> str:
    try:
        return _short(_operand(operand, slots))
    except (Unfit, OperandRaised):
        return "?"  # a chain that stopped before this operand


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def fitted_slots(message: dict[str, Any], count: int) -> list[Any]:
    """The observation's slots, checked against the number this assert has; Unfit when they do not fit."""
    slots = message.get("s")
    if type(slots) is not list or len(slots) != count:
        got = len(slots) if type(slots) is list else "no"
        raise Unfit(f"{got} operand values for an assert with {count}")
    for entry in slots:
        if entry is None:
            continue
        if type(entry) is not dict or len(entry) != 1 or not ("v" in entry or type(entry.get("x")) is str):
            raise Unfit("a malformed operand value")
    return slots


def verdict(tests: TestPlan, index: int, message: dict[str, Any]) -> tuple[bool, str | None]:
    """Whether one observed execution of assert `index` held, and what the reader sees when it did not."""
    if "x" in message:  # the recorder itself failed (the program broke the harness): a failed check
        return False, str(message["x"])[:2000]
    node = tests.judging[index]
    try:
        slots = fitted_slots(message, tests.slot_counts[index])
        return (True, None) if judge(node, slots) else (False, explain(node, slots))
    except OperandRaised as error:
        return False, str(error)[:2000]
    except Unfit as error:
        return False, f"the observation does not fit this assert: {error}"
    except Exception as error:
        return False, f"could not judge the observed values: {_describe(error)}"


# ---------------------------------------------------------------- test rewriting (parent side)


_LITERAL_ERRORS = (ValueError, TypeError, SyntaxError, MemoryError, RecursionError)


class _Split:
    """One assert condition split into this process's judging structure and the child's thunks and gates."""

    def __init__(self, test: ast.expr) -> None:
        self.thunks: list[ast.expr] = []
        self.gates: list[list[Any]] = []
        self.node, _ = self._split(test)

    def _operand(self, expr: ast.expr) -> Operand:
        try:
            return ("const", ast.literal_eval(expr))
        except _LITERAL_ERRORS:
            self.thunks.append(expr)
            return ("slot", len(self.thunks) - 1)

    def _split(self, node: ast.expr) -> tuple[Node, bool]:
        """The node, and whether it has no constant operand (then the child may decide its truth itself)."""
        if isinstance(node, ast.Compare) and all(type(op) in COMPARE_OPS for op in node.ops):
            operands = tuple(self._operand(expr) for expr in (node.left, *node.comparators))
            ops = tuple(COMPARE_OPS[type(op)] for op in node.ops)
            return ("cmp", ops, operands), all(kind == "slot" for kind, _ in operands)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner, constant_free = self._split(node.operand)
            return ("not", inner), constant_free
        if isinstance(node, ast.BoolOp):
            name = "and" if isinstance(node.op, ast.And) else "or"
            parts, frees, own_gates = [], [], []
            for position, value in enumerate(node.values):
                part, constant_free = self._split(value)
                parts.append(part)
                frees.append(constant_free)
                if constant_free and position < len(node.values) - 1:
                    # Lazy like Python where the child can tell: the later parts run only when this one's
                    # truth says so. A part with a constant cannot be decided there: the child goes on.
                    own_gates.append([len(self.thunks), part, name == "and", 0])
            for gate in own_gates:
                gate[3] = len(self.thunks)
            self.gates.extend(own_gates)
            return (name, tuple(parts)), all(frees)
        operand = self._operand(node)
        return ("val", operand), operand[0] == "slot"

    def child_call(self, index: int) -> ast.Call:
        """`__sandloop_assert__(index, (thunk, ...)[, gates])`: what the child's code holds of this assert."""
        no_args = ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])
        thunks = ast.Tuple(elts=[ast.Lambda(args=no_args, body=expr) for expr in self.thunks], ctx=ast.Load())
        args: list[ast.expr] = [ast.Constant(index), thunks]
        if self.gates:
            self.gates.sort(key=lambda gate: gate[0])  # stable: inner parts' gates stay before outer ones
            gates: Any = tuple(
                tuple(gate) for gate in self.gates
            )  # a constant of constants: compile takes it
            args.append(ast.Constant(gates))
        return ast.Call(func=ast.Name(id="__sandloop_assert__", ctx=ast.Load()), args=args, keywords=[])


_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


class TestPlan:
    """Test code with every assert rewritten to report its non-constant operands to the parent, and what the
    parent keeps to judge them: each assert's record, structure and constants, none of which the child keeps.

    Only statement lists are walked (asserts are statements), which keeps this cheap: it runs once for each
    new test code.
    """

    def __init__(self, test_code: str) -> None:
        lines = test_code.splitlines()
        self.asserts: list[wire.AssertRecord] = []
        self.judging: list[Node] = []
        """Each assert's structure with its constant operands: in this process only."""
        self.slot_counts: list[int] = []
        """How many operand values each assert's observation carries."""
        modules: set[str] = set()
        tree = ast.parse(test_code, filename="tests.py")
        self._rewrite(tree, modules, lines)
        self.code = compile(tree, "tests.py", "exec")
        """The child's code: thunks for the non-constant operands, no assert's shape or constants."""
        self.imports = sorted(modules)

    @classmethod
    def from_parts(
        cls, code: types.CodeType, imports: list[str], asserts: Any, judging: Any, slot_counts: Any
    ) -> TestPlan:
        """A plan rebuilt from the plan cache, without parsing the test code again."""
        plan = cls.__new__(cls)
        plan.code, plan.imports, plan.asserts, plan.judging, plan.slot_counts = (
            code,
            imports,
            asserts,
            judging,
            slot_counts,
        )
        return plan

    def _rewrite(self, node: ast.AST, modules: set[str], lines: list[str]) -> None:
        for field in _STATEMENT_LISTS:
            statements = getattr(node, field, None)
            if not isinstance(statements, list):
                continue
            for position, statement in enumerate(statements):
                if isinstance(statement, ast.Assert):
                    statements[position] = self._reporting(statement, lines)
                    continue
                if isinstance(statement, ast.Import):
                    modules.update(alias.name for alias in statement.names)
                elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
                    modules.add(statement.module)
                self._rewrite(statement, modules, lines)

    def _reporting(self, node: ast.Assert, lines: list[str]) -> ast.stmt:
        index = len(self.asserts)
        text = lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""
        self.asserts.append(
            {
                "index": index,
                "line": node.lineno,
                "source": text.removeprefix("assert ")[:500],
                "executions": 0,
                "failures": 0,
                "detail": None,
            }
        )
        split = _Split(node.test)
        self.judging.append(split.node)
        self.slot_counts.append(len(split.thunks))
        call = split.child_call(index)
        return ast.fix_missing_locations(ast.copy_location(ast.Expr(value=call), node))


_SALT_BYTES = 16
_vault = bytearray(os.urandom(_SALT_BYTES))
"""The parent's side of every cached plan (the test code, each assert's record, structure and constants),
marshalled into one buffer after a secret salt: a job's child empties it with one free, where dropping the
cached plans object by object costs ~20 ms of copy-on-write faults per job (164 HumanEval test codes)."""
_plans: collections.OrderedDict[int, tuple[types.CodeType, list[str], int, int]] = collections.OrderedDict()
"""Salted hash of a test code -> its child's code and imports (nothing secret) and its span in `_vault`."""
PLAN_CACHE_SIZE = 256


def test_plan(test_code: str) -> TestPlan:
    """Many answers are graded on the same tests (pass@k, RL groups): rewrite each test code once."""
    key = hash((bytes(_vault[:_SALT_BYTES]), test_code))  # salted: a child cannot test a guess of the text
    cached = _plans.get(key)
    if cached is not None:
        code, imports, start, end = cached
        text, asserts, judging, slot_counts = marshal.loads(_vault[start:end])
        if text == test_code:
            _plans.move_to_end(key)
            return TestPlan.from_parts(code, imports, asserts, judging, slot_counts)
    plan = TestPlan(test_code)
    sealed = marshal.dumps((test_code, plan.asserts, plan.judging, plan.slot_counts))
    _plans[key] = (plan.code, plan.imports, len(_vault), len(_vault) + len(sealed))
    _vault.extend(sealed)
    if len(_plans) > PLAN_CACHE_SIZE:
        _plans.popitem(last=False)
        kept = bytearray(_vault[:_SALT_BYTES])
        for kept_key, (code, imports, start, end) in _plans.items():
            _plans[kept_key] = (code, imports, len(kept), len(kept) + end - start)
            kept += _vault[start:end]
        _vault[:] = kept
    return plan


# ---------------------------------------------------------------- child side


_nonce = ""
"""Secret of the current job, set before fork: a result line without it fails the run, so a program that
writes protocol lines to the results pipe (the protocol is public) forges nothing. Defence in depth only: the
child can read it, and the blind judge is what makes a stolen one useless."""


def _json(value: Any) -> str:
    """JSON for the child's messages, from captured functions only (json.dumps looks up patchable globals)."""
    kind = type(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return _int_repr(value)
    if kind is str:
        return _escape_string(value)
    if kind is list:
        return "[" + ",".join([_json(item) for item in value]) + "]"
    if kind is dict:
        return "{" + ",".join([_escape_string(k) + ":" + _json(v) for k, v in value.items()]) + "}"
    raise TypeError(f"cannot send {kind.__name__}")


def _send(message: dict[str, Any]) -> None:
    view = memoryview((_json({**message, "n": _nonce}) + "\n").encode())
    while view:
        view = view[_write(RESULTS_FD, view) :]


def _observe(thunks: tuple[Any, ...], gates: tuple[Gate, ...]) -> list[Any]:
    """Each slot's plain value or error, in Python's order. Where a gate (a constant-free and/or part) decides,
    the later parts run only if Python would run them; elsewhere every operand runs and the parent, which
    short-circuits on its own structure, ignores what it does not need (an error there included)."""
    slots: list[Any] = [None] * len(thunks)
    position = next_gate = 0
    while True:
        while next_gate < len(gates) and gates[next_gate][0] <= position:
            at, part, go_on_if, end = gates[next_gate]
            next_gate += 1
            if at == position:
                try:
                    held = judge(part, slots)  # on plain values, as the parent will
                except Exception:
                    continue  # an operand it needs raised or did not run: the parent decides, go on
                if held is not go_on_if:
                    position = end if end > position else position
        if position >= len(thunks):
            return slots
        try:
            slots[position] = {"v": encode_value(thunks[position]())}
        except BaseException as error:  # SystemExit and KeyboardInterrupt too: a failed operand, not an exit
            slots[position] = {"x": _describe(error)}
        position += 1


def _record_assert(index: int, thunks: tuple[Any, ...], gates: tuple[Gate, ...] = ()) -> None:
    try:
        if _guard is not None:
            _guard.restore()
        _send({"e": "obs", "i": index, "s": _observe(thunks, gates)})
    except BaseException as error:
        _send({"e": "obs", "i": index, "x": _describe(error)})


def _describe(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]


def _main_module(work_dir: str) -> types.ModuleType:
    module = types.ModuleType("__main__")
    module.__file__ = os.path.join(work_dir, "main.py")
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules["__main__"] = module
    return module


def _exit_code(error: SystemExit) -> int:
    if error.code is None:
        return 0
    if isinstance(error.code, int):
        return error.code & 0xFF
    print(error.code, file=sys.stderr)
    return 1


def _finish(code: int) -> None:
    with contextlib.suppress(BaseException):
        atexit._run_exitfuncs()  # imported by the executor: importing it in every child cost ~30 page faults
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
    os._exit(code)


def run_program_child(source: str, work_dir: str) -> None:
    module = _main_module(work_dir)
    try:
        code = compile(source, module.__file__ or "main.py", "exec")
        exec(code, module.__dict__)
    except SystemExit as error:
        _finish(_exit_code(error))
    except BaseException:
        traceback.print_exc()
        _finish(1)
    _finish(0)


class _Guard:
    """What the tests rely on, as it was before any candidate code ran; put back before every assert.

    The tests get a private copy of the built-ins (patching the `builtins` module cannot reach it) and the
    modules the test code imports are restored, so a program that patches `abs` or `math.isclose` fools
    nothing. A patch made inside a candidate call holds until the next assert starts: that gap is known.
    """

    def __init__(self, module_names: list[str]) -> None:
        for name in module_names:
            with contextlib.suppress(BaseException):
                importlib.import_module(name)
        self.builtins = dict(builtins.__dict__)
        self._saved = [(self.builtins, dict(self.builtins))]
        for name in module_names:
            module = sys.modules.get(name)
            if module is not None:
                self._saved.append((module.__dict__, dict(module.__dict__)))

    def restore(self) -> None:
        for live, saved in self._saved:
            live.clear()
            live.update(saved)


_guard: _Guard | None = None


def _blindfold(caller: types.FrameType | None) -> None:
    """Runs in the child before any candidate code: empty the plan cache's sealed side (every cached test
    code, assert text, structure and constant) and what the executor's own frames still hold (this job's
    plan and frame with the test code, the last answer), so no frame, global or object gc can list holds an
    expected value. The frames never run again in the child: it ends by os._exit."""
    _vault.clear()
    while caller is not None:
        if caller.f_globals is globals() and caller.f_code.co_name != "<module>":
            for value in caller.f_locals.values():
                if isinstance(value, TestPlan):
                    value.__dict__.clear()
                elif type(value) in (dict, list, bytearray):
                    value.clear()
        caller = caller.f_back


def run_tests_child(source: str, tests: TestPlan, entry_point: str | None, work_dir: str) -> None:
    global _guard
    code, imports = tests.code, tests.imports
    _blindfold(sys._getframe(1))
    del tests
    _guard = guard = _Guard(imports)
    module = _main_module(work_dir)
    program = module.__dict__
    try:
        exec(compile(source, module.__file__ or "main.py", "exec"), program)
    except BaseException as error:
        traceback.print_exc()
        _send({"e": "program_error", "x": _describe(error)})
        _finish(1)
    if entry_point and not callable(program.get(entry_point)):
        _send({"e": "program_error", "x": f"entry point {entry_point!r} is not defined by the program"})
        _finish(1)
    _send({"e": "loaded"})
    guard.restore()
    namespace = {**program, "__builtins__": guard.builtins, "__sandloop_assert__": _record_assert}
    try:
        exec(code, namespace)
        check = namespace.get("check")
        if entry_point and callable(check):
            check(program[entry_point])
    except BaseException as error:
        traceback.print_exc()
        _send({"e": "fatal", "x": _describe(error)})
        _finish(1)
    _send({"e": "done"})
    _finish(0)


_oom_seen = [0]
"""The container's OOM-kill count as last read; an increase during a job is that job's doing."""


def _oom_kills() -> int:
    for path in OOM_COUNTER_FILES:
        try:
            with open(path) as counters:
                for line in counters:
                    name, _, value = line.partition(" ")
                    if name == "oom_kill":
                        return int(value)
        except OSError:
            continue
    return 0


class JobUser:
    def __init__(self) -> None:
        entry = pwd.getpwnam("sandbox")
        self.uid, self.gid = entry.pw_uid, entry.pw_gid


def _prepare_child(
    user: JobUser,
    stdin_data: bytes,
    pipes: dict[int, int],
    files: dict[str, str | bytes],
    source: str,
    cpu_time_s: float,
    source_name: str | None = "main.py",
    cwd: str = WORK_DIR,
) -> None:
    """Runs in the forked child: isolate, drop privileges, place files. Never returns on failure."""
    os.setsid()
    stdin_fd = os.memfd_create("stdin")
    os.write(stdin_fd, stdin_data)
    os.lseek(stdin_fd, 0, os.SEEK_SET)
    os.dup2(stdin_fd, 0)
    for target, write_end in pipes.items():
        os.dup2(write_end, target)
    os.closerange(RESULTS_FD + 1 if RESULTS_FD in pipes else 3, 1 << 16)
    adj = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
    os.write(adj, b"1000")  # under memory pressure the job goes first, never the executor
    os.close(adj)
    cpu = cpu_limit_s(cpu_time_s)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))  # soft = hard: the kernel's SIGKILL, which no job
    # can catch (a job that caught the soft limit's SIGXCPU could exit 0, a pass, a second past its limit)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES_LIMIT, OPEN_FILES_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.setgroups([])
    os.setgid(user.gid)
    os.setuid(user.uid)
    for name, content in files.items():
        path = os.path.join(WORK_DIR, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _write_file(path, content)
    if source_name is not None:  # in Python, so that tracebacks can show the lines
        _write_file(os.path.join(WORK_DIR, source_name), source)
    os.chdir(cwd)
    sys.argv = ["main.py"]
    sys.path[0] = WORK_DIR
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # as in any Python program: BrokenPipeError, not death
    # sys.stdin/stdout/stderr are kept: they wrap fds 0-2, now the job's, and the executor never used their
    # buffers (it speaks through os.read/os.write). Making new ones costs a millisecond per job.


def _job_files(job: wire.ProgramFrame) -> dict[str, str | bytes]:
    """The job's text and binary files (decoded here, in the child: the executor keeps no copy)."""
    if not job["binary_files"]:
        return dict(job["files"])
    return {**job["files"], **{name: _b64decode(data) for name, data in job["binary_files"].items()}}


def _write_file(path: str, content: str | bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        data = content if isinstance(content, bytes) else content.encode("utf-8", "surrogateescape")
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


JOB_ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": WORK_DIR,
    "TMPDIR": WORK_DIR,
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "GOCACHE": f"{WORK_DIR}/.cache/go-build",  # Go writes its build cache under HOME otherwise
    "GOPATH": f"{WORK_DIR}/.cache/go",
    "GO111MODULE": "off",  # one file, the standard library only: no module, no download
    "GOMAXPROCS": "2",
}


class _Stream:
    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.head = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        room = self.keep - len(self.head)
        if room > 0:
            self.head += chunk[:room]
        self.total += len(chunk)

    @property
    def cut(self) -> int:
        return self.total - len(self.head)


_phases: dict[str, int] = {}
"""Nanoseconds this frame spent in each phase of the job path (summed over its runs); sent in the answer
for `sandloop sandbox bench --phases`. Taking them costs a few clock reads per run."""


def _phase(name: str, since: int) -> int:
    """Add the time since `since` to phase `name`; the time now (the next phase's start)."""
    now = time.perf_counter_ns()
    _phases[name] = _phases.get(name, 0) + now - since
    return now


def kill_all_jobs() -> None:
    """Kill and reap every process in the container but this one (PID 1)."""
    while True:
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            return
        time.sleep(0.001)


def clean_scratch() -> None:
    for root in SCRATCH_DIRS:
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(root):
                if entry.path == BUILD_DIR:
                    continue  # emptied by `forget_build` when the next job is another program
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
    os.mkdir(WORK_DIR, 0o700)


def run_child(
    user: JobUser,
    job: wire.ProgramFrame,
    stdin_data: bytes,
    tests: TestPlan | None = None,
    entry_point: str | None = None,
    command: Command | None = None,
) -> wire.RunRecord:
    """Fork one child (a Python program run, the program then `tests`, or another language's `command`),
    supervise it, clean up after it."""
    global _nonce
    mark = time.perf_counter_ns()
    _nonce = os.urandom(16).hex()
    clean_scratch()
    os.chown(WORK_DIR, user.uid, user.gid)
    mark = _phase("scratch", mark)
    keep = job["output_limit"]
    stop_at = max(keep * STOP_FACTOR, 1 << 20)
    timeout_s = job["timeout_s"] if command is None else command.timeout_s
    cpu_time_s = job["cpu_time_s"] or timeout_s
    if command is not None and command.cpu_time_s is not None:
        cpu_time_s = command.cpu_time_s
    targets = [1, 2] + ([RESULTS_FD] if tests else [])
    read_ends: dict[int, int] = {}
    write_ends: dict[int, int] = {}
    for target in targets:
        read_ends[target], write_ends[target] = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # ------------------------------------------------ the job
        try:
            if command is not None:
                _prepare_child(
                    user, stdin_data, write_ends, _job_files(job), job["source"], cpu_time_s, *command.place
                )
                _exec(command.argv)
            _prepare_child(user, stdin_data, write_ends, _job_files(job), job["source"], cpu_time_s)
            if tests:
                run_tests_child(job["source"], tests, entry_point, WORK_DIR)
            else:
                run_program_child(job["source"], WORK_DIR)
        except BaseException:
            with contextlib.suppress(BaseException):
                traceback.print_exc()
        os._exit(70)
    # ---------------------------------------------------------------- the supervisor
    for write_end in write_ends.values():
        os.close(write_end)
    pidfd = os.pidfd_open(pid)
    streams = {1: _Stream(keep), 2: _Stream(keep), RESULTS_FD: _Stream(RESULTS_LIMIT_BYTES)}
    selector = selectors.DefaultSelector()
    for target, read_end in read_ends.items():
        os.set_blocking(read_end, False)
        selector.register(read_end, selectors.EVENT_READ, target)
    selector.register(pidfd, selectors.EVENT_READ, "exit")
    mark = _phase("fork", mark)
    deadline = started + timeout_s
    outcome: wire.Outcome | None = None
    exited = False
    while not exited and outcome is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            deadline = _deadline_past_cpu_waits(pid, started, timeout_s)
            remaining = deadline - time.monotonic()
        if remaining <= 0:
            outcome = "timeout"
            break
        for key, _ in selector.select(remaining):
            if key.data == "exit":
                exited = True
                continue
            chunk = _read_some(key.fd)
            if chunk:
                stream = streams[key.data]
                stream.add(chunk)
                if stream.total > (stop_at if key.data != RESULTS_FD else RESULTS_LIMIT_BYTES):
                    outcome = "output_limit"
            else:
                selector.unregister(key.fd)
    if outcome is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _, wait_status, usage = os.wait4(pid, 0)
    duration = time.monotonic() - started
    cpu_used = usage.ru_utime + usage.ru_stime
    mark = _phase("run", mark)
    kill_all_jobs()  # escaped grandchildren too; after this no writer is left, so draining ends
    mark = _phase("kill", mark)
    if outcome is None:
        for target, read_end in read_ends.items():
            while chunk := _read_some(read_end):
                streams[target].add(chunk)
    selector.close()
    os.close(pidfd)
    for read_end in read_ends.values():
        os.close(read_end)
    signum = os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status) else None
    if outcome is None:
        if signum == signal.SIGKILL and _oom_kills() > _oom_seen[0]:  # read only when it may be one: slow
            _oom_seen[0] = _oom_kills()
            outcome = "memory"
        elif signum == signal.SIGKILL and cpu_used >= cpu_limit_s(cpu_time_s) - CPU_ACCOUNTING_SLACK_S:
            # The CPU-time limit, judged by the CPU time used, not the wall clock's: a job with threads (the
            # JVM's JIT and GC) spends its CPU seconds first. A SIGXCPU can only be the job's own: a failure.
            outcome = "timeout"
        else:
            outcome = "exited"
    run: wire.RunRecord = {
        "outcome": outcome,
        "exit_code": os.WEXITSTATUS(wait_status) if os.WIFEXITED(wait_status) else None,
        "signal": signum,
        "stdout": streams[1].head.decode("utf-8", "replace"),
        "stderr": streams[2].head.decode("utf-8", "replace"),
        "stdout_cut": streams[1].cut,
        "stderr_cut": streams[2].cut,
        "duration_s": round(duration, 6),
    }
    mark = _phase("collect", mark)
    if tests:
        run["harness"] = summarise_tests(tests, bytes(streams[RESULTS_FD].head), _nonce)
        _phase("judge", mark)
    return run


def _run_queue_wait_s(pid: int) -> float:
    """Seconds `pid` was ready to run but waited for a CPU (host load), from /proc/PID/schedstat."""
    try:
        with open(f"/proc/{pid}/schedstat") as stats:
            return int(stats.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def _deadline_past_cpu_waits(pid: int, started: float, timeout_s: float) -> float:
    """The wall-clock deadline with the time the job waited for a CPU left out, so contention does not turn
    a correct program into a timeout; never past WALL_CLOCK_STRETCH times the limit. Read only when the
    plain deadline passes, so it costs nothing per job."""
    waited = _run_queue_wait_s(pid)
    return started + min(timeout_s + waited, timeout_s * wire.WALL_CLOCK_STRETCH)


def _read_some(fd: int) -> bytes:
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return b""


def summarise_tests(tests: TestPlan, results: bytes, nonce: str) -> wire.HarnessReport:
    """Turn the child's observations into per-assert verdicts, judged here in the parent.

    Every complete line must be one the harness wrote, in the harness's order (loaded or program_error first,
    then observations, then done or fatal), with this job's secret: any other line (forged, out of order, or
    joined to a partial line a program wrote to the pipe to hide a failure) fails the whole run. Only an
    unterminated last line is ignored: the child died mid-write, and the run is not complete anyway.
    """
    asserts: list[wire.AssertRecord] = [entry.copy() for entry in tests.asserts]
    summary: wire.HarnessReport = {
        "loaded": False,
        "completed": False,
        "program_error": None,
        "fatal": None,
        "asserts": asserts,
    }
    tampered: str | None = None
    phase = "start"  # -> "loaded" -> "ended"
    for line in results.split(b"\n")[:-1]:
        try:
            message = json.loads(line)
            event = message["e"] if type(message) is dict and message.get("n") == nonce else None
        except Exception:
            event = None
        expected = {"start": ("loaded", "program_error"), "loaded": ("obs", "done", "fatal")}.get(phase, ())
        if event not in expected:
            tampered = tampered or "the results channel carried a line the harness did not write"
            continue
        if event == "obs":
            index = message.get("i")
            if type(index) is not int or not 0 <= index < len(asserts):
                tampered = tampered or "an observation of an assert the tests do not have"
                continue
            entry = asserts[index]
            entry["executions"] += 1
            held, problem = verdict(tests, index, message)
            if not held:
                entry["failures"] += 1
                entry["detail"] = entry["detail"] or problem
        elif event == "loaded":
            summary["loaded"], phase = True, "loaded"
        elif event == "done":
            summary["completed"], phase = True, "ended"
        elif event == "program_error":
            summary["program_error"], phase = str(message.get("x"))[:2000], "ended"
        else:
            summary["fatal"], phase = str(message.get("x"))[:2000], "ended"
    if tampered is not None:
        summary["completed"] = False
        summary["fatal"] = tampered
    return summary


# ---------------------------------------------------------------- other languages


class Command:
    """A program run by exec in the child: its argv, limits and where its files go."""

    def __init__(
        self,
        argv: list[str],
        timeout_s: float,
        *,
        cpu_time_s: float | None = None,
        source_name: str | None = None,
        cwd: str = WORK_DIR,
    ) -> None:
        self.argv = argv
        self.timeout_s = timeout_s
        self.cpu_time_s = cpu_time_s
        self.place = (source_name, cwd)
        """_prepare_child's source file name (None: not written) and working directory."""


def _exec(argv: list[str]) -> None:
    """Replace the child by `argv` (found on the job's PATH); never returns."""
    try:
        os.execvpe(argv[0], argv, os.environ)
    except OSError as error:
        _write(2, f"sandloop: cannot run {argv[0]}: {error.strerror}\n".encode())
    os._exit(127)


_build_key: list[str | None] = [None]
"""What BUILD_DIR holds (language, source and files), so that a cases job sent one case at a time compiles once."""
_build_record: list[wire.RunRecord | None] = [None]


def forget_build() -> None:
    """Remove the previous job's build: no job may read another program's files."""
    if _build_key[0] is not None or os.path.lexists(BUILD_DIR):
        shutil.rmtree(BUILD_DIR, ignore_errors=True)
        _build_key[0] = _build_record[0] = None


def _seal_build() -> None:
    """Move the compiled work dir to BUILD_DIR, owned by root and not writable by the jobs that run it."""
    shutil.rmtree(os.path.join(WORK_DIR, ".cache"), ignore_errors=True)  # Go's build cache: not needed to run
    os.rename(WORK_DIR, BUILD_DIR)
    for root, dirs, names in os.walk(BUILD_DIR):
        for name in [*dirs, *names]:
            path = os.path.join(root, name)
            os.lchown(path, 0, 0)
            if not os.path.islink(path):
                os.chmod(path, os.lstat(path).st_mode & 0o755)
    os.chown(BUILD_DIR, 0, 0)
    os.chmod(BUILD_DIR, 0o755)


def compile_program(
    user: JobUser, job: wire.ProgramFrame, steps: tuple[str, list[str] | None, list[str]]
) -> wire.RunRecord | None:
    """Compile the job's program into BUILD_DIR (once per program); its record, None for interpreted ones."""
    source_name, compile_argv, _ = steps
    if compile_argv is None:
        forget_build()
        return None
    key = json.dumps([job["language"], job["source"], job["files"], job["binary_files"]])
    if key == _build_key[0] and _build_record[0] is not None:
        return _build_record[0]
    forget_build()
    limit = job["compile_timeout_s"]
    command = Command(compile_argv, limit, cpu_time_s=limit * COMPILE_CPU_FACTOR, source_name=source_name)
    record = run_child(user, job, b"", command=command)
    if record["outcome"] == "exited" and record["exit_code"] == 0:
        _seal_build()
        _build_key[0], _build_record[0] = key, record
    return record


def run_language(user: JobUser, job: wire.ProgramFrame, inputs: list[str]) -> wire.Answer:
    """Compile (when the language is compiled) then run once per input; no run when the compile failed."""
    language = LANGUAGES.get(job["language"])
    if language is None or not language.installed():
        forget_build()
        message = f"language {job['language']!r} is not in this sandbox image"
        return {"v": VERSION, "kind": "executor_error", "message": message, "trace": ""}
    steps = language_steps(language, job["source"])
    built = compile_program(user, job, steps)
    if built is not None and not (built["outcome"] == "exited" and built["exit_code"] == 0):
        return {"v": VERSION, "kind": "runs", "runs": [], "compile": built}
    if built is None:
        command = Command(steps[2], job["timeout_s"], source_name=steps[0])
    else:
        command = Command([_in_build(word) for word in steps[2]], job["timeout_s"], cwd=WORK_DIR)
    runs = [run_child(user, job, case.encode(), command=command) for case in inputs]
    return {"v": VERSION, "kind": "runs", "runs": runs, "compile": built}


FETCH_LIMIT_BYTES = 8 * 1024 * 1024
"""Largest file a job may have fetched back (its content travels in the answer frame)."""


def fetch_files(names: list[str]) -> dict[str, str | None]:
    """The job's files, read once every job process is dead (nothing can swap a path meanwhile): only
    regular files whose real path is inside the work dir, never through a symlink out of it."""
    fetched: dict[str, str | None] = {}
    budget = FETCH_LIMIT_BYTES * 2
    for name in names:
        path = os.path.realpath(os.path.join(WORK_DIR, name))
        fetched[name] = None
        if not path.startswith(WORK_DIR + "/"):
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            info = os.fstat(fd)
            if stat.S_ISREG(info.st_mode) and info.st_size <= min(FETCH_LIMIT_BYTES, budget):
                data = read_exact(fd, info.st_size) if info.st_size else b""
                if data is not None:
                    fetched[name] = _b64encode(data, newline=False).decode("ascii")
                    budget -= info.st_size
        finally:
            os.close(fd)
    return fetched


def _in_build(word: str) -> str:
    """A run command's word with the compiled program's paths (`./main`, `.`) pointing into BUILD_DIR."""
    if word == ".":
        return BUILD_DIR
    return os.path.join(BUILD_DIR, word[2:]) if word.startswith("./") else word


# ---------------------------------------------------------------- jobs


VERSION = wire.PROTOCOL_VERSION


def handle(user: JobUser, job: wire.JobFrame) -> wire.Answer:
    mismatch = wire.version_mismatch(job.get("v"), they="host", we="executor")
    if mismatch is not None:
        return {"v": VERSION, "kind": "protocol_error", "message": mismatch}
    if job["kind"] == "ping":
        installed = ["python"] + [name for name, language in LANGUAGES.items() if language.installed()]
        return {"v": VERSION, "kind": "pong", "python": sys.version.split()[0], "languages": installed}
    if job["language"] != "python":
        inputs = [job["stdin"]] if job["kind"] == "run" else job["inputs"] if job["kind"] == "cases" else []
        if job["kind"] == "tests":
            forget_build()
            message = "function tests are Python only: give other languages stdin/stdout cases"
            return {"v": VERSION, "kind": "harness_error", "message": message}
        answer = run_language(user, job, inputs)
        if job["kind"] == "run" and job["fetch"] and answer["kind"] == "runs" and answer["runs"]:
            answer["fetched"] = fetch_files(job["fetch"])
        return answer
    forget_build()
    if job["kind"] == "run":
        run = run_child(user, job, job["stdin"].encode())
        ran: wire.RunsAnswer = {"v": VERSION, "kind": "runs", "runs": [run], "compile": None}
        if job["fetch"]:
            ran["fetched"] = fetch_files(job["fetch"])
        return ran
    if job["kind"] == "tests":
        try:
            mark = time.perf_counter_ns()
            plan = test_plan(job["tests"])
            _phase("plan", mark)
        except SyntaxError as error:
            message = f"the test code does not parse: {_describe(error)}"
            return {"v": VERSION, "kind": "harness_error", "message": message}
        run = run_child(user, job, b"", plan, job["entry_point"])
        return {"v": VERSION, "kind": "runs", "runs": [run], "compile": None}
    if job["kind"] == "cases":
        runs = [run_child(user, job, case_input.encode()) for case_input in job["inputs"]]
        return {"v": VERSION, "kind": "runs", "runs": runs, "compile": None}
    raise ValueError(f"unknown job kind {job['kind']!r}")


def host_connection() -> tuple[int, int]:
    """The fds frames come in on and answers go out on: the Unix socket the host mounted at HOST_SOCKET
    (frames then skip the Docker engine's copy of the attach stream), else stdin and stdout. Connected
    before any job runs; the host unlinks the socket once it accepted, and jobs never inherit the fd."""
    if not os.path.exists(wire.HOST_SOCKET):
        return 0, 1
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(wire.HOST_SOCKET)
    except OSError as error:  # the engine runs elsewhere (a VM): the host reads this and uses the stream
        connection.close()
        _write(2, f"sandloop executor: no host socket ({error.strerror}): using stdin/stdout\n".encode())
        return 0, 1
    fd = connection.detach()
    return fd, fd


def main() -> None:
    user = JobUser()
    frames_in, answers_out = host_connection()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    _oom_seen[0] = _oom_kills()
    os.environ.clear()  # set once here, inherited by every job
    os.environ.update(JOB_ENVIRONMENT)
    for name in PRELOADED:
        importlib.import_module(name)
    gc.freeze()  # what is loaded now is shared with every child: keep their GC from copying its pages
    answered_ns = 0
    while True:
        frame = read_frame(frames_in)
        if frame is None:
            return  # the host went away: stop, and Docker removes the container
        _phases.clear()
        _phases["answer"] = answered_ns  # the previous answer's encoding and write: known only now
        cpu_before = _cpu_ns()
        mark = time.perf_counter_ns()
        try:
            job, frame = json.loads(frame), None  # bytes a job's child cannot empty: it holds the tests
            mark = _phase("decode", mark)
            answer = handle(user, job)
        except Exception as error:
            answer = {
                "v": VERSION,
                "kind": "executor_error",
                "message": _describe(error),
                "trace": traceback.format_exc()[-4000:],
            }
        if answer["kind"] == "runs":
            _phase("handled", mark)
            usage = _cpu_ns()
            for position, name in enumerate(("cpu_executor", "cpu_jobs", "faults_executor", "faults_jobs")):
                _phases[name] = usage[position] - cpu_before[position]
            answer["phases"] = _phases
        mark = time.perf_counter_ns()
        write_frame(answers_out, json.dumps(answer, separators=(",", ":")).encode())
        answered_ns = time.perf_counter_ns() - mark


def _cpu_ns() -> tuple[int, int, int, int]:
    """CPU time (user + system, ns) used so far by this process and by its reaped children, then their
    page faults: after a fork every page either side writes first costs one (copy-on-write)."""
    own, jobs = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_own, cpu_jobs = int((own.ru_utime + own.ru_stime) * 1e9), int((jobs.ru_utime + jobs.ru_stime) * 1e9)
    return cpu_own, cpu_jobs, own.ru_minflt + own.ru_majflt, jobs.ru_minflt + jobs.ru_majflt


if __name__ == "__main__":
    main()
