"""Runs inside the sandbox (stdlib only; its source is passed to `python -I -S -c`).

argv: [result_fd, uid, limits] with limits as `RLIMIT_AS=soft:hard,RLIMIT_CPU=...`. Applies the
limits, drops to `uid` if started as root, reads `{"code", "input"}` from stdin (marshal: it
comes from the platform, and needs no import), compiles `code` as the body of
`def main(input):`, calls it and writes one JSON report to `result_fd`, so that the user's
prints (stdout) cannot corrupt it:
`{"ok": true, "result": ...}` or `{"ok": false, "kind": ..., "message": ..., "traceback"?: ...}`.

Start-up matters (it is paid on every call): no `json`, `ast` or `traceback` import on the
success path (`json` alone costs ~6 ms through `re`); JSON is written with `_json`'s escaper.
"""
import _json
import _signal
import marshal
import math
import os
import resource
import sys

FILENAME = "<code>"
ONLY_AST = 0x400  # ast.PyCF_ONLY_AST, without importing `ast` (~8 ms of start-up)
MAX_DEPTH = 200


def to_json(value, depth=0):
    """JSON text for `value`, with `json.dumps(allow_nan=False)` semantics; TypeError/ValueError if not JSON."""
    if depth > MAX_DEPTH:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    if value is None or value is True or value is False:
        return "null" if value is None else "true" if value else "false"
    if isinstance(value, str):
        return _json.encode_basestring_ascii(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("Out of range float values are not JSON compliant")
        return float.__repr__(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(v, depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(json_key(k) + ":" + to_json(v, depth + 1) for k, v in value.items()) + "}"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_key(key):
    if isinstance(key, str):
        return _json.encode_basestring_ascii(key)
    if key is None or isinstance(key, (bool, int, float)):
        return _json.encode_basestring_ascii(to_json(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def report(fd, payload):
    data = to_json(payload).encode()
    while data:
        data = data[os.write(fd, data):]


def exit_on_cpu_limit(signum, frame):
    os._exit(128 + signum)


def apply_limits(spec):
    for item in spec.split(","):
        name, _, values = item.partition("=")
        soft, _, hard = values.partition(":")
        resource.setrlimit(getattr(resource, name), (int(soft), int(hard)))


def drop_privileges(uid):
    if os.getuid() == 0 and uid:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)  # from root to a non-root uid: every capability is cleared too


def compile_main(code):
    """`code` as the body of `main(input)`; line numbers stay those of the user's code."""
    tree = compile(code, FILENAME, "exec", ONLY_AST)
    module = compile("def main(input):\n    pass\n", FILENAME, "exec", ONLY_AST)
    if tree.body:
        module.body[0].body = tree.body
    namespace = {"__name__": "__sandbox__", "__builtins__": __builtins__}
    exec(compile(module, FILENAME, "exec"), namespace)  # noqa: S102 - running user code is the point
    return namespace["main"]


def user_traceback(exc, code):
    import linecache
    import traceback

    linecache.cache[FILENAME] = (len(code), None, code.splitlines(True), FILENAME)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


def flush_quietly(stream):
    """Flush what the user printed; a stream the user closed or broke does not matter here."""
    try:
        stream.flush()
    except (OSError, ValueError):
        return False
    return True


def failure(exc, code):
    if isinstance(exc, MemoryError):
        exc.__traceback__ = None  # frees the user's frames (and their memory) before anything else
        return {"ok": False, "kind": "memory", "message": "MemoryError"}
    if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return {"ok": False, "kind": "syntax_error", "message": f"SyntaxError: {exc.msg}{where}",
                "line": exc.lineno}
    import traceback

    message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return {"ok": False, "kind": "exception", "message": message, "traceback": user_traceback(exc, code)}


def run():
    result_fd, uid = int(sys.argv[1]), int(sys.argv[2])
    # As a namespace's pid 1 the runner would ignore SIGXCPU's default action (only the hard
    # limit's SIGKILL would stop it): exit on it explicitly.
    _signal.signal(_signal.SIGXCPU, exit_on_cpu_limit)
    apply_limits(sys.argv[3])
    drop_privileges(uid)  # before touching anything the caller sent
    payload = marshal.loads(sys.stdin.buffer.read())
    code = payload.get("code", "")
    main_pid = os.getpid()
    try:
        value = compile_main(code)(payload.get("input"))
        outcome = {"ok": True, "result": value}
    except BaseException as exc:  # noqa: BLE001 - every failure of user code is reported, never raised
        outcome = failure(exc, code)
    if os.getpid() != main_pid:  # a process the user forked: only the original reports
        os._exit(0)
    flush_quietly(sys.stdout)
    flush_quietly(sys.stderr)
    try:
        report(result_fd, outcome)
    except (TypeError, ValueError, RecursionError) as exc:
        report(result_fd, {"ok": False, "kind": "non_json_result",
                           "message": f"the returned value is not JSON: {exc}"})
    os._exit(0)


run()
