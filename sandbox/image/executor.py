"""sandloop's in-container executor (stdlib only; baked into the sandbox image).

It runs as PID 1 of a sandbox container, reads jobs as length-prefixed JSON frames on the host's Unix socket
(or stdin) and answers each with one frame there (or on stdout). Every program run happens in a freshly forked child that drops to the unprivileged
`sandbox` user, so the warm interpreter is reused and no new Python starts per job. After every run all
processes but this one are killed (kill(-1) from PID 1 reaches setsid escapes too) and the scratch
file systems are emptied, so no job sees another's processes or files.

For function tests the child never decides a verdict: each `assert` of the test code is rewritten to send the
values it compares, serialised as plain built-in types, and this parent process does the comparison. An
object with a lying `__eq__`, an early exit, or a fake success message therefore cannot produce a pass.
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
_JAVA_CLASS = re.compile(r"public\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][\w$]*)")


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


def judge(tree: Any) -> bool:
    """Whether an observed assert holds; runs on decoded built-ins only."""
    kind = tree["k"]
    if kind == "val":
        return bool(decode_value(tree["v"]))
    if kind == "not":
        return not judge(tree["t"])
    if kind == "and":
        return all(judge(part) for part in tree["t"])
    if kind == "or":
        return any(judge(part) for part in tree["t"])
    if kind == "cmp":
        values = [decode_value(v) for v in tree["v"]]
        return all(compare(op, values[i], values[i + 1]) for i, op in enumerate(tree["ops"]))
    raise ValueError(f"unknown observation {kind!r}")


def explain(tree: Any) -> str:
    """What a failed assert saw, for the reader: `got 4, expected == 5`."""
    if tree["k"] == "cmp":
        values = [_short(decode_value(v)) for v in tree["v"]]
        parts = [values[0]] + [f"{op} {value}" for op, value in zip(tree["ops"], values[1:], strict=False)]
        return "assertion failed: " + " ".join(parts)
    if tree["k"] == "val":
        return f"assertion failed: the value was {_short(decode_value(tree['v']))}"
    return "assertion failed"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


# ---------------------------------------------------------------- test rewriting (parent side)


def _plan(node: ast.expr) -> ast.expr:
    """An expression building the evaluation plan of one assert condition (thunks keep it lazy)."""

    def thunk(body: ast.expr) -> ast.Lambda:
        no_args = ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])
        return ast.Lambda(args=no_args, body=body)

    def tagged(*parts: ast.expr) -> ast.Tuple:
        return ast.Tuple(elts=list(parts), ctx=ast.Load())

    if isinstance(node, ast.Compare) and all(type(op) in COMPARE_OPS for op in node.ops):
        ops = tagged(*[ast.Constant(COMPARE_OPS[type(op)]) for op in node.ops])
        operands = thunk(tagged(node.left, *node.comparators))
        return tagged(ast.Constant("cmp"), ops, operands)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return tagged(ast.Constant("not"), _plan(node.operand))
    if isinstance(node, ast.BoolOp):
        name = "and" if isinstance(node.op, ast.And) else "or"
        return tagged(ast.Constant(name), tagged(*[_plan(value) for value in node.values]))
    return tagged(ast.Constant("val"), thunk(node))


_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


class TestPlan:
    """Test code with every assert rewritten to report to the parent, and the list of those asserts.

    Only statement lists are walked (asserts are statements), which keeps this cheap: it runs once for each
    new test code.
    """

    def __init__(self, test_code: str) -> None:
        self._lines = test_code.splitlines()
        self.asserts: list[wire.AssertRecord] = []
        modules: set[str] = set()
        tree = ast.parse(test_code, filename="tests.py")
        self._rewrite(tree, modules)
        self.code = compile(tree, "tests.py", "exec")
        self.imports = sorted(modules)

    def _rewrite(self, node: ast.AST, modules: set[str]) -> None:
        for field in _STATEMENT_LISTS:
            statements = getattr(node, field, None)
            if not isinstance(statements, list):
                continue
            for position, statement in enumerate(statements):
                if isinstance(statement, ast.Assert):
                    statements[position] = self._reporting(statement)
                    continue
                if isinstance(statement, ast.Import):
                    modules.update(alias.name for alias in statement.names)
                elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
                    modules.add(statement.module)
                self._rewrite(statement, modules)

    def _reporting(self, node: ast.Assert) -> ast.stmt:
        index = len(self.asserts)
        text = self._lines[node.lineno - 1].strip() if node.lineno <= len(self._lines) else ""
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
        call = ast.Call(
            func=ast.Name(id="__sandloop_assert__", ctx=ast.Load()),
            args=[ast.Constant(index), _plan(node.test)],
            keywords=[],
        )
        return ast.fix_missing_locations(ast.copy_location(ast.Expr(value=call), node))


_plans: collections.OrderedDict[str, TestPlan] = collections.OrderedDict()
PLAN_CACHE_SIZE = 256


def test_plan(test_code: str) -> TestPlan:
    """Many answers are graded on the same tests (pass@k, RL groups): rewrite each test code once."""
    plan = _plans.pop(test_code, None) or TestPlan(test_code)
    _plans[test_code] = plan
    if len(_plans) > PLAN_CACHE_SIZE:
        _plans.popitem(last=False)
    return plan


# ---------------------------------------------------------------- child side


_nonce = ""
"""Secret of the current job, set before fork: the parent ignores result lines without it, so a program
that writes protocol lines to the results pipe (the protocol is public) forges nothing."""


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


def _observe(plan: tuple[Any, ...]) -> dict[str, Any]:
    kind = plan[0]
    if kind == "val":
        return {"k": "val", "v": encode_value(plan[1]())}
    if kind == "not":
        return {"k": "not", "t": _observe(plan[1])}
    if kind == "cmp":
        return {"k": "cmp", "ops": list(plan[1]), "v": [encode_value(v) for v in plan[2]()]}
    parts = []
    for sub in plan[1]:  # and / or, short-circuited like Python, on plain values only
        observed = _observe(sub)
        parts.append(observed)
        if judge(observed) is (kind == "or"):
            break
    return {"k": kind, "t": parts}


def _record_assert(index: int, plan: tuple[Any, ...]) -> None:
    try:
        if _guard is not None:
            _guard.restore()
        _send({"e": "obs", "i": index, "t": _observe(plan)})
    except BaseException as error:  # SystemExit and KeyboardInterrupt included: a failed test, not an exit
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


def run_tests_child(source: str, tests: TestPlan, entry_point: str | None, work_dir: str) -> None:
    global _guard
    _guard = guard = _Guard(tests.imports)
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
        exec(tests.code, namespace)
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
    cpu = max(1, math.ceil(cpu_time_s))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
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
    _, wait_status = os.waitpid(pid, 0)
    duration = time.monotonic() - started
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
        elif signum in (signal.SIGXCPU, signal.SIGKILL) and duration >= cpu_time_s:
            outcome = "timeout"  # CPU-time limit: soft limit sends SIGXCPU, the hard one SIGKILL
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
    """Turn the child's observations into per-assert verdicts, judged here in the parent."""
    asserts: list[wire.AssertRecord] = [entry.copy() for entry in tests.asserts]
    summary: wire.HarnessReport = {
        "loaded": False,
        "completed": False,
        "program_error": None,
        "fatal": None,
        "asserts": asserts,
    }
    for line in results.splitlines():
        try:
            message = json.loads(line)
            event = message["e"] if message["n"] == nonce else None
        except (ValueError, KeyError, TypeError):
            continue  # a torn last line (the child died mid-write) or junk: never a pass
        if event == "obs" and isinstance(message.get("i"), int) and 0 <= message["i"] < len(asserts):
            entry = asserts[message["i"]]
            entry["executions"] += 1
            try:
                held = "x" not in message and judge(message["t"])
                problem = message.get("x") or explain(message["t"])
            except Exception as error:
                held, problem = False, f"could not judge the observed values: {_describe(error)}"
            if not held:
                entry["failures"] += 1
                entry["detail"] = entry["detail"] or problem
        elif event == "loaded":
            summary["loaded"] = True
        elif event == "done":
            summary["completed"] = True
        elif event == "program_error":
            summary["program_error"] = str(message.get("x"))[:2000]
        elif event == "fatal":
            summary["fatal"] = str(message.get("x"))[:2000]
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
            job = json.loads(frame)
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
